import { ApiError, CriteriaTrend, FollowUpCandidates, Id, IdParams } from '@app/shared'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'

/** Re-survey follow-up (registered under /api). */
export const followUpRoutes: FastifyPluginAsyncZod = async (app) => {
  app.addHook('onRequest', app.authenticate)
  const Err = { 403: ApiError, 404: ApiError }
  app.get(
    '/rounds/:id/follow-up-candidates',
    {
      schema: {
        tags: ['follow-up'],
        summary: 'Villages mostly dissatisfied on some question (≥ 5 ballots): targets for a follow-up round',
        params: IdParams,
        response: { 200: FollowUpCandidates, ...Err },
      },
    },
    async (req) => app.services.followUp.candidates(req.actor, req.params.id),
  )
  app.get(
    '/units/:communeId/criteria-trend',
    {
      schema: {
        tags: ['follow-up'],
        summary: "Per criterion: the commune's rate in each closed or sealed round, oldest first",
        params: z.object({ communeId: Id }),
        response: { 200: CriteriaTrend, ...Err },
      },
    },
    async (req) => app.services.followUp.criteriaTrend(req.actor, req.params.communeId),
  )
}
