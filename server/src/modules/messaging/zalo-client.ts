/**
 * Zalo ZNS / OAuth client over undici (ZALO.md §8.1–§8.2). Every call returns a discriminated union; expected Zalo
 * failures never throw. Errors come back as HTTP 200 with `error != 0` (§0.3), so the body decides, not the status.
 * The token is sent in the bare `access_token` header, never `Authorization`. Nothing here logs: callers log the
 * `class`/`code` only, and phones only masked.
 */
import type { Dispatcher } from 'undici'
import { createAgent, type HttpOutcome, type HttpTimeouts, httpCall } from './http.js'
import type { TemplateParam } from './template-data.js'
import { classifyOAuthError, classifyZaloCode, type OAuthFailureKind, type ZaloErrorClass } from './zalo-errors.js'

export interface ZaloClientOptions {
  znsBaseUrl: string
  oauthBaseUrl: string
  appId: string
  appSecret: string
  timeouts: HttpTimeouts
  /** Injectable for tests; default one keep-alive Agent. */
  dispatcher?: Dispatcher
}

export interface ZnsSendBody {
  phone: string
  template_id: string
  template_data: Record<string, string>
  tracking_id: string
}

export type ZnsSendResult =
  | { ok: true; msgId: string; sentTime: string; quota: { dailyQuota: number; remainingQuota: number } | null }
  | { ok: false; class: ZaloErrorClass; code: string; message: string }

export type TokenResult =
  | { ok: true; accessToken: string; refreshToken: string; expiresInSec: number }
  | { ok: false; kind: OAuthFailureKind; code: string; message: string }

export type StatusResult =
  | { ok: true; status: number; deliveryTime: string | null }
  | { ok: false; class: ZaloErrorClass; code: string; message: string }

type Json = Record<string, unknown>
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)
const str = (v: unknown): string | null => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : null)

/**
 * HTTP-level classification (ZALO.md §8.2): 429/500/503 → transient (not processed); 502/504, timeouts and resets
 * after writing, and unparseable 2xx bodies → unknown outcome; connect failures → transient.
 */
function transportFailure(o: Exclude<HttpOutcome, { kind: 'response' }> | (HttpOutcome & { kind: 'response' })) {
  if (o.kind === 'aborted') return { class: 'unknown_outcome' as const, code: 'aborted', message: 'aborted by shutdown' }
  if (o.kind === 'not_sent') return { class: 'transient' as const, code: `net:${o.error}`, message: 'request not sent' }
  if (o.kind === 'maybe_sent') return { class: 'unknown_outcome' as const, code: `net:${o.error}`, message: 'no answer after sending' }
  const s = o.status
  if (s === 429 || s === 500 || s === 503) return { class: 'transient' as const, code: `http:${s}`, message: `HTTP ${s}` }
  if (s >= 400 && s < 500 && s !== 408) return { class: 'config' as const, code: `http:${s}`, message: `HTTP ${s}` }
  return { class: 'unknown_outcome' as const, code: `http:${s}`, message: s >= 300 ? `HTTP ${s}` : 'unreadable answer' }
}

export function createZaloClient(opts: ZaloClientOptions) {
  const dispatcher = opts.dispatcher ?? createAgent(opts.timeouts)
  const zns = opts.znsBaseUrl.replace(/\/$/, '')
  const oauth = opts.oauthBaseUrl.replace(/\/$/, '')

  /** The token endpoint, shared by refresh and re-consent; they differ only in what a refusal means. */
  async function tokenCall(
    form: Record<string, string>,
    signal: AbortSignal | undefined,
    refusal: (code: string, name: string) => OAuthFailureKind,
  ): Promise<TokenResult> {
    const o = await httpCall(dispatcher, `${oauth}/v4/oa/access_token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', secret_key: opts.appSecret },
      body: new URLSearchParams(form).toString(),
      requestMs: opts.timeouts.requestMs,
      signal,
    })
    // No answer, a gateway page, a 5xx: Zalo did not decide anything about our token. Retry later.
    if (o.kind !== 'response' || !isObj(o.json) || o.status >= 500) {
      const f = transportFailure(o)
      return { ok: false, kind: 'transient', code: f.code, message: f.message }
    }
    const j = o.json
    const at = str(j.access_token)
    const rt = str(j.refresh_token)
    if (at && rt) return { ok: true, accessToken: at, refreshToken: rt, expiresInSec: Number(j.expires_in) || 90_000 }
    const code = str(j.error) ?? 'unknown'
    const name = String(j.error_name ?? j.message ?? '').slice(0, 200)
    return { ok: false, kind: refusal(code, name), code: `oauth:${code}`, message: name }
  }

  function zaloError(body: Json): { ok: false; class: ZaloErrorClass; code: string; message: string } {
    const code = typeof body.error === 'number' ? body.error : Number(body.error)
    const c = Number.isFinite(code) ? code : -100
    return { ok: false, class: classifyZaloCode(c), code: `zalo:${c}`, message: String(body.message ?? '').slice(0, 200) }
  }

  return {
    /** POST /message/template (ZALO.md §1.1). */
    async sendTemplate(accessToken: string, body: ZnsSendBody, signal?: AbortSignal): Promise<ZnsSendResult> {
      const o = await httpCall(dispatcher, `${zns}/message/template`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', access_token: accessToken },
        body: JSON.stringify(body),
        requestMs: opts.timeouts.requestMs,
        signal,
      })
      if (o.kind !== 'response' || !isObj(o.json)) return { ok: false, ...transportFailure(o) }
      const json = o.json
      if (json.error !== 0 && json.error !== '0') {
        // a JSON Zalo error is an application answer whatever the HTTP status (§0.3)
        if (json.error === undefined) return { ok: false, ...transportFailure(o) }
        return zaloError(json)
      }
      const data = isObj(json.data) ? json.data : {}
      const msgId = str(data.msg_id)
      if (!msgId) return { ok: false, class: 'unknown_outcome', code: 'zalo:no_msg_id', message: 'success without msg_id' }
      const q = isObj(data.quota) ? data.quota : null
      const quota = q ? { dailyQuota: Number(q.dailyQuota), remainingQuota: Number(q.remainingQuota) } : null
      return {
        ok: true,
        msgId,
        sentTime: str(data.sent_time) ?? '',
        quota: quota && Number.isFinite(quota.remainingQuota) ? quota : null,
      }
    },

    /** GET /message/status?message_id= (ZALO.md §1.1): 1 delivered, 0 not yet, -1 unknown id. */
    async messageStatus(accessToken: string, msgId: string, signal?: AbortSignal): Promise<StatusResult> {
      const o = await httpCall(dispatcher, `${zns}/message/status?message_id=${encodeURIComponent(msgId)}`, {
        method: 'GET',
        headers: { access_token: accessToken },
        requestMs: opts.timeouts.requestMs,
        signal,
      })
      if (o.kind !== 'response' || !isObj(o.json)) {
        const f = transportFailure(o)
        // a read is always safe to repeat
        return { ok: false, ...f, class: f.class === 'unknown_outcome' ? 'transient' : f.class }
      }
      if (o.json.error !== 0) return zaloError(o.json)
      const data = isObj(o.json.data) ? o.json.data : {}
      return { ok: true, status: Number(data.status), deliveryTime: str(data.delivery_time) }
    },

    /** GET /template/info/v2?template_id= (ZALO.md §1.1): the template's params and their limits. */
    async templateInfo(
      accessToken: string,
      templateId: string,
      signal?: AbortSignal,
    ): Promise<{ ok: true; params: TemplateParam[] } | { ok: false; code: string }> {
      const o = await httpCall(dispatcher, `${zns}/template/info/v2?template_id=${encodeURIComponent(templateId)}`, {
        method: 'GET',
        headers: { access_token: accessToken },
        requestMs: opts.timeouts.requestMs,
        signal,
      })
      if (o.kind !== 'response' || !isObj(o.json)) return { ok: false, code: transportFailure(o).code }
      if (o.json.error !== 0) return { ok: false, code: `zalo:${String(o.json.error)}` }
      const data = isObj(o.json.data) ? o.json.data : {}
      const list = Array.isArray(data.listParams) ? data.listParams : []
      const params: TemplateParam[] = []
      for (const p of list) {
        if (!isObj(p) || typeof p.name !== 'string') continue
        const max = Number(p.maxLength)
        params.push({
          name: p.name,
          require: p.require === true,
          type: p.type === 'URL' ? 'URL' : 'STRING',
          maxLength: Number.isFinite(max) && max > 0 ? max : 100,
        })
      }
      return params.length > 0 ? { ok: true, params } : { ok: false, code: 'zalo:no_params' }
    },

    /** POST /v4/oa/access_token, grant_type=refresh_token (ZALO.md §4). */
    refresh(refreshToken: string, signal?: AbortSignal): Promise<TokenResult> {
      const form = { refresh_token: refreshToken, app_id: opts.appId, grant_type: 'refresh_token' }
      // only a refresh token Zalo says is invalid or expired needs a human; anything else is retried (zalo-errors.ts)
      return tokenCall(form, signal, (code, name) => classifyOAuthError(Number(code), name))
    },

    /** POST /v4/oa/access_token, grant_type=authorization_code with the PKCE verifier (an OA admin's re-consent). */
    exchangeCode(code: string, codeVerifier: string, signal?: AbortSignal): Promise<TokenResult> {
      const form = { code, app_id: opts.appId, grant_type: 'authorization_code', code_verifier: codeVerifier }
      return tokenCall(form, signal, () => 'config')
    },

    async close(): Promise<void> {
      if (!opts.dispatcher) await dispatcher.close()
    },
  }
}
export type ZaloClient = ReturnType<typeof createZaloClient>
