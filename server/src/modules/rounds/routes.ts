import {
  ApiError,
  AssignCollectorBody,
  CloseRoundBody,
  CollectorAssignment,
  CreateRoundBody,
  Id,
  IdParams,
  items,
  ReopenRoundBody,
  Round,
  RoundCollector,
  RoundListQuery,
  UpdateRoundBody,
} from '@app/shared'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'

const tags = ['rounds']
const Err = { 400: ApiError, 403: ApiError, 404: ApiError, 409: ApiError, 422: ApiError }

export const roundRoutes: FastifyPluginAsyncZod = async (app) => {
  app.addHook('onRequest', app.authenticate)
  const s = () => app.services

  app.get(
    '/',
    {
      schema: {
        tags,
        summary: 'Rounds in your scope',
        querystring: RoundListQuery,
        response: { 200: items(Round), 404: ApiError },
      },
    },
    async (req) => ({
      items: await s().rounds.list(req.actor, req.query),
    }),
  )
  app.post(
    '/',
    { schema: { tags, summary: 'Create a draft round', body: CreateRoundBody, response: { 201: Round, ...Err } } },
    async (req, reply) => reply.code(201).send(await s().rounds.create(req.actor, req.body)),
  )
  app.get('/:id', { schema: { tags, summary: 'One round', params: IdParams, response: { 200: Round, 404: ApiError } } }, async (req) =>
    s().rounds.get(req.actor, req.params.id),
  )
  app.patch(
    '/:id',
    { schema: { tags, summary: 'Edit a draft round', params: IdParams, body: UpdateRoundBody, response: { 200: Round, ...Err } } },
    async (req) => s().rounds.update(req.actor, req.params.id, req.body),
  )
  app.post(
    '/:id/open',
    {
      schema: {
        tags,
        summary: 'Open: snapshot the questionnaire and the household frame',
        params: IdParams,
        response: { 200: Round, ...Err },
      },
    },
    async (req) => s().rounds.open(req.actor, req.params.id),
  )
  app.post(
    '/:id/close',
    {
      schema: {
        tags,
        summary: 'Close the collection',
        params: IdParams,
        body: CloseRoundBody,
        response: { 200: Round, ...Err },
      },
    },
    async (req) => s().rounds.close(req.actor, req.params.id, req.body?.reason),
  )
  app.post(
    '/:id/reopen',
    {
      schema: {
        tags,
        summary: 'Reopen a closed round (province Front staff, with a reason)',
        params: IdParams,
        body: ReopenRoundBody,
        response: { 200: Round, ...Err },
      },
    },
    async (req) => s().rounds.reopen(req.actor, req.params.id, req.body),
  )
  app.put(
    '/:id/collectors/:userId',
    {
      schema: {
        tags,
        summary: "Assign a collector to villages of the round (replaces the collector's villages)",
        params: z.object({ id: Id, userId: Id }),
        body: AssignCollectorBody,
        response: { 200: CollectorAssignment, ...Err },
      },
    },
    async (req) => s().rounds.assignCollector(req.actor, req.params.id, { userId: req.params.userId, villageIds: req.body.villageIds }),
  )

  app.get(
    '/:id/collectors',
    {
      schema: {
        tags,
        summary: "The round's collectors and their villages (a collector sees their own)",
        params: IdParams,
        response: { 200: items(RoundCollector), ...Err },
      },
    },
    async (req) => ({ items: await s().rounds.collectors(req.actor, req.params.id) }),
  )
}
