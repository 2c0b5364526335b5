/**
 * The Zalo-facing routes (ZALO.md §7.1), on the real paths of the three hosts:
 * business.openapi.zalo.me (`/message/*`), openapi.zalo.me (`/v3.0/oa/*`), oauth.zaloapp.com (`/v4/oa/access_token`).
 * Every Zalo failure is HTTP 200 with `error != 0` (§1.3); faults (faults.ts) may replace any answer.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { checkAccessToken, checkZnsSend, header, parseJsonObject } from './checks.ts'
import type { FakeZaloCore } from './core.ts'
import { oauthError, zaloError } from './errors.ts'
import { type ActiveFault, HTML_ERROR_PAGE } from './faults.ts'

type Payload = Record<string, unknown>

const JSON_TYPE = 'application/json; charset=utf-8'

function rawBody(req: FastifyRequest): Buffer | undefined {
  return Buffer.isBuffer(req.body) ? req.body : undefined
}

/** Wait real ms; released early by reset/close. */
function sleep(core: FakeZaloCore, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(() => {
      core.heldTimers.delete(t)
      resolve()
    }, ms)
    core.heldTimers.add(t)
  })
}

/** Replace the answer according to the fault (§7.2 "Fault injection"). */
function applyFault(core: FakeZaloCore, f: ActiveFault, reply: FastifyReply, payload: Payload | null): FastifyReply | undefined {
  switch (f.kind) {
    case 'http_error':
      return reply
        .code(f.status ?? 500)
        .type('text/plain; charset=utf-8')
        .send('Internal Server Error')
    case 'html':
      return reply
        .code(f.status ?? 502)
        .type('text/html; charset=utf-8')
        .send(HTML_ERROR_PAGE)
    case 'malformed_json':
      return reply.code(200).type(JSON_TYPE).send('{"error":0,"message":"Success","data":{"msg_id":')
    case 'zalo_error':
      return reply
        .code(200)
        .type(JSON_TYPE)
        .send(zaloError(f.code ?? -100))
    case 'reset':
      reply.hijack()
      reply.raw.socket?.destroy()
      return undefined
    case 'hang':
      reply.hijack()
      core.held.add(reply.raw)
      return undefined
    case 'delay': {
      // only reached in phase "after": hold the (recorded) answer longer than the client's timeout
      reply.hijack()
      core.held.add(reply.raw)
      const body = JSON.stringify(payload)
      void sleep(core, f.delayMs).then(() => {
        if (!core.held.delete(reply.raw) || reply.raw.destroyed) return
        reply.raw.writeHead(200, { 'content-type': JSON_TYPE })
        reply.raw.end(body)
      })
      return undefined
    }
  }
}

/** Runs a handler under the fault plan for its route. */
async function withFaults(
  core: FakeZaloCore,
  route: string,
  reply: FastifyReply,
  handle: () => Payload,
): Promise<FastifyReply | undefined> {
  const f = core.faults.take(route)
  if (f?.phase === 'before') {
    if (f.kind === 'delay') await sleep(core, f.delayMs)
    else return applyFault(core, f, reply, null)
  }
  const payload = handle()
  if (f?.phase === 'after') return applyFault(core, f, reply, payload)
  return reply.code(200).type(JSON_TYPE).send(payload)
}

export function registerZaloRoutes(app: FastifyInstance, core: FakeZaloCore): void {
  // ── ZNS send (§1.1, §7.2) ──────────────────────────────────────────────────────────────────────────────
  app.post('/message/template', async (req, reply) => {
    const res = await withFaults(core, '/message/template', reply, () => {
      const r = checkZnsSend(req.headers, rawBody(req), {
        settings: core.settings,
        registry: core.registry,
        tokens: core.tokens,
        bucket: core.bucket,
        quota: core.quota,
        devQuota: core.devQuota,
        now: core.clock.now(),
      })
      if (!r.ok) return { ...zaloError(r.code, r.message) }
      const m = core.recordSend(r.send)
      const now = core.clock.now()
      const s = core.settings
      // §1.2: every value is a string, including the quota
      return {
        error: 0,
        message: 'Success',
        data: {
          msg_id: m.msgId,
          sent_time: String(m.sentTime),
          sending_mode: m.sendingMode,
          quota: m.dev
            ? { dailyQuota: String(s.devDailyQuota), remainingQuota: String(core.devQuota.remaining(now, s.devDailyQuota)) }
            : { dailyQuota: String(s.dailyQuota), remainingQuota: String(core.quota.remaining(now, s.dailyQuota)) },
        },
      }
    })
    return res
  })

  // §1.4 -106: the send endpoint only takes POST
  app.get('/message/template', async (_req, reply) => reply.type(JSON_TYPE).send(zaloError(-106)))

  // ── delivery status (§1.1, §7.3) ─────────────────────────────────────────────────────────────────────────
  // ── template detail (ZALO.md §1.1 [S]): the registered params with their limits ────────────────────────
  app.get('/template/info/v2', async (req, reply) =>
    withFaults(core, '/template/info/v2', reply, () => {
      const auth = checkAccessToken(req.headers, znsAuthCtx(core), { invalid: -124, expired: core.settings.expiredTokenCode, proof: -1241 })
      if (auth !== null) return { ...zaloError(auth) }
      const id = (req.query as Record<string, unknown>).template_id
      const tpl = typeof id === 'string' ? core.registry.templates.get(id) : undefined
      if (!tpl || typeof id !== 'string') return { ...zaloError(-109) }
      return {
        error: 0,
        message: 'Success',
        data: {
          templateId: Number(id),
          templateName: `Mẫu ${id}`,
          status: tpl.status,
          templateTag: 'CUSTOMER_CARE',
          listParams: tpl.params.map((p) => ({
            name: p.name,
            require: p.require,
            type: p.type,
            maxLength: p.maxLength,
            minLength: 0,
            acceptNull: !p.require,
          })),
          listButtons: [],
          timeout: 7_200_000,
          previewUrl: '',
          templateQuality: 'UNDEFINED',
          price_sdt: '200',
          price_uid: '200',
        },
      }
    }),
  )

  app.get('/message/status', async (req, reply) =>
    withFaults(core, '/message/status', reply, () => {
      const auth = checkAccessToken(req.headers, znsAuthCtx(core), {
        invalid: -124,
        expired: core.settings.expiredTokenCode,
        proof: -1241,
      })
      if (auth !== null) return { ...zaloError(auth) }
      const id = (req.query as Record<string, unknown>).message_id
      if (typeof id !== 'string' || !/^[0-9a-f]{6,64}$/i.test(id)) return { ...zaloError(-107) }
      const m = core.sendsById.get(id)
      // status: 1 delivered, 0 pushed but not yet delivered, -1 does not exist (§1.1 [S])
      if (!m) return { error: 0, message: 'Success', data: { message: 'The message does not exist', status: -1 } }
      if (m.status === 1) {
        return {
          error: 0,
          message: 'Success',
          data: { delivery_time: String(m.deliveryTime), message: "The message was delivered to the user's phone", status: 1 },
        }
      }
      return {
        error: 0,
        message: 'Success',
        data: { message: "The message was sent to Zalo server but not delivered to the user's phone yet", status: 0 },
      }
    }),
  )

  // ── daily quota (§1.1, §7.3): numbers here, strings on the send response — reproduce the inconsistency ───
  app.get('/message/quota', async (req, reply) =>
    withFaults(core, '/message/quota', reply, () => {
      const auth = checkAccessToken(req.headers, znsAuthCtx(core), {
        invalid: -124,
        expired: core.settings.expiredTokenCode,
        proof: -1241,
      })
      if (auth !== null) return { ...zaloError(auth) }
      const s = core.settings
      return {
        data: { dailyQuota: s.dailyQuota, remainingQuota: core.quota.remaining(core.clock.now(), s.dailyQuota) },
        error: 0,
        message: 'success',
      }
    }),
  )

  // ── OA consultation message (§2.1, §7.3) ────────────────────────────────────────────────────────────────
  app.post('/v3.0/oa/message/cs', async (req, reply) =>
    withFaults(core, '/v3.0/oa/message/cs', reply, () => {
      // OA host codes: -216 invalid, -220 expired, -242 appsecret_proof
      const auth = checkAccessToken(req.headers, znsAuthCtx(core), { invalid: -216, expired: -220, proof: -242 })
      if (auth !== null) return { ...zaloError(auth) }
      const parsed = parseJsonObject(header(req.headers, 'content-type'), rawBody(req))
      if (!parsed.ok) return { ...zaloError(-201) }
      const recipient = parsed.body.recipient as Record<string, unknown> | undefined
      const message = parsed.body.message as Record<string, unknown> | undefined
      const userId = recipient?.user_id
      const text = message?.text
      if (typeof userId !== 'string' || typeof text !== 'string' || text.length === 0) return { ...zaloError(-201) }
      if ([...text.normalize('NFC')].length > 2000) return { ...zaloError(-201, 'Text length exceeds 2000 characters') }
      // §2.1: only to users who interacted with the OA in the last 7 days
      const u = core.registry.users.get(userId)
      if (!u || core.clock.now() - u.lastInteractionAt > core.settings.csWindowMs) return { ...zaloError(-230) }
      const m = core.recordCs(userId, text)
      return { error: 0, message: 'Success', data: { message_id: m.messageId, user_id: userId } }
    }),
  )

  // ── OA permission page (§4): the browser page where an OA admin grants the app access. The fake consents at once
  // and redirects to redirect_uri with a single-use code (PKCE S256 when a code_challenge is given) and the state.
  app.get('/v4/oa/permission', async (req, reply) => {
    const q = req.query as Record<string, string | undefined>
    if (q.app_id !== core.settings.appId || !q.redirect_uri || !/^https?:\/\//.test(q.redirect_uri))
      return reply.code(400).type('text/plain; charset=utf-8').send('invalid app_id or redirect_uri')
    const code = core.tokens.issueCode(core.clock.now(), q.code_challenge || undefined)
    const to = new URL(q.redirect_uri)
    to.searchParams.set('code', code)
    to.searchParams.set('oa_id', core.settings.oaId)
    if (q.state) to.searchParams.set('state', q.state)
    return reply.redirect(to.toString(), 302)
  })

  // ── OAuth v4 token endpoint (§4, §7.3) ──────────────────────────────────────────────────────────────────
  app.post('/v4/oa/access_token', async (req, reply) =>
    withFaults(core, '/v4/oa/access_token', reply, () => {
      const s = core.settings
      const now = core.clock.now()
      const ct = header(req.headers, 'content-type') ?? ''
      if (!/^application\/x-www-form-urlencoded\b/i.test(ct.trim())) {
        return { ...oauthError('invalidParams', 'Content-Type must be application/x-www-form-urlencoded') }
      }
      if (header(req.headers, 'secret_key') !== s.appSecret) return { ...oauthError('invalidSecret', 'secret_key header is invalid') }
      const form = new URLSearchParams(rawBody(req)?.toString('utf8') ?? '')
      if (form.get('app_id') !== s.appId) return { ...oauthError('invalidAppId', 'app_id is invalid or the app is not active') }
      const grant = form.get('grant_type')
      let result: ReturnType<typeof core.tokens.refresh>
      if (grant === 'refresh_token') {
        result = core.tokens.refresh(form.get('refresh_token') ?? '', now, s.revokeAccessOnRefresh)
        if (!result.ok) return { ...oauthError('invalidRefreshToken', result.reason, s.refreshErrorCode) }
      } else if (grant === 'authorization_code') {
        result = core.tokens.exchangeCode(form.get('code') ?? '', form.get('code_verifier') ?? undefined, now, s.revokeAccessOnRefresh)
        if (!result.ok) return { ...oauthError('invalidCode', result.reason) }
      } else {
        return { ...oauthError('invalidParams', 'grant_type must be refresh_token or authorization_code') }
      }
      // expires_in is a string (§0.8)
      return {
        access_token: result.pair.accessToken,
        refresh_token: result.pair.refreshToken,
        expires_in: String(s.accessTokenTtlSec),
      }
    }),
  )
}

function znsAuthCtx(core: FakeZaloCore) {
  return { settings: core.settings, tokens: core.tokens, now: core.clock.now() }
}
