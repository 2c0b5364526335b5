import { ApiError, IdParams, ReasonBody, RecountBody, RecountResult, Round, RoundCoverage, ShownRoundTally } from '@app/shared'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'

const tags = ['tally']
const Err = { 400: ApiError, 403: ApiError, 404: ApiError, 409: ApiError }

export const tallyRoutes: FastifyPluginAsyncZod = async (app) => {
  app.addHook('onRequest', app.authenticate)
  const s = () => app.services.tally

  app.get(
    '/:id/tally',
    {
      schema: {
        tags,
        summary:
          'Coverage, rate, interval and verdict per village and for the commune, once the round has closed (frozen once sealed); figures on fewer than PRIVACY_MIN_CELL ballots withheld, with complements; 409 results_not_disclosed while it is draft or open; the first read is recorded as the disclosure',
        params: IdParams,
        response: { 200: ShownRoundTally, ...Err },
      },
    },
    async (req) => s().tally(req.actor, req.params.id),
  )
  app.get(
    '/:id/coverage',
    {
      schema: {
        tags,
        summary: 'Who has taken part, per village and channel, live in every status (no answer, no rate, no verdict)',
        params: IdParams,
        response: { 200: RoundCoverage, ...Err },
      },
    },
    async (req) => s().coverage(req.actor, req.params.id),
  )
  app.post(
    '/:id/recount',
    {
      schema: {
        tags,
        summary: 'Recompute the counters from the ballots and compare (repair=true replaces them, logged)',
        params: IdParams,
        body: RecountBody,
        response: { 200: RecountResult, ...Err },
      },
    },
    async (req) => s().recount(req.actor, req.params.id, req.body ?? {}),
  )
  app.post(
    '/:id/seal',
    {
      schema: {
        tags,
        summary: 'Seal a closed round: freeze tally, method, thresholds and ledger root',
        params: IdParams,
        response: { 200: Round, ...Err },
      },
    },
    async (req) => s().seal(req.actor, req.params.id),
  )
  app.post(
    '/:id/unseal',
    {
      schema: {
        tags,
        summary: 'Unseal (admin, with a reason; logged)',
        params: IdParams,
        body: ReasonBody,
        response: { 200: Round, ...Err },
      },
    },
    async (req) => s().unseal(req.actor, req.params.id, req.body.reason),
  )
}
