/**
 * The fake's state, independent of HTTP: settings, registries, tokens, limits, sent messages, the request log,
 * faults and the webhook emitter. Routes (routes.ts) and the control plane (control.ts) both act on it.
 */
import type { IncomingHttpHeaders, ServerResponse } from 'node:http'
import { type Clock, FakeClock, toMs } from './clock.ts'
import { type EventContext, oaReceived, znsReceipt } from './events.ts'
import { Faults } from './faults.ts'
import { DailyCounter, TokenBucket } from './limits.ts'
import { Rng } from './random.ts'
import { defaultTemplates, type Recipient, Registry, type Template } from './registry.ts'
import { Scheduler } from './scheduler.ts'
import { applyPatch, defaultSettings, type RecipientState, type Settings, type SettingsPatch } from './settings.ts'
import { TokenStore } from './tokens.ts'
import { WebhookEmitter } from './webhooks.ts'

export interface FakeZaloOptions extends SettingsPatch {
  /** Fake clock: a FakeClock (shared with the test), any `{now()}` / `() => number` base, or a start time to freeze at. */
  clock?: Clock | (() => number) | number | string | Date
  /** Real-time source for the rate limiter, ms (default performance.now). */
  monotonic?: () => number
  /** Seed for ids, tokens and probabilistic faults (default 1). */
  seed?: number
  /** Shortcut for `webhook.url`. */
  webhookUrl?: string
  /** phone (any of 84…/+84…/0…) → state; unknown phones get `defaultRecipientState`. */
  recipients?: Record<string, Recipient | RecipientState>
  /** Extra/overriding templates (merged over the default template `231677`). */
  templates?: Record<string, Partial<Template>>
  /** Development-mode admins (§1.5). */
  admins?: string[]
  /** OA users for `message/cs`: user_id → last interaction (fake-clock time; default "now"). */
  users?: Record<string, { lastInteractionAt?: number | string } | true>
  /** Initial token pair (default: generated from the seed; read it via `control.tokens()`). */
  tokens?: { accessToken?: string; refreshToken?: string }
  /** Serve `/__fake/*` (default true). */
  controlPlane?: boolean
  /** Fastify logger (default false). */
  logger?: boolean
}

export interface SentMessage {
  msgId: string
  phone: string
  templateId: string
  templateData: Record<string, string>
  trackingId: string | null
  sentTime: number
  dev: boolean
  sendingMode: string
  /** /message/status: 0 pushed, 1 delivered (§1.1). */
  status: 0 | 1
  deliveryTime: number | null
  receipt: boolean
}

export interface CsMessage {
  messageId: string
  userId: string
  text: string
  sentTime: number
}

export interface RecordedRequest {
  seq: number
  /** fake-clock ms */
  at: number
  method: string
  url: string
  path: string
  headers: IncomingHttpHeaders
  /** Raw body as received (UTF-8). */
  body: string
}

function toClock(c: FakeZaloOptions['clock']): { clock: FakeClock; owned: boolean } {
  if (c instanceof FakeClock) return { clock: c, owned: false }
  if (c === undefined) return { clock: new FakeClock(), owned: true }
  if (typeof c === 'function') return { clock: new FakeClock(c), owned: true }
  if (typeof c === 'object' && !(c instanceof Date)) return { clock: new FakeClock(() => c.now()), owned: true }
  const clock = new FakeClock()
  clock.freeze(toMs(c))
  return { clock, owned: true }
}

export class FakeZaloCore {
  settings!: Settings
  readonly clock: FakeClock
  private readonly ownsClock: boolean
  private readonly initialClockMs: number | null
  rng!: Rng
  readonly registry = new Registry()
  tokens!: TokenStore
  readonly bucket: TokenBucket
  readonly quota = new DailyCounter()
  readonly devQuota = new DailyCounter()
  faults!: Faults
  readonly scheduler = new Scheduler()
  readonly webhooks: WebhookEmitter
  sends: SentMessage[] = []
  readonly sendsById = new Map<string, SentMessage>()
  cs: CsMessage[] = []
  requests: RecordedRequest[] = []
  /** Responses held open by `hang`/`delay` faults; destroyed on reset/close. */
  readonly held = new Set<ServerResponse>()
  readonly heldTimers = new Set<NodeJS.Timeout>()

  constructor(readonly opts: FakeZaloOptions = {}) {
    const { clock, owned } = toClock(opts.clock)
    this.clock = clock
    this.ownsClock = owned
    this.initialClockMs = owned && clock.frozen ? clock.now() : null
    this.settings = defaultSettings() // replaced by init(); the bucket below reads it
    this.bucket = new TokenBucket(() => this.settings.rateLimit, opts.monotonic ?? (() => performance.now()))
    // the emitter reads settings/rng lazily, so reset() can swap them
    this.webhooks = new WebhookEmitter(
      () => this.settings,
      this.clock,
      () => this.rng,
      this.scheduler,
    )
    this.init()
  }

  private init(): void {
    const o = this.opts
    const {
      clock: _c,
      monotonic: _m,
      seed: _s,
      webhookUrl,
      recipients,
      templates,
      admins,
      users,
      tokens,
      controlPlane: _cp,
      logger: _l,
      ...patch
    } = o
    this.settings = applyPatch(defaultSettings(), patch)
    if (webhookUrl !== undefined) this.settings.webhook.url = webhookUrl
    this.rng = new Rng(o.seed ?? 1)
    const now = this.clock.now()
    this.registry.recipients.clear()
    this.registry.templates.clear()
    this.registry.admins.clear()
    this.registry.users.clear()
    for (const [id, t] of Object.entries({ ...defaultTemplates(), ...templates })) this.registry.setTemplate(id, t)
    for (const [phone, r] of Object.entries(recipients ?? {})) this.registry.setRecipient(phone, r)
    for (const a of admins ?? []) this.registry.addAdmin(a)
    for (const [id, u] of Object.entries(users ?? {})) {
      const at = u === true || u.lastInteractionAt === undefined ? now : toMs(u.lastInteractionAt)
      this.registry.touchUser(id, at)
    }
    this.tokens = new TokenStore(
      this.rng,
      () => ({ accessSec: this.settings.accessTokenTtlSec, refreshSec: this.settings.refreshTokenTtlSec }),
      now,
      tokens,
    )
    this.faults = new Faults(this.rng)
    this.quota.clear()
    this.devQuota.clear()
    this.bucket.reset()
    this.sends = []
    this.sendsById.clear()
    this.cs = []
    this.requests = []
  }

  /** §7.5 reset: everything back to the construction options; the clock too when the fake owns it. */
  reset(): void {
    this.releaseHeld()
    this.scheduler.cancelAll()
    this.webhooks.reset()
    if (this.ownsClock && this.initialClockMs !== null) this.clock.set(this.initialClockMs)
    this.init()
  }

  configure(patch: SettingsPatch): Settings {
    this.settings = applyPatch(this.settings, patch)
    if (patch.webhook?.url !== undefined) this.webhooks.enabled = true
    return this.settings
  }

  eventContext(): EventContext {
    return { appId: this.settings.appId, oaId: this.settings.oaId, now: this.clock.now(), rng: this.rng }
  }

  /** §7.2 step 12/13: record every accepted send (no dedupe on tracking_id), take quota, schedule the receipt. */
  recordSend(a: {
    phone: string
    templateId: string
    templateData: Record<string, string>
    trackingId: string | null
    dev: boolean
    sendingMode: string
    receipt: boolean
  }): SentMessage {
    const now = this.clock.now()
    if (a.dev) this.devQuota.take(now)
    else this.quota.take(now)
    let msgId = this.rng.hex(20)
    while (this.sendsById.has(msgId)) msgId = this.rng.hex(20)
    const m: SentMessage = { ...a, msgId, sentTime: now, status: 0, deliveryTime: null }
    this.sends.push(m)
    this.sendsById.set(msgId, m)
    if (m.receipt && this.settings.autoReceipts) {
      this.scheduler.after(this.settings.receiptDelayMs * this.settings.timeScale, () => this.deliver(m))
    }
    return m
  }

  /** Mark delivered (status 1) and emit the ZNS receipt; `delivery_time` ≥ `sent_time` (§7.4). */
  deliver(m: SentMessage, opts: { emit?: boolean } = {}): void {
    if (m.status !== 1) {
      m.status = 1
      m.deliveryTime = Math.max(this.clock.now(), m.sentTime)
    }
    if (opts.emit === false) return
    const ev = znsReceipt(this.eventContext(), {
      phone: m.phone,
      msgId: m.msgId,
      trackingId: m.trackingId,
      deliveryTime: m.deliveryTime ?? m.sentTime,
    })
    this.webhooks.emit(ev, { zns: true })
  }

  recordCs(userId: string, text: string): CsMessage {
    const m: CsMessage = { messageId: this.rng.hex(32), userId, text, sentTime: this.clock.now() }
    this.cs.push(m)
    if (this.settings.autoOaReceipts) {
      this.scheduler.after(this.settings.receiptDelayMs * this.settings.timeScale, () => {
        this.webhooks.emit(
          oaReceived(this.eventContext(), { userId, msgId: m.messageId, userIdByApp: this.registry.users.get(userId)?.userIdByApp }),
        )
      })
    }
    return m
  }

  /** Counters so tests can assert "never double-sends" (§7.2 step 13). */
  stats() {
    const byTrackingId: Record<string, number> = {}
    for (const m of this.sends) if (m.trackingId !== null) byTrackingId[m.trackingId] = (byTrackingId[m.trackingId] ?? 0) + 1
    const now = this.clock.now()
    return {
      sent: this.sends.length,
      delivered: this.sends.filter((m) => m.status === 1).length,
      duplicateTrackingIds: Object.entries(byTrackingId)
        .filter(([, n]) => n > 1)
        .map(([id]) => id),
      byTrackingId,
      cs: this.cs.length,
      requests: this.requests.length,
      quota: { dailyQuota: this.settings.dailyQuota, remainingQuota: this.quota.remaining(now, this.settings.dailyQuota) },
      webhook: {
        enabled: this.webhooks.enabled,
        delivered: this.webhooks.deliveries.filter((d) => d.state === 'delivered').length,
        failed: this.webhooks.deliveries.filter((d) => d.state === 'failed').length,
        pending: this.webhooks.deliveries.filter((d) => d.state === 'pending').length,
      },
      tokenRefreshes: this.tokens.history.length,
    }
  }

  releaseHeld(): void {
    for (const t of this.heldTimers) clearTimeout(t)
    this.heldTimers.clear()
    for (const res of this.held) res.socket?.destroy()
    this.held.clear()
  }

  async close(): Promise<void> {
    this.releaseHeld()
    this.scheduler.cancelAll()
    await this.webhooks.close()
  }
}
