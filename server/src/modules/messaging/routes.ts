import { ApiError, IdParams, MessagingPolicy, MessagingPolicyBody, RetryResult, RoundMessaging } from '@app/shared'
import type { FastifyPluginAsync } from 'fastify'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { loadInbox, renderInboxPage } from './demo-page.js'

const tags = ['messaging']
const Err = { 400: ApiError, 401: ApiError, 403: ApiError, 404: ApiError, 409: ApiError }

/** Staff view of a round's Zalo/SMS invitations (prefix /api/rounds). */
export const messagingRoutes: FastifyPluginAsyncZod = async (app) => {
  app.addHook('onRequest', app.authenticate)
  const s = () => app.services.messaging

  app.get(
    '/:id/messaging',
    {
      schema: {
        tags,
        summary: 'Zalo/SMS invitations of a round: counts, alerts, failures with the reason in Vietnamese',
        params: IdParams,
        response: { 200: RoundMessaging, ...Err },
      },
    },
    async (req) => s().summary(req.actor, req.params.id),
  )
  app.post(
    '/:id/messaging/retry',
    {
      schema: {
        tags,
        summary: 'Re-queue failed sends (live invitations, households that have not taken part) and lift a halt',
        params: IdParams,
        response: { 200: RetryResult, ...Err },
      },
    },
    async (req) => s().retry(req.actor, req.params.id),
  )
  app.put(
    '/:id/messaging/policy',
    {
      schema: {
        tags,
        summary: 'Reminder policy (max, gap in hours) and the unknown-outcome rule for this round; null = default',
        params: IdParams,
        body: MessagingPolicyBody,
        response: { 200: MessagingPolicy, ...Err },
      },
    },
    async (req) => s().setPolicy(req.actor, req.params.id, req.body),
  )
}

const WEBHOOK_BODY_LIMIT = 256 * 1024

/**
 * POST /api/webhooks/zalo (ZALO.md §8.4). The raw bytes are kept — the signature covers them, and a parsed and
 * re-serialised body would not verify — so this scope replaces the JSON parser with a buffer parser (this route
 * only: Fastify encapsulation). Store, answer 200 fast, process after.
 */
export const zaloWebhookRoutes: FastifyPluginAsyncZod = async (app) => {
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: WEBHOOK_BODY_LIMIT }, (_req, body, done) => done(null, body))
  app.post(
    '/api/webhooks/zalo',
    {
      bodyLimit: WEBHOOK_BODY_LIMIT,
      schema: {
        tags,
        security: [],
        summary: 'Zalo webhook receiver: X-ZEvent-Signature over the raw body, replay window, dedupe; 200 then async processing',
        response: { 200: z.object({ received: z.literal(true), duplicate: z.boolean() }), 400: ApiError, 401: ApiError, 413: ApiError },
      },
    },
    async (req) => {
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0)
      const r = app.services.messaging.ingestZaloWebhook(raw, req.headers)
      if (r.ignored)
        req.log.info({ bytes: raw.length }, 'unsigned webhook POST (a URL check when the webhook is registered?): answered 200, ignored')
      return { received: true as const, duplicate: r.duplicate }
    },
  )
}

/** GET /demo/zalo — registered only in fake mode (app.ts). */
export const zaloDemoRoutes: FastifyPluginAsync = async (app) => {
  app.get('/demo/zalo', { schema: { hide: true } }, async (_req, reply) => {
    const cfg = app.config
    const inbox = await loadInbox(cfg.zalo.znsBaseUrl, cfg.sms.mode === 'fake' ? cfg.sms.baseUrl : null)
    return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(renderInboxPage(inbox, '/'))
  })
}
