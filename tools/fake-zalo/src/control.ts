/**
 * Test-only control plane (ZALO.md §7.5): the in-process `FakeZaloControl` API and the same operations over HTTP
 * under `/__fake/*`. Never part of the real Zalo surface.
 */
import type { FastifyInstance, FastifyReply } from 'fastify'
import { z } from 'zod'
import { toMs } from './clock.ts'
import type { FakeZaloCore, RecordedRequest, SentMessage } from './core.ts'
import {
  followEvent,
  oaReceived,
  oaSeen,
  quotaChanged,
  templateStatusChanged,
  unknownEvent,
  userSendText,
  type WebhookEvent,
  znsReceipt,
} from './events.ts'
import { FAULT_KINDS, type FaultSpec } from './faults.ts'
import { phoneKey, type Recipient, type Template } from './registry.ts'
import { RECIPIENT_STATES, type RecipientState, type Settings, type SettingsPatch } from './settings.ts'
import { type Delivery, TAMPERS } from './webhooks.ts'

const Time = z.union([z.number(), z.string()])
const RecipientSchema = z.union([z.enum(RECIPIENT_STATES), z.object({ state: z.enum(RECIPIENT_STATES), receipt: z.boolean().optional() })])
const TemplateSchema = z
  .object({
    status: z.enum(['ENABLE', 'PENDING_REVIEW', 'REJECT', 'DISABLE']),
    nightBan: z.boolean(),
    params: z.array(z.object({ name: z.string(), require: z.boolean(), type: z.string(), maxLength: z.number().int().positive() })),
  })
  .partial()

export const FaultSchema = z.object({
  kind: z.enum(FAULT_KINDS),
  route: z.string().optional(),
  phase: z.enum(['before', 'after']).optional(),
  status: z.number().int().min(100).max(599).optional(),
  code: z.number().int().optional(),
  delayMs: z.number().nonnegative().optional(),
  times: z.number().int().nonnegative().optional(),
  skip: z.number().int().nonnegative().optional(),
  probability: z.number().min(0).max(1).optional(),
})

export const SettingsPatchSchema = z
  .object({
    appId: z.string(),
    oaId: z.string(),
    appSecret: z.string(),
    oaSecretKey: z.string(),
    timeScale: z.number().positive(),
    dailyQuota: z.number().int().nonnegative(),
    balanceExhausted: z.boolean(),
    devDailyQuota: z.number().int().nonnegative(),
    rateLimit: z.object({ perSecond: z.number().positive(), burst: z.number().positive() }).partial(),
    nightWindow: z.object({ startHour: z.number().int().min(0).max(23), endHour: z.number().int().min(0).max(24) }).nullable(),
    lenientPhone: z.boolean(),
    requireTrackingId: z.boolean(),
    trackingIdErrorCode: z.number().int(),
    trackingIdLoose: z.boolean(),
    expiredTokenCode: z.number().int(),
    requireAppsecretProof: z.boolean(),
    accessTokenTtlSec: z.number().positive(),
    refreshTokenTtlSec: z.number().positive(),
    revokeAccessOnRefresh: z.boolean(),
    refreshErrorCode: z.number().int(),
    autoReceipts: z.boolean(),
    receiptDelayMs: z.number().nonnegative(),
    autoOaReceipts: z.boolean(),
    csWindowMs: z.number().nonnegative(),
    defaultRecipientState: z.enum(RECIPIENT_STATES),
    webhook: z
      .object({
        url: z.string().url().nullable(),
        timeoutMs: z.number().positive(),
        ladderMs: z.array(z.number().nonnegative()),
        retryTimestamp: z.enum(['original', 'fresh']),
        numRetryHeader: z.boolean(),
        success: z.enum(['200', '2xx']),
        disableOnExhaustion: z.boolean(),
        tamper: z.enum(TAMPERS).nullable(),
        duplicateRate: z.number().min(0).max(1),
        reorderJitterMs: z.number().nonnegative(),
        staleMs: z.number().nonnegative(),
        futureMs: z.number().nonnegative(),
      })
      .partial(),
  })
  .partial()

export const EmitSchema = z.object({
  /** `zns_receipt` = ZNS `user_received_message` (X-ZEvent-Server: ZNS); `user_received_message` = the OA one. */
  event: z.enum([
    'zns_receipt',
    'user_received_message',
    'user_seen_message',
    'user_send_text',
    'follow',
    'unfollow',
    'change_oa_daily_quota',
    'change_template_status',
    'unknown',
  ]),
  msg_id: z.string().optional(),
  msg_ids: z.array(z.string()).optional(),
  phone: z.string().optional(),
  tracking_id: z.string().optional(),
  delivery_time: Time.optional(),
  user_id: z.string().optional(),
  user_id_by_app: z.string().optional(),
  text: z.string().optional(),
  quote_msg_id: z.string().optional(),
  template_id: z.string().optional(),
  prev: z.union([z.string(), z.number()]).optional(),
  next: z.union([z.string(), z.number()]).optional(),
  event_name: z.string().optional(),
  tamper: z.enum(TAMPERS).nullable().optional(),
  duplicate: z.boolean().optional(),
  /** Simulated ms before the first attempt (scaled by timeScale); only for single, non-awaited emits. */
  delay_ms: z.number().nonnegative().optional(),
})
export type EmitSpec = z.infer<typeof EmitSchema>

export const EmitManySchema = z.object({
  events: z.array(EmitSchema).min(1),
  /** `as_given` delivers one after another (each first attempt awaited); `reverse`/`shuffle` reorder first. */
  order: z.enum(['as_given', 'reverse', 'shuffle']).default('as_given'),
  /** Fire all at once (§7.4 concurrent burst). */
  concurrent: z.boolean().default(false),
})

export class FakeZaloControl {
  /** Escape hatch for tests that need raw state. */
  constructor(readonly core: FakeZaloCore) {}

  /** Everything back to the construction options (§7.5 `POST /__fake/reset`). */
  reset(): void {
    this.core.reset()
  }

  // clock (§7.5 `/__fake/clock`): drives token expiry, quota reset, night window, 7-day window
  now(): number {
    return this.core.clock.now()
  }
  setClock(t: number | string | Date): void {
    this.core.clock.set(toMs(t))
  }
  advanceClock(ms: number): void {
    this.core.clock.advance(ms)
  }
  freezeClock(at?: number | string | Date): void {
    this.core.clock.freeze(at === undefined ? undefined : toMs(at))
  }
  unfreezeClock(): void {
    this.core.clock.unfreeze()
  }

  settings(): Settings {
    return this.core.settings
  }
  configure(patch: SettingsPatch): Settings {
    return this.core.configure(patch)
  }

  setRecipient(phone: string, r: Recipient | RecipientState): void {
    this.core.registry.setRecipient(phone, r)
  }
  setTemplate(id: string, patch: Partial<Template>): Template {
    return this.core.registry.setTemplate(id, patch)
  }
  addAdmin(phone: string): void {
    this.core.registry.addAdmin(phone)
  }
  /** Record an interaction of an OA user (opens the 7-day `message/cs` window). */
  touchUser(userId: string, at?: number | string): void {
    this.core.registry.touchUser(userId, at === undefined ? this.now() : toMs(at))
  }
  /** Pretend `n` quota units were already used today (VN day). */
  setQuotaUsed(n: number): void {
    this.core.quota.setUsed(this.now(), n)
  }

  tokens() {
    return { ...this.core.tokens.current, history: [...this.core.tokens.history] }
  }
  expireAccessToken(): void {
    this.core.tokens.expireAccess(this.now())
  }
  setTokens(t: { accessToken?: string; refreshToken?: string }) {
    return this.core.tokens.set(this.now(), t)
  }
  issueAuthCode(codeChallenge?: string): string {
    return this.core.tokens.issueCode(this.now(), codeChallenge)
  }

  addFault(f: FaultSpec) {
    return this.core.faults.add(f)
  }
  clearFaults(): void {
    this.core.faults.clear()
  }
  faults() {
    return [...this.core.faults.list]
  }

  /** Fire a receipt for a recorded message now (when autoReceipts is off or the recipient has `receipt:false`). */
  deliver(msgId: string): Delivery[] {
    const m = this.core.sendsById.get(msgId)
    if (!m) throw new Error(`unknown msg_id ${msgId}`)
    const before = this.core.webhooks.deliveries.length
    this.core.deliver(m)
    return this.core.webhooks.deliveries.slice(before)
  }

  /** Build and emit one event (§7.4); `await`s its first attempt. */
  async emit(spec: EmitSpec): Promise<Delivery[]> {
    const { event, zns } = this.buildEvent(spec)
    const opts = { zns, tamper: spec.tamper, duplicate: spec.duplicate }
    if (spec.delay_ms !== undefined) return this.core.webhooks.emit(event, { ...opts, delayMs: spec.delay_ms })
    return this.core.webhooks.emitNow(event, opts)
  }

  /** Several events: in order (sequentially delivered), reversed, shuffled, or as a concurrent burst (§7.4). */
  async emitMany(input: z.input<typeof EmitManySchema>): Promise<Delivery[]> {
    const { events, order, concurrent } = EmitManySchema.parse(input)
    const list = [...events]
    if (order === 'reverse') list.reverse()
    if (order === 'shuffle') {
      for (let i = list.length - 1; i > 0; i--) {
        const j = this.core.rng.int(i + 1)
        ;[list[i], list[j]] = [list[j]!, list[i]!]
      }
    }
    if (concurrent) return (await Promise.all(list.map((e) => this.emit(e)))).flat()
    const out: Delivery[] = []
    for (const e of list) out.push(...(await this.emit(e)))
    return out
  }

  private buildEvent(spec: EmitSpec): { event: WebhookEvent; zns: boolean } {
    const core = this.core
    const ctx = core.eventContext()
    const userId = spec.user_id ?? core.rng.bigId()
    const common = { userId, userIdByApp: spec.user_id_by_app }
    switch (spec.event) {
      case 'zns_receipt': {
        const m = spec.msg_id ? core.sendsById.get(spec.msg_id) : undefined
        if (m && m.status !== 1) core.deliver(m, { emit: false })
        return {
          zns: true,
          event: znsReceipt(ctx, {
            phone: spec.phone ?? m?.phone ?? '84987654321',
            msgId: spec.msg_id ?? core.rng.hex(20),
            trackingId: spec.tracking_id ?? m?.trackingId ?? null,
            deliveryTime: spec.delivery_time !== undefined ? toMs(spec.delivery_time) : (m?.deliveryTime ?? ctx.now),
          }),
        }
      }
      case 'user_received_message':
        return { zns: false, event: oaReceived(ctx, { ...common, msgId: spec.msg_id ?? core.rng.hex(20) }) }
      case 'user_seen_message':
        return { zns: false, event: oaSeen(ctx, { ...common, msgIds: spec.msg_ids ?? (spec.msg_id ? [spec.msg_id] : [core.rng.hex(20)]) }) }
      case 'user_send_text':
        // a user message is an interaction: it opens the 7-day CS window (§2.1)
        core.registry.touchUser(userId, ctx.now, spec.user_id_by_app)
        return {
          zns: false,
          event: userSendText(ctx, { ...common, text: spec.text ?? 'Xin chào', msgId: spec.msg_id, quoteMsgId: spec.quote_msg_id }),
        }
      case 'follow':
      case 'unfollow':
        return { zns: false, event: followEvent(ctx, { ...common, kind: spec.event }) }
      case 'change_oa_daily_quota':
        return {
          zns: true,
          event: quotaChanged(ctx, {
            prev: Number(spec.prev ?? core.settings.dailyQuota),
            next: Number(spec.next ?? core.settings.dailyQuota),
          }),
        }
      case 'change_template_status':
        return {
          zns: true,
          event: templateStatusChanged(ctx, {
            templateId: spec.template_id ?? '231677',
            prev: String(spec.prev ?? 'ENABLE'),
            next: String(spec.next ?? 'DISABLE'),
          }),
        }
      case 'unknown':
        return { zns: false, event: unknownEvent(ctx, { eventName: spec.event_name }) }
    }
  }

  /** Zalo's (possible) unsigned check of a newly registered webhook URL. */
  registrationCheck(url?: string): Promise<{ status?: number; error?: string }> {
    return this.core.webhooks.registrationCheck(url)
  }
  enableWebhook(enabled = true): void {
    this.core.webhooks.enabled = enabled
  }
  deliveries(): Delivery[] {
    return this.core.webhooks.deliveries
  }

  /** Every request received on the Zalo routes, with headers and raw body (§7.5 `GET /__fake/requests`). */
  requests(filter: { path?: string } = {}): RecordedRequest[] {
    return this.core.requests.filter((r) => filter.path === undefined || r.path === filter.path)
  }
  clearRequests(): void {
    this.core.requests = []
  }
  /** Recorded ZNS sends — what each fake phone "received" (for the demo inbox too). */
  messages(filter: { phone?: string; trackingId?: string } = {}): SentMessage[] {
    const phone = filter.phone === undefined ? undefined : phoneKey(filter.phone)
    return this.core.sends.filter(
      (m) => (phone === undefined || m.phone === phone) && (filter.trackingId === undefined || m.trackingId === filter.trackingId),
    )
  }
  csMessages() {
    return [...this.core.cs]
  }
  stats() {
    return this.core.stats()
  }

  /** Resolves when no receipt, webhook attempt or retry is scheduled or in flight. */
  async idle(timeoutMs = 10_000): Promise<void> {
    let t: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_, reject) => {
      t = setTimeout(() => reject(new Error(`fake-zalo not idle after ${timeoutMs} ms`)), timeoutMs)
    })
    try {
      await Promise.race([this.core.scheduler.idle(), timeout])
    } finally {
      clearTimeout(t)
    }
  }
}

function parse<T extends z.ZodType>(schema: T, body: unknown, reply: FastifyReply): z.infer<T> | null {
  const r = schema.safeParse(body ?? {})
  if (r.success) return r.data
  void reply.code(400).send({ error: 'bad_request', issues: r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) })
  return null
}

/** JSON bodies on the control plane (the Zalo routes keep raw buffers). */
function json(body: unknown): unknown {
  if (!Buffer.isBuffer(body)) return body
  const s = body.toString('utf8').trim()
  return s === '' ? {} : JSON.parse(s)
}

export function registerControlRoutes(app: FastifyInstance, control: FakeZaloControl): void {
  app.register(
    async (r) => {
      r.setErrorHandler((err: Error, _req, reply) => reply.code(400).send({ error: 'bad_request', message: err.message }))

      r.post('/reset', async () => {
        control.reset()
        return { ok: true }
      })

      const ClockBody = z.object({ set: Time.optional(), advance: z.number().optional(), freeze: z.boolean().optional() })
      const clockView = () => ({ now: control.now(), iso: new Date(control.now()).toISOString() })
      r.get('/clock', async () => clockView())
      r.post('/clock', async (req, reply) => {
        const b = parse(ClockBody, json(req.body), reply)
        if (!b) return reply
        if (b.freeze === true) control.freezeClock()
        if (b.freeze === false) control.unfreezeClock()
        if (b.set !== undefined) control.setClock(b.set)
        if (b.advance !== undefined) control.advanceClock(b.advance)
        return clockView()
      })

      r.get('/config', async () => control.settings())
      r.post('/config', async (req, reply) => {
        const b = parse(SettingsPatchSchema, json(req.body), reply)
        if (!b) return reply
        return control.configure(b as SettingsPatch)
      })

      r.get('/recipients', async () => control.core.registry.snapshot().recipients)
      r.post('/recipients', async (req, reply) => {
        const b = parse(
          z.object({ recipients: z.record(z.string(), RecipientSchema), replace: z.boolean().optional() }),
          json(req.body),
          reply,
        )
        if (!b) return reply
        if (b.replace) control.core.registry.recipients.clear()
        for (const [phone, st] of Object.entries(b.recipients)) control.setRecipient(phone, st)
        return control.core.registry.snapshot().recipients
      })

      r.get('/templates', async () => control.core.registry.snapshot().templates)
      r.post('/templates', async (req, reply) => {
        const b = parse(z.object({ templates: z.record(z.string(), TemplateSchema) }), json(req.body), reply)
        if (!b) return reply
        for (const [id, t] of Object.entries(b.templates)) control.setTemplate(id, t)
        return control.core.registry.snapshot().templates
      })

      r.get('/users', async () => control.core.registry.snapshot().users)
      r.post('/users', async (req, reply) => {
        const b = parse(z.object({ users: z.record(z.string(), z.object({ lastInteractionAt: Time.optional() })) }), json(req.body), reply)
        if (!b) return reply
        for (const [id, u] of Object.entries(b.users)) control.touchUser(id, u.lastInteractionAt)
        return control.core.registry.snapshot().users
      })

      r.post('/admins', async (req, reply) => {
        const b = parse(z.object({ admins: z.array(z.string()) }), json(req.body), reply)
        if (!b) return reply
        for (const a of b.admins) control.addAdmin(a)
        return control.core.registry.snapshot().admins
      })

      r.post('/quota', async (req, reply) => {
        const b = parse(z.object({ used: z.number().int().nonnegative() }), json(req.body), reply)
        if (!b) return reply
        control.setQuotaUsed(b.used)
        return control.stats().quota
      })

      const TokensBody = z.object({
        expire: z.boolean().optional(),
        set: z.object({ accessToken: z.string().optional(), refreshToken: z.string().optional() }).optional(),
        issueCode: z.object({ codeChallenge: z.string().optional() }).optional(),
      })
      r.get('/tokens', async () => control.tokens())
      r.post('/tokens', async (req, reply) => {
        const b = parse(TokensBody, json(req.body), reply)
        if (!b) return reply
        if (b.set) control.setTokens(b.set)
        if (b.expire) control.expireAccessToken()
        const code = b.issueCode ? control.issueAuthCode(b.issueCode.codeChallenge) : undefined
        return { ...control.tokens(), ...(code ? { code } : {}) }
      })

      r.get('/faults', async () => control.faults())
      r.post('/faults', async (req, reply) => {
        const b = parse(z.union([FaultSchema, z.object({ faults: z.array(FaultSchema) })]), json(req.body), reply)
        if (!b) return reply
        for (const f of 'faults' in b ? b.faults : [b]) control.addFault(f)
        return control.faults()
      })
      r.delete('/faults', async () => {
        control.clearFaults()
        return { ok: true }
      })

      r.get('/webhook', async () => ({ enabled: control.core.webhooks.enabled, deliveries: control.deliveries() }))
      r.post('/webhook', async (req, reply) => {
        const b = parse(z.object({ enabled: z.boolean().optional(), url: z.string().url().nullable().optional() }), json(req.body), reply)
        if (!b) return reply
        if (b.url !== undefined) control.configure({ webhook: { url: b.url } })
        if (b.enabled !== undefined) control.enableWebhook(b.enabled)
        return { enabled: control.core.webhooks.enabled, url: control.settings().webhook.url }
      })
      r.post('/webhook/registration-check', async () => control.registrationCheck())
      r.post('/webhook/emit', async (req, reply) => {
        const body = json(req.body)
        if (body && typeof body === 'object' && 'events' in body) {
          const b = parse(EmitManySchema, body, reply)
          if (!b) return reply
          return { deliveries: await control.emitMany(b) }
        }
        const b = parse(EmitSchema, body, reply)
        if (!b) return reply
        return { deliveries: await control.emit(b) }
      })

      r.post('/messages/:msgId/deliver', async (req, reply) => {
        const { msgId } = req.params as { msgId: string }
        if (!control.core.sendsById.has(msgId)) return reply.code(404).send({ error: 'not_found' })
        return { deliveries: control.deliver(msgId) }
      })
      r.get('/messages', async (req) => {
        const q = req.query as { phone?: string; tracking_id?: string }
        return control.messages({ phone: q.phone, trackingId: q.tracking_id })
      })
      r.get('/cs', async () => control.csMessages())

      r.get('/requests', async (req) => control.requests({ path: (req.query as { path?: string }).path }))
      r.delete('/requests', async () => {
        control.clearRequests()
        return { ok: true }
      })

      r.get('/stats', async () => control.stats())

      r.post('/idle', async (req) => {
        const ms = Number((req.query as { timeout_ms?: string }).timeout_ms ?? 10_000)
        await control.idle(ms)
        return { ok: true }
      })
    },
    { prefix: '/__fake' },
  )
}
