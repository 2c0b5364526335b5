/**
 * SMS brandname fallback (ZALO.md §6) behind a small provider interface; one HTTP implementation speaks the eSMS
 * `SendMultipleMessage_V4_post_json` shape. eSMS dedupes on our `RequestId` (code 124), unlike Zalo, so a resend
 * after an unknown outcome is safe here: 124 means "already accepted".
 */
import type { Dispatcher } from 'undici'
import { createAgent, type HttpTimeouts, httpCall } from './http.js'
import { toNationalPhone } from './phone.js'
import { DEFAULT_SMS_TEMPLATES, fillSmsTemplate, type SmsTemplates } from './sms-templates.js'

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

/**
 * eSMS CodeResult → class (developers.esms.vn "Table of error codes", docs/zalo-notes.md §4): 99 "the phone number is
 * blocked in the system" and 108 "phone number is not in correct format" belong to the recipient and are final — a
 * retry cannot change them; keys (101), money (103), brandname (104), IP (140), template (146) and unknown codes are
 * configuration: stop and tell staff.
 */
function classifySms(code: string): 'recipient' | 'config' {
  if (code === '99' || code === '108') return 'recipient'
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
      // 124 "Duplicate RequestId": this very message was accepted earlier (the gateway dedupes it for 24 h)
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
 * The SMS for an invitation or a reminder: a registered template (sms-templates.ts) filled with the commune, the
 * closing day and our own `/r/` link — never a third-party shortener. Values are unaccented plain ASCII so a GSM-7
 * template stays GSM-7; the first template that fits one 160-character SMS is used, the shortest otherwise.
 */
export function smsText(
  p: { communeName: string; url: string; closesAt: string; reminder?: number },
  templates: SmsTemplates = DEFAULT_SMS_TEMPLATES,
): string {
  const commune = unaccent(p.communeName)
    .replace(/[^\x20-\x7e]/g, '')
    .replace(/[{}]/g, '')
    .trim()
  const d = new Date(new Date(p.closesAt).getTime() + 7 * 3_600_000)
  const due = `${String(d.getUTCDate()).padStart(2, '0')}/${String(d.getUTCMonth() + 1).padStart(2, '0')}`
  const filled = (p.reminder ? templates.reminder : templates.invitation).map((t) => fillSmsTemplate(t, { commune, due, url: p.url }))
  return filled.find((v) => isGsm7(v) && gsmLength(v) <= 160) ?? filled.reduce((a, b) => (gsmLength(b) < gsmLength(a) ? b : a))
}
