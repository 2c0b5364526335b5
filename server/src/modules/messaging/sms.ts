/**
 * SMS brandname fallback (ZALO.md §6) behind a small provider interface; one HTTP implementation speaks the eSMS
 * `SendMultipleMessage_V4_post_json` shape. eSMS dedupes on our `RequestId` (code 124), unlike Zalo, so a resend
 * after an unknown outcome is safe here: 124 means "already accepted".
 */
import type { Dispatcher } from 'undici'
import { createAgent, type HttpTimeouts, httpCall } from './http.js'
import { toNationalPhone } from './phone.js'

export interface SmsMessage {
  /** Normalised `84…` phone. */
  phone: string
  text: string
  /** Our idempotency key (the outbox tracking id). */
  requestId: string
}

export type SmsResult = { ok: true; id: string } | { ok: false; class: 'transient' | 'recipient' | 'config'; code: string; message: string }

export interface SmsProvider {
  send(m: SmsMessage, signal?: AbortSignal): Promise<SmsResult>
  close(): Promise<void>
}

/** eSMS CodeResult → class: 108 bad phone is the recipient's; money/keys/brandname/template are config. */
function classifySms(code: string): 'transient' | 'recipient' | 'config' {
  if (code === '108') return 'recipient'
  if (code === '99' || code === '100') return 'transient'
  return 'config'
}

export function createHttpSmsProvider(opts: {
  baseUrl: string
  apiKey: string
  secretKey: string
  brandname: string
  timeouts: HttpTimeouts
  dispatcher?: Dispatcher
}): SmsProvider {
  const dispatcher = opts.dispatcher ?? createAgent(opts.timeouts)
  const url = `${opts.baseUrl.replace(/\/$/, '')}/MainService.svc/json/SendMultipleMessage_V4_post_json/`
  return {
    async send(m, signal) {
      const body = {
        ApiKey: opts.apiKey,
        SecretKey: opts.secretKey,
        Phone: toNationalPhone(m.phone),
        Content: m.text,
        Brandname: opts.brandname,
        SmsType: '2',
        IsUnicode: isGsm7(m.text) ? '0' : '1',
        Sandbox: '0',
        RequestId: m.requestId,
      }
      const o = await httpCall(dispatcher, url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        requestMs: opts.timeouts.requestMs,
        signal,
      })
      // the gateway dedupes RequestId, so every transport failure is safely retryable
      if (o.kind !== 'response') return { ok: false, class: 'transient', code: `net:${o.kind}`, message: 'no answer' }
      const j = o.json as Record<string, unknown> | undefined
      const code = j && typeof j === 'object' ? String(j.CodeResult ?? '') : ''
      if (code === '100') return { ok: true, id: String(j?.SMSID ?? '') }
      if (code === '124') return { ok: true, id: `dup:${m.requestId}` }
      if (!code) return { ok: false, class: 'transient', code: `http:${o.status}`, message: 'unreadable answer' }
      return { ok: false, class: classifySms(code), code: `sms:${code}`, message: String(j?.ErrorMessage ?? '').slice(0, 200) }
    },
    async close() {
      if (!opts.dispatcher) await dispatcher.close()
    },
  }
}

// ── text ───────────────────────────────────────────────────────────────────────────────────────────────────────

/** The GSM 03.38 basic set (plus the extension table, which costs 2 septets each). */
const GSM_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà'
const GSM_EXT = '^{}\\[~]|€'

export function isGsm7(text: string): boolean {
  for (const ch of text) if (!GSM_BASIC.includes(ch) && !GSM_EXT.includes(ch)) return false
  return true
}

/** Septets in GSM-7 (extension chars count 2). */
export function gsmLength(text: string): number {
  let n = 0
  for (const ch of text) n += GSM_EXT.includes(ch) ? 2 : 1
  return n
}

/** Vietnamese without diacritics ("Biển Bạch Đông" → "Bien Bach Dong"): fits GSM-7, 160 chars per SMS. */
export function unaccent(s: string): string {
  return s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/đ/g, 'd')
    .replace(/Đ/g, 'D')
    .normalize('NFC')
}

/**
 * One-SMS invitation text. Unaccented on purpose: with diacritics a message is UCS-2 (70 chars per SMS, 67 per
 * part), so an invitation with a link would take 3 parts; without them it is GSM-7 and fits one 160-char SMS — and
 * most Vietnamese customer-care SMS is sent this way (ZALO.md §6). The link is our own `/r/` URL, never a third-party
 * shortener. Longer variants are tried first, shorter ones when the commune name or the URL is long.
 */
export function smsText(p: { communeName: string; url: string; closesAt: string; reminder?: number }): string {
  const commune = unaccent(p.communeName)
    .replace(/[^\x20-\x7e]/g, '')
    .trim()
  const d = new Date(new Date(p.closesAt).getTime() + 7 * 3_600_000)
  const due = `${String(d.getUTCDate()).padStart(2, '0')}/${String(d.getUTCMonth() + 1).padStart(2, '0')}`
  const lead = p.reminder ? 'Nhac lai: moi' : 'Moi'
  const variants = [
    `MTTQ ${commune}: ${lead} ho gia dinh cho y kien muc do hai long ve NTM, han ${due}. Link rieng cua ho: ${p.url}`,
    `MTTQ ${commune}: ${lead} ho cho y kien hai long NTM, han ${due}: ${p.url}`,
    `MTTQ: ${lead} ho cho y kien hai long NTM, han ${due}: ${p.url}`,
    `MTTQ: ${lead} ho cho y kien NTM: ${p.url}`,
  ]
  return variants.find((v) => isGsm7(v) && gsmLength(v) <= 160) ?? (variants.at(-1) as string)
}
