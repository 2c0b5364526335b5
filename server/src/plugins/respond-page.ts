import { readFileSync, statSync } from 'node:fs'
import { join, normalize } from 'node:path'
import { normalizeIP } from '@fastify/rate-limit'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { z } from 'zod'
import { AppError, tooManyRequests } from '../lib/app-error.js'
import { addCspSources, type InlinedPage, inlinePage } from '../lib/inline-page.js'
import { envelope } from './errors.js'

/** Id of the JSON island web/src/respond reads before it would call GET /api/ballots/:token. */
export const INITIAL_STATE_ID = 'initial-state'

/**
 * What GET /api/ballots/:token would have answered, embedded in the page: the HTTP status and the
 * JSON body (the questionnaire, or the error envelope for unknown, used, closed, rate-limited links).
 */
export interface InitialState {
  status: number
  body: unknown
}

/**
 * Must match the resident API's limit (modules/ballots/routes.ts: `groupId: 'resident'`, one minute):
 * @fastify/rate-limit keys a grouped route by `normalizeIP(ip) + groupId`, so this key draws on the
 * same per-IP budget as the API calls in the shared store (tests/server/respond-page.test.ts checks it).
 */
const RESIDENT_GROUP = 'resident'

/** The resident API's 429 message (app.ts errorResponseBuilder). */
const RATE_LIMITED = 'Quá nhiều yêu cầu, vui lòng thử lại sau ít phút.'

/** An expected rejection, logged as the error funnel logs a resident 4xx: the code, never the token. */
function fromError(req: FastifyRequest, e: AppError): InitialState {
  req.log.warn({ code: e.code }, e.message)
  return { status: e.statusCode, body: envelope(e.code, e.message, e.details) }
}

/**
 * The resident page (`/r/:token`, `/verify`) as ONE response: respond.html from the build with its
 * JS and CSS inlined (allowed by sha256 in both the page's meta CSP and the CSP header, computed
 * once per build) and, on /r/:token, the link's state embedded, so a weak-3G phone waits for one
 * round trip instead of three (HTML → assets → API). The token page is `no-store`: it carries one
 * household's state. Without a build, or if the build cannot be inlined, `fallback` serves the page.
 */
export const respondPagePlugin = fp(
  async (app: FastifyInstance, opts: { dist: string; fallback: (reply: FastifyReply, file: string) => unknown }) => {
    const file = join(opts.dist, 'respond.html')
    const limit = app.createRateLimit({
      max: app.config.links.rateLimitPerMin,
      timeWindow: 60_000,
      keyGenerator: (req) => `${normalizeIP(req.ip)}${RESIDENT_GROUP}`,
    })
    let built: { mtimeMs: number; page: InlinedPage | null } | null = null

    /** The inlined page, rebuilt when respond.html changes (a rebuild while the server runs); null without a build. */
    function page(): InlinedPage | null {
      let mtimeMs: number
      try {
        mtimeMs = statSync(file).mtimeMs
      } catch {
        return null
      }
      if (built?.mtimeMs !== mtimeMs) {
        const readAsset = (urlPath: string) => {
          const path = normalize(join(opts.dist, urlPath))
          if (!path.startsWith(join(opts.dist, 'assets'))) return null
          try {
            return readFileSync(path, 'utf8')
          } catch {
            return null
          }
        }
        const p = inlinePage(readFileSync(file, 'utf8'), readAsset, INITIAL_STATE_ID)
        built = { mtimeMs, page: p.scriptHashes.length ? p : null }
        if (!built.page) app.log.warn('respond.html: the resident script could not be inlined; serving it as built')
      }
      return built.page
    }

    /** The state the API would answer, under the API's rate limit. Throws only for unexpected errors. */
    async function initialState(req: FastifyRequest, token: string): Promise<InitialState> {
      const rl = await limit(req)
      if (!rl.isAllowed && rl.isExceeded) return fromError(req, tooManyRequests(Math.max(1, rl.ttlInSeconds), RATE_LIMITED))
      try {
        return { status: 200, body: await app.services.ballots.form(token) }
      } catch (e) {
        if (e instanceof AppError && e.statusCode < 500) return fromError(req, e)
        throw e
      }
    }

    function send(req: FastifyRequest, reply: FastifyReply, p: InlinedPage, state: InitialState | null, cache: string) {
      // helmet set the CSP header in onRequest; allow the inlined module by its hash
      const csp = reply.raw.getHeader('content-security-policy')
      if (typeof csp === 'string') reply.header('content-security-policy', addCspSources(csp, 'script-src', p.scriptHashes))
      reply.header('cache-control', cache).header('vary', 'accept-encoding').type('text/html; charset=utf-8')
      if (/\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) return reply.header('content-encoding', 'gzip').send(p.gzip(state))
      return reply.send(p.html(state))
    }

    const hide = { schema: { hide: true } }
    // the same bounds as the resident API's token (modules/ballots/routes.ts)
    const tokenPage = { schema: { hide: true, params: z.object({ token: z.string().min(1).max(200) }) } }
    app.get<{ Params: { token: string } }>('/r/:token', tokenPage, async (req, reply) => {
      const p = page()
      if (!p) return opts.fallback(reply, 'respond.html')
      let state: InitialState | null = null
      if (isDocumentNavigation(req)) {
        try {
          state = await initialState(req, req.params.token)
        } catch (e) {
          // the page still works without the state: it asks the API, which answers in the envelope
          req.log.error({ err: e }, 'resident page: link state lookup failed')
        }
      }
      return send(req, reply, p, state, 'no-store')
    })
    // "/r/" without a token (a link cut short by a chat app): the resident page's "link not found" in
    // Vietnamese, never the API's JSON 404
    const noToken = async (_req: FastifyRequest, reply: FastifyReply) => {
      const p = page()
      reply.code(404)
      if (!p) return opts.fallback(reply, 'respond.html')
      return send(_req, reply, p, null, 'no-store')
    }
    app.get('/r', hide, noToken)
    app.get('/r/', hide, noToken)
    // the resident's receipt check (linked from the thank-you screen): same page, no link state
    app.get('/verify', hide, async (req, reply) => {
      const p = page()
      if (!p) return opts.fallback(reply, 'respond.html')
      return send(req, reply, p, null, 'no-cache')
    })
  },
  { name: 'respond-page', dependencies: ['services'] },
)

/**
 * Only a browser opening the page looks the link up. Looking it up records the link's first opening
 * (paradata and the integrity checks' open bursts); link-preview fetchers (Zalo, Facebook), HEAD
 * checks and prefetches send no `Sec-Fetch-Dest: document` or announce themselves, and get the page
 * without state, as before. Browsers without Fetch Metadata still work: the page asks the API.
 */
function isDocumentNavigation(req: FastifyRequest): boolean {
  if (req.method !== 'GET' || req.headers['sec-fetch-dest'] !== 'document') return false
  const purpose = `${req.headers['sec-purpose'] ?? ''} ${req.headers.purpose ?? ''}`
  return !/prefetch|prerender/i.test(purpose)
}
