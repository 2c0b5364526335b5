import { ApiError, CouncilDecision, CreateCouncilDecisionBody, IdParams, ResurveyBody, Round } from '@app/shared'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'

const tags = ['council']
const Err = { 400: ApiError, 403: ApiError, 404: ApiError, 409: ApiError }

/** Mounted under /api/rounds. */
export const councilRoutes: FastifyPluginAsyncZod = async (app) => {
  app.addHook('onRequest', app.authenticate)

  app.post(
    '/:id/council-decisions',
    {
      schema: {
        tags,
        summary: "Record the appraisal council's vote and decision on a sealed round (council in scope)",
        params: IdParams,
        body: CreateCouncilDecisionBody,
        response: { 201: CouncilDecision, ...Err },
      },
    },
    async (req, reply) => reply.code(201).send(app.services.council.record(req.actor, req.params.id, req.body)),
  )
  app.get(
    '/:id/council-decisions',
    {
      schema: {
        tags,
        summary: 'Council decisions recorded for a round',
        params: IdParams,
        response: { 200: z.object({ items: z.array(CouncilDecision) }), ...Err },
      },
    },
    async (req) => ({ items: app.services.council.list(req.actor, req.params.id) }),
  )
  app.post(
    '/:id/resurvey',
    {
      schema: {
        tags,
        summary: 'Create a draft round re-surveying a round the council returned (linked by previousRoundId)',
        params: IdParams,
        body: ResurveyBody,
        response: { 201: Round, ...Err },
      },
    },
    async (req, reply) => reply.code(201).send(app.services.council.resurvey(req.actor, req.params.id, req.body)),
  )
}
