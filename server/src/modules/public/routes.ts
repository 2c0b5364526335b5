import { ApiError, Id, IdParams, PublicRoundResult } from '@app/shared'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { renderNotFoundPage, renderVerifyPage } from './page.js'

/** Public, no login: the sealed result of a round (JSON and a plain HTML page). Rate-limited per IP. */
export const publicRoutes: FastifyPluginAsyncZod = async (app) => {
  const rateLimit = { max: app.config.links.rateLimitPerMin, timeWindow: 60_000 }

  app.get(
    '/api/public/rounds/:id',
    {
      config: { rateLimit },
      schema: {
        tags: ['public'],
        security: [],
        summary: 'Sealed totals, per-village breakdown (fewer than 5 valid ballots suppressed) and ledger root hash; never free text',
        params: IdParams,
        response: { 200: PublicRoundResult, 404: ApiError, 429: ApiError },
      },
    },
    async (req) => app.services.publicResults.result(req.params.id),
  )
  app.get('/v/:roundId', { config: { rateLimit }, schema: { hide: true, params: z.object({ roundId: Id }) } }, async (req, reply) => {
    const res = app.services.publicResults.find(req.params.roundId)
    reply.type('text/html; charset=utf-8')
    if (!res) return reply.code(404).send(renderNotFoundPage())
    return reply.header('cache-control', 'public, max-age=300').send(renderVerifyPage(res))
  })
}
