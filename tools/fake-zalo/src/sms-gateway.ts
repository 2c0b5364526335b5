/**
 * A small fake SMS brandname gateway in the shape of eSMS `SendMultipleMessage_V4_post_json` (ZALO.md §6), for the
 * SMS fallback tests and the demo. Test-only; never expose it.
 *
 * `POST /MainService.svc/json/SendMultipleMessage_V4_post_json/` `{ApiKey, SecretKey, Phone, Content, Brandname,
 * SmsType, IsUnicode, Sandbox, RequestId}` → `{"CodeResult":"100","SMSID":"…","CountRegenerate":0}`; errors as in
 * eSMS's table (developers.esms.vn, "Table of error codes"): `99` the phone number is blocked, `101` bad keys, `103`
 * no balance, `104` brandname not registered, `108` bad phone, `124` duplicate RequestId within 24 h (eSMS dedupes
 * on our id, unlike Zalo), `146` content that matches no registered customer-care template. Control:
 * `/__fake/messages`, `/__fake/stats`, `/__fake/blocked`, faults.
 */
import { randomBytes } from 'node:crypto'
import Fastify, { type FastifyInstance } from 'fastify'

export const SMS_SEND_PATH = '/MainService.svc/json/SendMultipleMessage_V4_post_json/'

export interface FakeSmsOptions {
  apiKey?: string
  secretKey?: string
  brandnames?: string[]
  /** Clock for `at` and the 24 h duplicate window (ms). */
  now?: () => number
  /**
   * Registered customer-care texts with `{variable}` placeholders (SmsType 2 content must match one, else 146).
   * Omitted: any content is accepted.
   */
  templates?: string[]
  port?: number
  host?: string
}

export interface FakeSms {
  id: string
  phone: string
  /** The same phone as `84…`, to line up with Zalo's view. */
  phone84: string
  content: string
  brandname: string
  requestId: string
  unicode: boolean
  /** Message parts: GSM-7 160/153 chars, UCS-2 70/67 (the unaccented-vs-accented trade-off of ZALO.md §6). */
  segments: number
  at: number
}

export type SmsFault =
  | { kind: 'code'; code: string; times?: number }
  | { kind: 'http'; status: number; times?: number }
  | { kind: 'reset'; times?: number }

const GSM = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà^{}\\[~]|€',
)
const GSM_EXT = new Set('^{}\\[~]|€')

export function smsSegments(text: string): { unicode: boolean; segments: number } {
  const chars = [...text]
  if (chars.every((c) => GSM.has(c))) {
    const n = chars.reduce((a, c) => a + (GSM_EXT.has(c) ? 2 : 1), 0)
    return { unicode: false, segments: n <= 160 ? 1 : Math.ceil(n / 153) }
  }
  const n = [...text].reduce((a, c) => a + (c.codePointAt(0)! > 0xffff ? 2 : 1), 0)
  return { unicode: true, segments: n <= 70 ? 1 : Math.ceil(n / 67) }
}

const PHONE = /^(?:0|84|\+84)([35789]\d{8})$/
const DUPLICATE_WINDOW_MS = 24 * 3_600_000

/** A registered text as a whole-string pattern: literal parts exact, each `{variable}` any non-empty text on one line. */
export function templatePattern(template: string): RegExp {
  const parts = template.split(/\{[a-z_]+\}/)
  return new RegExp(`^${parts.map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('[^\\n]+?')}$`)
}

export class FakeSmsControl {
  messages: FakeSms[] = []
  requests: { body: string; at: number }[] = []
  faults: (SmsFault & { left: number })[] = []
  balanceExhausted = false
  readonly seen = new Map<string, { id: string; at: number }>()
  /** Phones (84…) the carrier rejects → 108. */
  readonly badPhones = new Set<string>()
  /** Phones (84…) blocked in eSMS's system (e.g. the subscriber refused brandname SMS) → 99. */
  readonly blockedPhones = new Set<string>()

  addFault(f: SmsFault): void {
    this.faults.push({ ...f, left: f.times ?? 1 })
  }
  takeFault(): SmsFault | null {
    const f = this.faults[0]
    if (!f) return null
    f.left--
    if (f.left <= 0) this.faults.shift()
    return f
  }
  stats() {
    const byRequestId: Record<string, number> = {}
    for (const m of this.messages) byRequestId[m.requestId] = (byRequestId[m.requestId] ?? 0) + 1
    return {
      sent: this.messages.length,
      requests: this.requests.length,
      multipart: this.messages.filter((m) => m.segments > 1).length,
      duplicateRequestIds: Object.entries(byRequestId)
        .filter(([, n]) => n > 1)
        .map(([id]) => id),
    }
  }
  reset(): void {
    this.messages = []
    this.requests = []
    this.faults = []
    this.balanceExhausted = false
    this.seen.clear()
    this.badPhones.clear()
    this.blockedPhones.clear()
  }
}

export function createFakeSmsGateway(opts: FakeSmsOptions = {}): { app: FastifyInstance; control: FakeSmsControl } {
  const apiKey = opts.apiKey ?? 'fake-sms-api-key'
  const secretKey = opts.secretKey ?? 'fake-sms-secret-key'
  const brandnames = new Set(opts.brandnames ?? ['MTTQ'])
  const now = opts.now ?? Date.now
  const registered = opts.templates?.map(templatePattern) ?? null
  const control = new FakeSmsControl()
  const app = Fastify({ logger: false, forceCloseConnections: true })
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body))

  const answer = (code: string, message: string) => ({ CodeResult: code, ErrorMessage: message })

  app.post(SMS_SEND_PATH, async (req, reply) => {
    const raw = typeof req.body === 'string' ? req.body : ''
    control.requests.push({ body: raw, at: now() })
    const f = control.takeFault()
    if (f?.kind === 'http') return reply.code(f.status).type('text/plain').send('Service Unavailable')
    if (f?.kind === 'reset') {
      reply.hijack()
      reply.raw.socket?.destroy()
      return
    }
    if (f?.kind === 'code') return answer(f.code, 'injected fault')
    let b: Record<string, unknown>
    try {
      b = JSON.parse(raw) as Record<string, unknown>
    } catch {
      return answer('110', 'Invalid JSON')
    }
    if (b.ApiKey !== apiKey || b.SecretKey !== secretKey) return answer('101', 'Authorize failed')
    if (control.balanceExhausted) return answer('103', 'Balance not enough')
    if (typeof b.Brandname !== 'string' || !brandnames.has(b.Brandname)) return answer('104', 'Brandname not registered')
    const m = typeof b.Phone === 'string' ? PHONE.exec(b.Phone.replace(/[\s.-]/g, '')) : null
    if (!m || control.badPhones.has(`84${m[1]}`)) return answer('108', 'Phone invalid')
    if (control.blockedPhones.has(`84${m[1]}`)) return answer('99', 'The phone number is blocked in the system')
    const requestId = typeof b.RequestId === 'string' ? b.RequestId : ''
    const earlier = requestId ? control.seen.get(requestId) : undefined
    if (earlier && now() - earlier.at < DUPLICATE_WINDOW_MS) return answer('124', 'Duplicate RequestId')
    if (typeof b.Content !== 'string' || b.Content.trim() === '') return answer('146', 'Wrong customer care template')
    const content = b.Content
    if (String(b.SmsType ?? '2') === '2' && registered && !registered.some((r) => r.test(content)))
      return answer('146', 'Wrong customer care template')
    const id = randomBytes(8).toString('hex')
    const seg = smsSegments(b.Content)
    control.messages.push({
      id,
      phone: b.Phone as string,
      phone84: `84${m[1]}`,
      content: b.Content,
      brandname: b.Brandname,
      requestId,
      unicode: seg.unicode,
      segments: seg.segments,
      at: now(),
    })
    if (requestId) control.seen.set(requestId, { id, at: now() })
    return { CodeResult: '100', SMSID: id, CountRegenerate: 0 }
  })

  app.get('/__fake/messages', async () => control.messages)
  app.get('/__fake/stats', async () => control.stats())
  app.post('/__fake/blocked', async (req) => {
    const raw = typeof req.body === 'string' ? req.body : ''
    const phones = (JSON.parse(raw || '{}') as { phones?: unknown }).phones
    for (const p of Array.isArray(phones) ? phones : []) if (typeof p === 'string') control.blockedPhones.add(p)
    return { blocked: [...control.blockedPhones] }
  })
  app.post('/__fake/reset', async () => {
    control.reset()
    return { ok: true }
  })
  return { app, control }
}

export async function startFakeSmsGateway(
  opts: FakeSmsOptions = {},
): Promise<{ url: string; close: () => Promise<void>; control: FakeSmsControl; app: FastifyInstance }> {
  const { app, control } = createFakeSmsGateway(opts)
  await app.listen({ port: opts.port ?? 0, host: opts.host ?? '127.0.0.1' })
  const addr = app.server.address()
  const port = typeof addr === 'object' && addr ? addr.port : 0
  return { app, control, url: `http://${opts.host ?? '127.0.0.1'}:${port}`, close: () => app.close() }
}
