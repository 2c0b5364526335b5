import { ApiError, ChangePasswordBody, LoginBody, LoginResponse, User } from '@app/shared'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'

const tags = ['auth']

export const authRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/login',
    {
      schema: {
        tags,
        summary: 'Staff login: a short-lived bearer token',
        body: LoginBody,
        response: { 200: LoginResponse, 400: ApiError, 401: ApiError, 429: ApiError },
      },
    },
    async (req) => {
      const actor = await app.services.users.authenticate(req.body.username, req.body.password, req.ip)
      const unitKind = (await app.services.units.findById(actor.unitId))?.kind
      return {
        ...(await app.signToken(actor)),
        user: { id: actor.id, username: actor.username, role: actor.role, unitId: actor.unitId, unitKind },
      }
    },
  )

  app.post(
    '/logout',
    {
      onRequest: app.authenticate,
      schema: {
        tags,
        summary: "Logout: ends every token of the caller (all of the user's sessions)",
        response: { 204: z.null(), 401: ApiError },
      },
    },
    async (req, reply) => {
      await app.services.users.revokeTokens(req.actor.id)
      return reply.code(204).send(null)
    },
  )

  app.post(
    '/password',
    {
      onRequest: app.authenticate,
      schema: {
        tags,
        summary: 'Change your own password (the current one is checked like a login); every session ends, a new token is returned',
        body: ChangePasswordBody,
        response: { 200: LoginResponse, 400: ApiError, 401: ApiError, 403: ApiError, 429: ApiError },
      },
    },
    async (req) => {
      await app.services.users.changeOwnPassword(req.actor, req.body, req.ip)
      const a = req.actor
      const unitKind = (await app.services.units.findById(a.unitId))?.kind
      return { ...(await app.signToken(a)), user: { id: a.id, username: a.username, role: a.role, unitId: a.unitId, unitKind } }
    },
  )

  app.get(
    '/me',
    { onRequest: app.authenticate, schema: { tags, summary: 'The logged-in user', response: { 200: User, 401: ApiError } } },
    async (req) => ({ ...req.actor, disabled: false }),
  )
}
