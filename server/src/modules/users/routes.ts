import { ApiError, CreateUserBody, IdParams, items, ResetPasswordBody, ResetPasswordResult, Role, UpdateUserBody, User } from '@app/shared'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'

const tags = ['users']

export const userRoutes: FastifyPluginAsyncZod = async (app) => {
  app.addHook('onRequest', app.authenticate)

  app.get(
    '/',
    {
      schema: {
        tags,
        summary: 'Users (admin: all; front staff: the collectors in their scope)',
        querystring: z.object({ role: Role.optional() }),
        response: { 200: items(User), 403: ApiError },
      },
    },
    async (req) => ({ items: await app.services.users.list(req.actor, req.query) }),
  )

  app.post(
    '/',
    {
      schema: {
        tags,
        summary: 'Create a user (admin)',
        body: CreateUserBody,
        response: { 201: User, 403: ApiError, 404: ApiError, 409: ApiError },
      },
    },
    async (req, reply) => reply.code(201).send(await app.services.users.create(req.actor, req.body)),
  )

  app.patch(
    '/:id',
    {
      schema: {
        tags,
        summary: 'Disable/enable, reset password, change role or unit (admin)',
        params: IdParams,
        body: UpdateUserBody,
        response: { 200: User, 403: ApiError, 404: ApiError, 409: ApiError },
      },
    },
    async (req) => app.services.users.update(req.actor, req.params.id, req.body),
  )

  app.post(
    '/:id/password',
    {
      schema: {
        tags,
        summary: "Reset a user's password (admin): the typed one, or a temporary one returned once; every session of the user ends",
        params: IdParams,
        body: ResetPasswordBody,
        response: { 200: ResetPasswordResult, 403: ApiError, 404: ApiError, 409: ApiError },
      },
    },
    async (req) => app.services.users.resetPassword(req.actor, req.params.id, req.body),
  )
}
