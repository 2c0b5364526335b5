import {
  ApiError,
  DemoInboxLink,
  IdParams,
  MessagingPolicy,
  MessagingPolicyBody,
  RetryResult,
  RoundMessaging,
  WebhookAck,
} from '@app/shared'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { AppError } from '../../lib/app-error.js'
import { createDemoAccess, DEMO_COOKIE, readCookie, SESSION_TTL_MS } from './demo-access.js'
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
        response: { 200: WebhookAck, 400: ApiError, 401: ApiError, 413: ApiError },
      },
    },
    async (req) => {
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0)
      const r = await app.services.messaging.ingestZaloWebhook(raw, req.headers)
      if (r.ignored)
        req.log.info({ bytes: raw.length }, 'unsigned webhook POST (a URL check when the webhook is registered?): answered 200, ignored')
      return { received: true as const, duplicate: r.duplicate }
    },
  )
}

/**
 * The fake Zalo inbox (registered only in fake mode, app.ts), for admins alone (demo-access.ts): the staff app asks
 * for a one-time link, opening it sets a short HttpOnly cookie bound to that admin, and the page checks it each time.
 */
export const zaloDemoRoutes: FastifyPluginAsyncZod = async (app) => {
  const access = createDemoAccess({
    key: app.purposeKey('demo-inbox'),
    clock: app.clock,
    actorFor: async (id, tv) => await app.services.users.actorFor(id, tv),
    tokenVersion: async (id) => await app.services.users.tokenVersion(id),
  })
  const secure = app.config.links.publicBaseUrl.startsWith('https:')
  const REFUSED: Record<401 | 403, string> = {
    401: 'Cần phiên quản trị: mở hộp thư Zalo giả lập bằng nút “Mở hộp thư Zalo giả lập” ở trang Quản trị của ứng dụng cán bộ (đường dẫn chỉ dùng được một lần, trong vài phút).',
    403: 'Chỉ quản trị viên được xem hộp thư Zalo giả lập.',
  }

  app.post(
    '/api/zalo/demo-inbox-link',
    {
      onRequest: app.authenticate,
      schema: {
        tags,
        summary: 'Fake mode, admins: a one-time link to the fake Zalo inbox (valid a few minutes, bound to the admin)',
        response: { 200: DemoInboxLink, 401: ApiError, 403: ApiError },
      },
    },
    async (req) => {
      if (req.actor.role !== 'admin') throw new AppError('forbidden', REFUSED[403], 403)
      const { value, expiresAt } = await access.issueLink(req.actor)
      return { url: `/demo/zalo?t=${value}`, expiresAt: expiresAt.toISOString() }
    },
  )

  app.get('/demo/zalo', { schema: { hide: true, querystring: z.object({ t: z.string().max(1000).optional() }) } }, async (req, reply) => {
    reply.header('cache-control', 'no-store')
    if (req.query.t !== undefined) {
      const link = await access.redeemLink(req.query.t)
      if (!link.ok) {
        req.log.warn({ reason: link.reason }, 'demo inbox link refused')
        throw new AppError(link.status === 403 ? 'forbidden' : 'unauthorized', REFUSED[link.status], link.status)
      }
      const session = await access.issueSession(link.actor)
      const cookie = [
        `${DEMO_COOKIE}=${session.value}`,
        'Path=/demo/zalo',
        `Max-Age=${Math.floor(SESSION_TTL_MS / 1000)}`,
        'HttpOnly',
        'SameSite=Strict',
        ...(secure ? ['Secure'] : []),
      ].join('; ')
      return reply.header('set-cookie', cookie).redirect('/demo/zalo', 303)
    }
    const session = await access.checkSession(readCookie(req.headers.cookie, DEMO_COOKIE))
    if (!session.ok) throw new AppError(session.status === 403 ? 'forbidden' : 'unauthorized', REFUSED[session.status], session.status)
    const cfg = app.config
    const inbox = await loadInbox(cfg.zalo.znsBaseUrl, cfg.sms.mode === 'fake' ? cfg.sms.baseUrl : null)
    return reply.type('text/html; charset=utf-8').send(renderInboxPage(inbox, '/app/admin'))
  })
}
