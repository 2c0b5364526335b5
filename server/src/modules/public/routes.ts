import { ApiError, Id, IdParams, PublicRoundQuery, PublicRoundResult } from '@app/shared'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import QRCode from 'qrcode'
import { z } from 'zod'
import { renderNotFoundPage, renderRecordPage, renderVerifyPage } from './page.js'

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
        summary:
          'Sealed totals, per-village breakdown (fewer than 5 valid ballots suppressed), ledger root hash (compared with ?root= from paper), the record of seals and council decisions; never free text from residents',
        params: IdParams,
        querystring: PublicRoundQuery,
        response: { 200: PublicRoundResult, 404: ApiError, 429: ApiError },
      },
    },
    async (req) => app.services.publicResults.result(req.params.id, req.query.root),
  )
  app.get(
    '/v/:roundId',
    { config: { rateLimit }, schema: { hide: true, params: z.object({ roundId: Id }), querystring: PublicRoundQuery } },
    async (req, reply) => {
      const res = await app.services.publicResults.find(req.params.roundId, req.query.root)
      reply.type('text/html; charset=utf-8')
      if (res) {
        // the same QR target as on paper: this page with the sealed root in its address
        const url = `${app.config.links.publicBaseUrl}/v/${encodeURIComponent(res.roundId)}?root=${res.ledgerRootHash}`
        const qrSvg = await QRCode.toString(url, { type: 'svg', errorCorrectionLevel: 'M', margin: 1 })
        return reply.header('cache-control', 'public, max-age=300').send(renderVerifyPage(res, { qrSvg, url }))
      }
      // sealed once, unsealed now: the record says what happened to the seal printed on paper
      const rec = await app.services.publicResults.record(req.params.roundId, req.query.root)
      if (rec) return reply.header('cache-control', 'public, max-age=60').send(renderRecordPage(rec))
      return reply.code(404).send(renderNotFoundPage())
    },
  )
}
