import { ApiError, CommuneTrend, Id, IdParams, OverviewQuery, UnitOverview } from '@app/shared'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'

const tags = ['overview']
const Err = { 400: ApiError, 403: ApiError, 404: ApiError }

/** Mounted under /api/units. */
export const overviewRoutes: FastifyPluginAsyncZod = async (app) => {
  app.addHook('onRequest', app.authenticate)

  app.get(
    '/:id/overview',
    {
      schema: {
        tags,
        summary: "Every commune's latest round under a province or legacy district: coverage, rate, verdict, status (sortable)",
        params: IdParams,
        querystring: OverviewQuery,
        response: { 200: UnitOverview, ...Err },
      },
    },
    async (req) => app.services.overview.overview(req.actor, req.params.id, req.query),
  )
  app.get(
    '/:communeId/trend',
    {
      schema: {
        tags,
        summary: 'All rounds of a commune in time order with level, status, rate, coverage and verdict',
        params: z.object({ communeId: Id }),
        response: { 200: CommuneTrend, ...Err },
      },
    },
    async (req) => app.services.overview.trend(req.actor, req.params.communeId),
  )
}
