import { ApiError, IdParams, IntegrityReport } from '@app/shared'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'

/** Integrity signals of a round (registered under /api/rounds). */
export const integrityRoutes: FastifyPluginAsyncZod = async (app) => {
  app.addHook('onRequest', app.authenticate)
  app.get(
    '/:id/integrity',
    {
      schema: {
        tags: ['integrity'],
        summary: 'Anomaly signals (prompts to look, not verdicts): province Front staff, admin; council and commune once sealed',
        params: IdParams,
        response: { 200: IntegrityReport, 403: ApiError, 404: ApiError },
      },
    },
    async (req) => app.services.integrity.report(req.actor, req.params.id),
  )
}
