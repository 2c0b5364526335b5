import {
  ApiError,
  CreateHouseholdRequestBody,
  HouseholdRequest,
  HouseholdRequestReceived,
  Id,
  IdParams,
  items,
  PublicRequestPage,
  ResolveHouseholdRequestBody,
  ResolveHouseholdRequestResult,
} from '@app/shared'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { AppError } from '../../lib/app-error.js'
import { renderClosedPage, renderNotFound, renderReceivedPage, renderRequestPage } from './page.js'

const CommuneParams = z.object({ communeId: Id })

/**
 * "Hộ tôi chưa được hỏi ý kiến", public side (no login): the JSON API and a plain HTML page per
 * commune (QR on the village notice). Rate-limited per IP; the answer never reveals whether a
 * household has already answered.
 */
export const publicRequestRoutes: FastifyPluginAsyncZod = async (app) => {
  const read = { max: app.config.links.rateLimitPerMin, timeWindow: 60_000 }
  const write = { max: app.config.requests.rateLimitPerHour, timeWindow: 3_600_000 }
  const s = () => app.services.requests
  // The HTML form posts urlencoded; this parser is scoped to this plugin only.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 8 * 1024 }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)))
  })

  app.get(
    '/api/public/communes/:communeId/requests',
    {
      config: { rateLimit: read },
      schema: {
        tags: ['requests'],
        security: [],
        summary: 'The commune, its open rounds and villages (no counts), for the "my household was not asked" page',
        params: CommuneParams,
        response: { 200: PublicRequestPage, 404: ApiError, 429: ApiError },
      },
    },
    async (req) => s().page(req.params.communeId),
  )
  app.post(
    '/api/public/communes/:communeId/requests',
    {
      config: { rateLimit: write },
      bodyLimit: 8 * 1024,
      schema: {
        tags: ['requests'],
        security: [],
        summary: 'Ask to be surveyed. Always 201 { status: "received" } while a round is open (410 round_closed otherwise)',
        params: CommuneParams,
        body: CreateHouseholdRequestBody,
        response: { 201: HouseholdRequestReceived, 400: ApiError, 404: ApiError, 410: ApiError, 413: ApiError, 429: ApiError },
      },
    },
    async (req, reply) => reply.code(201).send(await s().create(req.params.communeId, req.body)),
  )

  app.get('/hoi/:communeId', { config: { rateLimit: read }, schema: { hide: true, params: CommuneParams } }, async (req, reply) => {
    reply.type('text/html; charset=utf-8').header('cache-control', 'no-store')
    try {
      return reply.send(renderRequestPage(await s().page(req.params.communeId), { hotline: app.config.links.hotline }))
    } catch (e) {
      if (e instanceof AppError && e.statusCode === 404) return reply.code(404).send(renderNotFound())
      throw e
    }
  })
  app.post(
    '/hoi/:communeId',
    {
      config: { rateLimit: write },
      bodyLimit: 8 * 1024,
      schema: { hide: true, params: CommuneParams, body: z.record(z.string(), z.string()).optional() },
    },
    async (req, reply) => {
      reply.type('text/html; charset=utf-8').header('cache-control', 'no-store')
      try {
        const data = await s().page(req.params.communeId)
        const res = await s().submitForm(req.params.communeId, req.body ?? {})
        if (res.ok) return reply.code(201).send(renderReceivedPage(data.commune.name, res.message))
        return reply
          .code(res.status)
          .send(renderRequestPage(data, { values: res.values, errors: res.errors, hotline: app.config.links.hotline }))
      } catch (e) {
        if (e instanceof AppError && e.statusCode === 404) return reply.code(404).send(renderNotFound())
        if (e instanceof AppError && e.code === 'round_closed') {
          const name = (await app.services.units.findById(req.params.communeId))?.name ?? ''
          return reply.code(410).send(renderClosedPage(name))
        }
        throw e
      }
    },
  )
}

/** Staff side (registered under /api/rounds): the requests of a round and their resolution. */
export const requestStaffRoutes: FastifyPluginAsyncZod = async (app) => {
  app.addHook('onRequest', app.authenticate)
  const Err = { 400: ApiError, 403: ApiError, 404: ApiError, 409: ApiError }
  app.get(
    '/:id/requests',
    {
      schema: {
        tags: ['requests'],
        summary: '"My household was not asked" requests of a round, with matching households (Front staff in scope)',
        params: IdParams,
        response: { 200: items(HouseholdRequest), ...Err },
      },
    },
    async (req) => ({ items: await app.services.requests.list(req.actor, req.params.id) }),
  )
  app.post(
    '/:id/requests/:requestId/resolve',
    {
      schema: {
        tags: ['requests'],
        summary: 'Resolve a request: issue_link (reissues the household link), visit (paper visit) or reject (with a reason)',
        params: z.object({ id: Id, requestId: Id }),
        body: ResolveHouseholdRequestBody,
        response: { 200: ResolveHouseholdRequestResult, ...Err },
      },
    },
    async (req) => app.services.requests.resolve(req.actor, req.params.id, req.params.requestId, req.body),
  )
}
