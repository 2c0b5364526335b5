/**
 * The checks on `POST /message/template`, in the exact order of ZALO.md §7.2. Each returns the first failing
 * Zalo code; the route turns it into HTTP 200 `{"error":code,"message":…,"data":null}` (§1.3).
 */
import type { IncomingHttpHeaders } from 'node:http'
import { inNightWindow } from './clock.ts'
import type { DailyCounter, TokenBucket } from './limits.ts'
import { normalizePhone, type Registry, type Template } from './registry.ts'
import type { Settings } from './settings.ts'
import { type AccessCheck, appsecretProof, type TokenStore } from './tokens.ts'

export interface AcceptedSend {
  phone: string
  templateId: string
  templateData: Record<string, string>
  trackingId: string | null
  dev: boolean
  sendingMode: string
  receipt: boolean
}

export type CheckResult = { ok: true; send: AcceptedSend } | { ok: false; code: number; message?: string }

export interface CheckContext {
  settings: Settings
  registry: Registry
  tokens: TokenStore
  bucket: TokenBucket
  quota: DailyCounter
  devQuota: DailyCounter
  now: number
}

const fail = (code: number, message?: string): CheckResult => ({ ok: false, code, message })

export function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name]
  return Array.isArray(v) ? v[0] : v
}

/**
 * §7.2 step 1 (and §7.3 for the OA host): the bare `access_token` header must hold a currently valid token.
 * `Authorization: Bearer …` is ignored, i.e. counts as missing. Returns null when authorized.
 */
export function checkAccessToken(
  headers: IncomingHttpHeaders,
  ctx: Pick<CheckContext, 'settings' | 'tokens' | 'now'>,
  codes: { invalid: number; expired: number; proof: number },
): number | null {
  const token = header(headers, 'access_token')
  const state: AccessCheck = ctx.tokens.checkAccess(token, ctx.now)
  if (state === 'invalid') return codes.invalid
  if (state === 'expired') return codes.expired
  if (ctx.settings.requireAppsecretProof) {
    const proof = header(headers, 'appsecret_proof')
    if (proof !== appsecretProof(token!, ctx.settings.appSecret)) return codes.proof
  }
  return null
}

/** §7.2 step 2: non-empty (-121) JSON object (-122) sent as `application/json`. */
export function parseJsonObject(
  contentType: string | undefined,
  raw: Buffer | undefined,
): { ok: true; body: Record<string, unknown> } | { ok: false; empty: boolean } {
  if (!raw || raw.length === 0 || raw.toString('utf8').trim() === '') return { ok: false, empty: true }
  if (!contentType || !/^application\/json\b/i.test(contentType.trim())) return { ok: false, empty: false }
  try {
    const v: unknown = JSON.parse(raw.toString('utf8'))
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return { ok: false, empty: false }
    return { ok: true, body: v as Record<string, unknown> }
  } catch {
    return { ok: false, empty: false }
  }
}

/** §7.2 step 5: template_data against the template's listParams. */
function checkTemplateData(data: unknown, tpl: Template): { ok: true; data: Record<string, string> } | { ok: false; code: number } {
  if (data === undefined || data === null) return { ok: false, code: -111 }
  if (typeof data !== 'object' || Array.isArray(data)) return { ok: false, code: -112 }
  const obj = data as Record<string, unknown>
  if (Object.keys(obj).length === 0) return { ok: false, code: -111 }
  for (const p of tpl.params) {
    if (p.require && (obj[p.name] === undefined || obj[p.name] === null || obj[p.name] === '')) return { ok: false, code: -1122 }
  }
  for (const p of tpl.params) {
    const v = obj[p.name]
    if (v === undefined || v === null) continue
    // values are strings (§7.2 step 5); a number or object is a format error
    if (typeof v !== 'string') return { ok: false, code: -1124 }
    // length is counted on NFC text (§1.6: NFD inflates Vietnamese by ~28 %)
    if ([...v.normalize('NFC')].length > p.maxLength) return { ok: false, code: -1121 }
    if (p.type.toUpperCase() === 'URL' && !isHttpUrl(v)) return { ok: false, code: -1124 }
  }
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(obj)) out[k] = typeof v === 'string' ? v : JSON.stringify(v)
  return { ok: true, data: out }
}

function isHttpUrl(v: string): boolean {
  if (v.length > 200 || !/^https?:\/\//i.test(v)) return false
  try {
    new URL(v)
    return true
  } catch {
    return false
  }
}

/** Zalo: "≤ 48 ký tự, không chứa ký tự đặc biệt" (§1.1): letters and digits only; `trackingIdLoose` lets `_`/`-` pass. */
const TRACKING_ID = /^[A-Za-z0-9]{1,48}$/
const TRACKING_ID_LOOSE = /^[A-Za-z0-9_-]{1,48}$/

/** Runs §7.2 steps 1–11. Step 10 consumes a rate-limit token; the caller records the send and takes quota (step 12). */
export function checkZnsSend(headers: IncomingHttpHeaders, raw: Buffer | undefined, ctx: CheckContext): CheckResult {
  const s = ctx.settings
  // 1. access_token header (bare, not Authorization) → -124; expired → -124 or -220 [U]; appsecret_proof → -1241
  const auth = checkAccessToken(headers, ctx, { invalid: -124, expired: s.expiredTokenCode, proof: -1241 })
  if (auth !== null) return fail(auth)

  // 2. body non-empty (-121), valid JSON object with Content-Type application/json (-122)
  const parsed = parseJsonObject(header(headers, 'content-type'), raw)
  if (!parsed.ok) return fail(parsed.empty ? -121 : -122)
  const body = parsed.body

  // 3. phone
  const phone = normalizePhone(body.phone, s.lenientPhone)
  if (phone === null) return fail(-108)

  // 4. template known (-109) and approved (-131)
  const tpl = typeof body.template_id === 'string' ? ctx.registry.templates.get(body.template_id) : undefined
  if (!tpl) return fail(-109)
  if (tpl.status !== 'ENABLE') return fail(-131)

  // 5. template_data: empty -111, not an object -112, required -1122, NFC max length -1121, URL/format -1124
  const td = checkTemplateData(body.template_data, tpl)
  if (!td.ok) return fail(td.code)

  // 6. tracking_id: documented as required, ≤ 48 chars, no special characters (§1.1) → -132 [U]
  const tid = body.tracking_id
  if (tid === undefined || tid === null) {
    if (s.requireTrackingId) return fail(s.trackingIdErrorCode)
  } else if (typeof tid !== 'string' || !(s.trackingIdLoose ? TRACKING_ID_LOOSE : TRACKING_ID).test(tid)) {
    return fail(s.trackingIdErrorCode)
  }

  // 7. development mode: only to admins (-127), own daily quota (-126) (§1.5)
  const dev = body.mode === 'development'
  if (dev) {
    if (!ctx.registry.admins.has(phone)) return fail(-127)
    if (ctx.devQuota.remaining(ctx.now, s.devDailyQuota) <= 0) return fail(-126)
  }

  // 8. recipient registry
  const r = ctx.registry.recipient(phone, s.defaultRecipientState)
  const recipientCode = { active: 0, not_on_zalo: -118, cannot_receive: -119, inactive: -114, refused_oa: -141, refused_template: -139 }[
    r.state
  ]
  if (recipientCode !== 0) return fail(recipientCode)

  // 9. night window, per template, Asia/Ho_Chi_Minh on the fake clock
  if (tpl.nightBan && s.nightWindow && inNightWindow(ctx.now, s.nightWindow)) return fail(-133)

  // 10. rate limit (token bucket) → -32
  if (!ctx.bucket.tryTake()) return fail(-32)

  // 11. daily quota (dev sends use the dev quota of step 7) → -144; balance flag → -115
  if (!dev && ctx.quota.remaining(ctx.now, s.dailyQuota) <= 0) return fail(-144)
  if (s.balanceExhausted) return fail(-115)

  return {
    ok: true,
    send: {
      phone,
      templateId: body.template_id as string,
      templateData: td.data,
      trackingId: typeof tid === 'string' ? tid : null,
      dev,
      sendingMode: body.sending_mode === '3' ? '3' : '1',
      receipt: r.receipt !== false,
    },
  }
}
