/**
 * The Zalo OA connection for staff (prefix /api/zalo): the token keeper's status with a Vietnamese warning (admins and
 * front staff), and the re-consent flow for admins — a Zalo OAuth v4 permission link with PKCE, and the callback that
 * exchanges the code and stores the new pair before anything uses it.
 */
import { createHash, randomBytes } from 'node:crypto'
import { ApiError, ZaloTemplateLimits, ZaloTokenStatus } from '@app/shared'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { AppError } from '../../lib/app-error.js'
import { createMessagingRepo } from './repo.js'
import { createTokenManager } from './token-manager.js'
import { tokenStatus } from './token-status.js'
import { createZaloClient } from './zalo-client.js'

const tags = ['messaging']
/** A pending consent (state → PKCE verifier) is good for 15 minutes; at most a few at a time. */
const CONSENT_TTL_MS = 15 * 60_000
const MAX_PENDING = 20

export const zaloOaRoutes: FastifyPluginAsyncZod = async (app) => {
  const cfg = app.config.zalo
  const repo = createMessagingRepo(app.db)
  const pending = new Map<string, { verifier: string; at: number }>()
  const redirectUri = `${app.config.links.publicBaseUrl}/api/zalo/oauth/callback`

  function consentUrl(): string {
    const now = app.clock.now().getTime()
    for (const [k, v] of pending) if (now - v.at > CONSENT_TTL_MS || pending.size > MAX_PENDING) pending.delete(k)
    const state = randomBytes(16).toString('hex')
    const verifier = randomBytes(32).toString('base64url')
    pending.set(state, { verifier, at: now })
    const challenge = createHash('sha256').update(verifier).digest('base64url')
    const q = new URLSearchParams({ app_id: cfg.appId, redirect_uri: redirectUri, code_challenge: challenge, state })
    return `${cfg.oauthBaseUrl}/v4/oa/permission?${q}`
  }

  app.get(
    '/api/zalo/token',
    {
      onRequest: app.authenticate,
      schema: {
        tags,
        summary: 'Zalo OA token: state, expiries, the warning staff see 14 days before a re-consent is due; admins get the re-consent link',
        response: { 200: ZaloTokenStatus, 401: ApiError, 403: ApiError },
      },
    },
    async (req) => {
      const role = req.actor.role
      if (role !== 'admin' && role !== 'front_staff')
        throw new AppError('forbidden', 'only admins and front staff see the Zalo connection', 403)
      const url = role === 'admin' && cfg.mode !== 'off' ? consentUrl() : null
      return tokenStatus(cfg.mode, await repo.token('oa'), app.clock.now(), url)
    },
  )

  app.get(
    '/api/zalo/template-limits',
    {
      onRequest: app.authenticate,
      schema: {
        tags,
        summary: "The round-title limit of the Zalo template (read from Zalo's template-info API, cached), for the round wizard",
        response: { 200: ZaloTemplateLimits, 401: ApiError },
      },
    },
    async () => app.services.messaging.titleLimits(),
  )

  app.get(
    '/api/zalo/oauth/callback',
    {
      schema: {
        tags,
        security: [],
        summary: 'Zalo redirects the OA admin here after consent: the code is exchanged (PKCE) and the new pair stored',
        querystring: z.object({
          code: z.string().min(1).max(2000),
          state: z.string().regex(/^[0-9a-f]{32}$/),
          oa_id: z.string().max(64).optional(),
        }),
        response: { 302: z.null(), 400: ApiError },
      },
    },
    async (req, reply) => {
      const p = pending.get(req.query.state)
      pending.delete(req.query.state)
      // an admin's browser lands here: the outcome goes back to the admin page, which says it in Vietnamese
      if (!p || app.clock.now().getTime() - p.at > CONSENT_TTL_MS) return reply.redirect('/app/admin?zalo=expired', 302)
      const client = createZaloClient({
        znsBaseUrl: cfg.znsBaseUrl,
        oauthBaseUrl: cfg.oauthBaseUrl,
        appId: cfg.appId,
        appSecret: cfg.appSecret,
        timeouts: cfg.timeouts,
      })
      try {
        const r = await client.exchangeCode(req.query.code, p.verifier)
        if (!r.ok) {
          req.log.error({ code: r.code }, 'zalo re-consent: the code exchange failed')
          return reply.redirect('/app/admin?zalo=failed', 302)
        }
        const tokens = createTokenManager({ db: app.db, repo, client, clock: app.clock, audit: app.services.audit, bootstrap: {} })
        await tokens.setPair({ accessToken: r.accessToken, refreshToken: r.refreshToken, expiresInSec: r.expiresInSec })
        req.log.info('zalo re-consent: a new token pair is stored')
        return reply.redirect('/app/admin?zalo=ok', 302)
      } finally {
        await client.close()
      }
    },
  )
}
