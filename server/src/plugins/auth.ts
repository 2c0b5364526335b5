import fastifyJwt from '@fastify/jwt'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { unauthorized } from '../lib/app-error.js'
import type { Actor } from '../modules/policy.js'

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: { sub: string; role: string; unitId: string }
    user: { sub: string; role: string; unitId: string }
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    authenticate: (req: FastifyRequest, reply: FastifyReply) => Promise<void>
    signToken: (actor: Actor) => { token: string; expiresAt: string }
  }
  interface FastifyRequest {
    actor: Actor
  }
}

/**
 * Staff authentication: short-lived HS256 JWTs (algorithm pinned, so `alg: none` and key confusion
 * are refused). Every request re-reads the user, so a disabled account stops working at once.
 */
export const authPlugin = fp(
  async (app: FastifyInstance, opts: { secret: string; ttlMinutes: number }) => {
    await app.register(fastifyJwt, {
      secret: opts.secret,
      sign: { algorithm: 'HS256', expiresIn: `${opts.ttlMinutes}m` },
      verify: { algorithms: ['HS256'] },
    })
    app.decorateRequest('actor', null as unknown as Actor)

    app.decorate('signToken', (actor: Actor) => {
      const token = app.jwt.sign({ sub: actor.id, role: actor.role, unitId: actor.unitId })
      const expiresAt = new Date(app.clock.now().getTime() + opts.ttlMinutes * 60_000).toISOString()
      return { token, expiresAt }
    })

    app.decorate('authenticate', async (req: FastifyRequest) => {
      if (!req.headers.authorization) throw unauthorized()
      let payload: { sub: string }
      try {
        payload = await req.jwtVerify<{ sub: string }>()
      } catch {
        throw unauthorized('invalid or expired token')
      }
      const actor = app.services.users.actorFor(payload.sub)
      if (!actor) throw unauthorized('account not found or disabled')
      req.actor = actor
    })
  },
  { name: 'auth', dependencies: ['services'] },
)
