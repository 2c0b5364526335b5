import { ApiError, EnterPaperBody, Id, IdParams, items, PaperBallotBody, PaperQueueItem, PaperResult, PaperSerial } from '@app/shared'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'

const Err = { 400: ApiError, 403: ApiError, 404: ApiError, 409: ApiError, 422: ApiError }

/** Paper and meeting ballots keyed by staff, and the double-entry reconciliation, under /api/rounds/:id. */
export const paperRoutes: FastifyPluginAsyncZod = async (app) => {
  app.addHook('onRequest', app.authenticate)
  const s = () => app.services

  app.post(
    '/:id/paper-ballots',
    {
      schema: {
        tags: ['ballots'],
        summary: 'Enter a paper or meeting ballot (201 counted; 202 waiting for the second entry)',
        params: IdParams,
        body: EnterPaperBody,
        response: { 201: PaperResult, 202: PaperResult, ...Err },
      },
    },
    async (req, reply) => {
      const res = await s().paper.enterPaper(req.actor, req.params.id, req.body)
      return reply.code(res.status === 'counted' ? 201 : 202).send(res)
    },
  )
  app.get(
    '/:id/paper-entries',
    {
      schema: {
        tags: ['ballots'],
        summary: 'Double-entry reconciliation queue',
        params: IdParams,
        response: { 200: items(PaperQueueItem), ...Err },
      },
    },
    async (req) => ({ items: await s().paper.paperQueue(req.actor, req.params.id) }),
  )
  app.post(
    '/:id/paper-entries/:serial/resolve',
    {
      schema: {
        tags: ['ballots'],
        summary: 'Resolve a mismatched paper form by keying it once more',
        params: z.object({ id: Id, serial: PaperSerial }),
        body: PaperBallotBody,
        response: { 201: PaperResult, ...Err },
      },
    },
    async (req, reply) => reply.code(201).send(await s().paper.resolvePaper(req.actor, req.params.id, req.params.serial, req.body)),
  )
}
