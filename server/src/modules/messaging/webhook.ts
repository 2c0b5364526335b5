/**
 * Zalo webhook verification (ZALO.md §3.1, §8.4) — security-critical, so all of it is in this one file.
 *
 * `X-ZEvent-Signature: mac=<hex>` with hex = sha256(app_id + rawBody + timestamp + OAsecretKey): a plain SHA-256 of a
 * concatenation (not HMAC), over the **raw bytes** as received (never a re-serialisation), where app_id and timestamp
 * are read from the body. Digests are compared with `timingSafeEqual` (both 32 bytes, so no length leak).
 */
import { createHash, timingSafeEqual } from 'node:crypto'

export type VerifyFailure =
  | 'bad_signature_header'
  | 'invalid_json'
  | 'wrong_app_id'
  | 'bad_timestamp'
  | 'bad_signature'
  | 'stale'
  | 'future'

export type VerifyResult = { ok: true; event: Record<string, unknown>; timestampMs: number } | { ok: false; reason: VerifyFailure }

const SIG = /^\s*(?:mac\s*=\s*)?([0-9a-f]{64})\s*$/i
const TS = /^\d{10,13}$/

/**
 * JSON.parse that keeps integers beyond 2^53 exact by turning them into strings (Node 20 has no JSON.parse source
 * access). Zalo sends ids as digit strings (§0.7), but a proxy or a future change that sends bare numbers must not
 * silently round `2074138120372622546` to `2074138120372622600`.
 */
export function parseJsonKeepBigInts(text: string): unknown {
  let out = ''
  let i = 0
  const n = text.length
  while (i < n) {
    const c = text[i]!
    if (c === '"') {
      let j = i + 1
      while (j < n && text[j] !== '"') j += text[j] === '\\' ? 2 : 1
      out += text.slice(i, j + 1)
      i = j + 1
    } else if (c === '-' || (c >= '0' && c <= '9')) {
      let j = i + 1
      while (j < n && /[0-9.eE+-]/.test(text[j]!)) j++
      const lit = text.slice(i, j)
      const digits = lit.replace(/^-/, '')
      out += /^\d+$/.test(digits) && digits.length > 15 && !Number.isSafeInteger(Number(lit)) ? `"${lit}"` : lit
      i = j
    } else {
      out += c
      i++
    }
  }
  return JSON.parse(out)
}

function asIdString(v: unknown): string | null {
  if (typeof v === 'string') return v
  if (typeof v === 'number' && Number.isSafeInteger(v)) return String(v)
  return null
}

export function verifyZaloWebhook(
  raw: Buffer,
  signatureHeader: string | undefined,
  opts: { appId: string; oaSecretKey: string; nowMs: number; maxAgeMs: number; maxFutureMs?: number },
): VerifyResult {
  const m = signatureHeader ? SIG.exec(signatureHeader) : null
  if (!m) return { ok: false, reason: 'bad_signature_header' }
  let event: unknown
  try {
    event = parseJsonKeepBigInts(raw.toString('utf8'))
  } catch {
    return { ok: false, reason: 'invalid_json' }
  }
  if (!event || typeof event !== 'object' || Array.isArray(event)) return { ok: false, reason: 'invalid_json' }
  const ev = event as Record<string, unknown>
  const appId = asIdString(ev.app_id)
  if (appId !== opts.appId) return { ok: false, reason: 'wrong_app_id' }
  const ts = asIdString(ev.timestamp)
  if (!ts || !TS.test(ts)) return { ok: false, reason: 'bad_timestamp' }

  const expected = createHash('sha256')
    .update(Buffer.concat([Buffer.from(appId, 'utf8'), raw, Buffer.from(ts, 'utf8'), Buffer.from(opts.oaSecretKey, 'utf8')]))
    .digest()
  const given = Buffer.from(m[1]!, 'hex')
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'bad_signature' }

  // 13 digits = ms, 10 = s. The dedupe store is the real replay guard; the window is wide (24 h default) because
  // Zalo may re-deliver the same signed body hours later (docs/zalo-notes.md, webhook retries).
  const tsMs = ts.length === 13 ? Number(ts) : Number(ts) * 1000
  if (tsMs > opts.nowMs + (opts.maxFutureMs ?? 5 * 60_000)) return { ok: false, reason: 'future' }
  if (tsMs < opts.nowMs - opts.maxAgeMs) return { ok: false, reason: 'stale' }
  return { ok: true, event: ev, timestampMs: tsMs }
}

const sub = (o: unknown, k: string): unknown => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined)

/** The dedupe key of an event (§8.4 step 5); falls back to the hash of the raw bytes. */
export function eventKey(ev: Record<string, unknown>, raw: Buffer): string {
  const name = typeof ev.event_name === 'string' ? ev.event_name : 'unknown'
  const msg = ev.message
  const msgId = asIdString(sub(msg, 'msg_id'))
  if (name === 'user_seen_message') {
    const ids = sub(msg, 'msg_ids')
    if (Array.isArray(ids) && ids.length > 0) return `zalo:${name}:${ids.map(String).sort().join(',')}`
  } else if ((name === 'user_received_message' || name.startsWith('user_send_') || name.startsWith('anonymous_send_')) && msgId) {
    return `zalo:${name}:${msgId}`
  } else if (name === 'follow' || name === 'unfollow') {
    const follower = asIdString(sub(ev.follower, 'id'))
    const ts = asIdString(ev.timestamp)
    if (follower && ts) return `zalo:${name}:${follower}:${ts}`
  }
  return `zalo:sha256:${createHash('sha256').update(raw).digest('hex')}`
}
