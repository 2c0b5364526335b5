import {
  AmendCouncilDecisionBody,
  ApiError,
  CouncilDecision,
  CouncilDecisionList,
  CouncilDecisionParams,
  CreateCouncilDecisionBody,
  IdParams,
  ResurveyBody,
  Round,
} from '@app/shared'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'

const tags = ['council']
const Err = { 400: ApiError, 403: ApiError, 404: ApiError, 409: ApiError, 422: ApiError }

/** Mounted under /api/rounds. */
export const councilRoutes: FastifyPluginAsyncZod = async (app) => {
  app.addHook('onRequest', app.authenticate)

  app.post(
    '/:id/council-decisions',
    {
      schema: {
        tags,
        summary:
          "Record the appraisal council's vote and decision on a sealed round (council in scope); against the verdict it needs a reason (422 reason_required_against_verdict); once recorded, amend it (409 decision_exists)",
        params: IdParams,
        body: CreateCouncilDecisionBody,
        response: { 201: CouncilDecision, ...Err },
      },
    },
    async (req, reply) => reply.code(201).send(await app.services.council.record(req.actor, req.params.id, req.body)),
  )
  app.post(
    '/:id/council-decisions/:decisionId/amendments',
    {
      schema: {
        tags,
        summary:
          'Amend the decision in force: a new version with the reason, the old one kept (409 decision_superseded when it is no longer in force)',
        params: CouncilDecisionParams,
        body: AmendCouncilDecisionBody,
        response: { 201: CouncilDecision, ...Err },
      },
    },
    async (req, reply) => reply.code(201).send(await app.services.council.amend(req.actor, req.params.id, req.params.decisionId, req.body)),
  )
  app.get(
    '/:id/council-decisions',
    {
      schema: {
        tags,
        summary:
          "Every version of the council's decisions on the round, the one in force, the verdict and the record (seal, unseal, reseal, decisions)",
        params: IdParams,
        response: { 200: CouncilDecisionList, ...Err },
      },
    },
    async (req) => app.services.council.list(req.actor, req.params.id),
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
    async (req, reply) => reply.code(201).send(await app.services.council.resurvey(req.actor, req.params.id, req.body)),
  )
}
