import { createHmac } from 'node:crypto'
import fastifyJwt from '@fastify/jwt'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { unauthorized } from '../lib/app-error.js'
import type { Actor } from '../modules/policy.js'

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: { sub: string; role: string; unitId: string; tv: number }
    user: { sub: string; role: string; unitId: string; tv: number }
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    authenticate: (req: FastifyRequest, reply: FastifyReply) => Promise<void>
    signToken: (actor: Actor) => Promise<{ token: string; expiresAt: string }>
    /** A key derived from the server secret for one purpose only (links and cookies that are not staff tokens). */
    purposeKey: (purpose: string) => Buffer
  }
  interface FastifyRequest {
    actor: Actor
  }
}

/**
 * Staff authentication: short-lived HS256 JWTs (algorithm pinned, so `alg: none` and key confusion
 * are refused; `exp` required, so a token cannot live forever). Every request re-reads the user and
 * compares the token's `tv` with users.token_version, so a disabled account, a reset password, a new
 * role or unit, or a logout ends every older token at once.
 */
export const authPlugin = fp(
  async (app: FastifyInstance, opts: { secret: string; ttlMinutes: number }) => {
    await app.register(fastifyJwt, {
      secret: opts.secret,
      sign: { algorithm: 'HS256', expiresIn: `${opts.ttlMinutes}m` },
      verify: { algorithms: ['HS256'], requiredClaims: ['exp', 'tv'] },
    })
    app.decorateRequest('actor', null as unknown as Actor)
    // A value signed with a purpose key can never pass as a staff JWT (other key, other format), nor the reverse.
    app.decorate('purposeKey', (purpose: string) => createHmac('sha256', opts.secret).update(`hailong/purpose/${purpose}`).digest())

    app.decorate('signToken', async (actor: Actor) => {
      const tv = await app.services.users.tokenVersion(actor.id)
      const token = app.jwt.sign({ sub: actor.id, role: actor.role, unitId: actor.unitId, tv })
      const expiresAt = new Date(app.clock.now().getTime() + opts.ttlMinutes * 60_000).toISOString()
      return { token, expiresAt }
    })

    app.decorate('authenticate', async (req: FastifyRequest) => {
      if (!req.headers.authorization) throw unauthorized()
      let payload: { sub: string; tv: unknown }
      try {
        payload = await req.jwtVerify<{ sub: string; tv: unknown }>()
      } catch {
        throw unauthorized('invalid or expired token')
      }
      if (typeof payload.tv !== 'number') throw unauthorized('invalid or expired token')
      const actor = await app.services.users.actorFor(payload.sub, payload.tv)
      if (!actor) throw unauthorized('account not found or disabled')
      req.actor = actor
    })
  },
  { name: 'auth', dependencies: ['services'] },
)
