/**
 * Webhook emitter (ZALO.md §3.1, §3.3, §7.4). The body is serialized once and those exact bytes are signed:
 * `X-ZEvent-Signature: mac=` + sha256(app_id + rawBody + timestamp + OAsecretKey), plain SHA-256, not HMAC (§0.5).
 * Retries reuse the same bytes and signature on the ladder (scaled by timeScale); adversarial modes per §7.4.
 */
import { createHash, createHmac } from 'node:crypto'
import { Agent, request } from 'undici'
import type { Clock } from './clock.ts'
import type { WebhookEvent } from './events.ts'
import type { Rng } from './random.ts'
import type { Scheduler } from './scheduler.ts'
import type { Settings } from './settings.ts'

/** The §3.1 formula, over raw bytes. Exported so tests (ours and the client's) can check a signature. */
export function zaloMac(appId: string, rawBody: string | Buffer, timestamp: string, oaSecretKey: string): string {
  return createHash('sha256')
    .update(Buffer.concat([Buffer.from(appId, 'utf8'), Buffer.isBuffer(rawBody) ? rawBody : Buffer.from(rawBody, 'utf8')]))
    .update(timestamp, 'utf8')
    .update(oaSecretKey, 'utf8')
    .digest('hex')
}

/**
 * Adversarial modes (§7.4). Each must be rejected by a correct receiver except `pretty` and `no_mac_prefix`
 * (§8.4 step 2 accepts a bare hex value) — `pretty` sends unusual key order/whitespace correctly signed over the
 * sent bytes, so only receivers that re-serialize the parsed JSON fail it.
 */
export const TAMPERS = [
  'wrong_secret',
  'oa_id_as_app_id',
  'hmac',
  'no_mac_prefix',
  'missing_signature',
  'reserialized',
  'pretty',
  'stale_timestamp',
  'future_timestamp',
  'wrong_app_id',
] as const
export type Tamper = (typeof TAMPERS)[number]

export interface Attempt {
  numRetry: number
  /** fake-clock ms */
  at: number
  status?: number
  error?: string
}

export interface Delivery {
  id: number
  eventName: string
  zns: boolean
  /** The exact bytes sent (UTF-8). */
  body: string
  /** The `X-ZEvent-Signature` value, or null when the mode omits it. */
  signature: string | null
  tamper: Tamper | null
  state: 'pending' | 'delivered' | 'failed' | 'skipped'
  attempts: Attempt[]
  duplicateOf?: number
  /** The event before serialisation, to re-sign a retry with a fresh timestamp (`retryTimestamp: 'fresh'`). */
  event: WebhookEvent
}

export interface EmitOptions {
  /** ZNS events carry `X-ZEvent-Server: ZNS` (§0.5). */
  zns?: boolean
  tamper?: Tamper | null
  /** Deliver the identical bytes twice (§7.4 duplicate delivery). */
  duplicate?: boolean
  /** Extra simulated delay before the first attempt. */
  delayMs?: number
}

function reorderKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(reorderKeys)
  if (v && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>).reverse()
    return Object.fromEntries(entries.map(([k, x]) => [k, reorderKeys(x)]))
  }
  return v
}

export class WebhookEmitter {
  readonly deliveries: Delivery[] = []
  /** Cleared after the ladder is exhausted (§7.4 "mark the webhook disabled"); restored by reset or config. */
  enabled = true
  private agent = new Agent({ keepAliveTimeout: 1_000 })
  private nextId = 1

  constructor(
    private readonly settings: () => Settings,
    private readonly clock: Clock,
    private readonly rng: () => Rng,
    private readonly scheduler: Scheduler,
  ) {}

  /** Serialize + sign once, then schedule delivery. Returns the delivery records (two when duplicated). */
  emit(event: WebhookEvent, opts: EmitOptions = {}): Delivery[] {
    const s = this.settings()
    const d = this.prepare(event, opts.zns ?? false, opts.tamper !== undefined ? opts.tamper : s.webhook.tamper)
    this.deliveries.push(d)
    const dup = opts.duplicate ?? (s.webhook.duplicateRate > 0 && this.rng().next() < s.webhook.duplicateRate)
    const twin: Delivery | null = dup ? { ...d, id: this.nextId++, attempts: [], duplicateOf: d.id } : null
    if (twin) this.deliveries.push(twin)

    if (!s.webhook.url || !this.enabled) {
      d.state = 'skipped'
      if (twin) twin.state = 'skipped'
      return twin ? [d, twin] : [d]
    }
    const jitter = s.webhook.reorderJitterMs > 0 ? this.rng().int(s.webhook.reorderJitterMs) : 0
    const wait = ((opts.delayMs ?? 0) + jitter) * s.timeScale
    this.scheduler.after(wait, async () => {
      await this.attempt(d)
      if (twin) await this.attempt(twin)
    })
    return twin ? [d, twin] : [d]
  }

  /** Deliver now and wait for the first attempt (used for ordered sequences and bursts). */
  async emitNow(event: WebhookEvent, opts: EmitOptions = {}): Promise<Delivery[]> {
    const s = this.settings()
    const d = this.prepare(event, opts.zns ?? false, opts.tamper !== undefined ? opts.tamper : s.webhook.tamper)
    this.deliveries.push(d)
    const out = [d]
    if (opts.duplicate) {
      const twin = { ...d, id: this.nextId++, attempts: [], duplicateOf: d.id }
      this.deliveries.push(twin)
      out.push(twin)
    }
    if (!s.webhook.url || !this.enabled) {
      for (const x of out) x.state = 'skipped'
      return out
    }
    await this.scheduler.track(async () => {
      for (const x of out) await this.attempt(x)
    })
    return out
  }

  private prepare(event: WebhookEvent, zns: boolean, tamper: Tamper | null): Delivery {
    const s = this.settings()
    const ev: WebhookEvent = { ...event }
    const now = this.clock.now()
    if (tamper === 'stale_timestamp') ev.timestamp = String(now - s.webhook.staleMs)
    if (tamper === 'future_timestamp') ev.timestamp = String(now + s.webhook.futureMs)
    if (tamper === 'wrong_app_id') ev.app_id = '1111111111111111111'

    const canonical = JSON.stringify(ev)
    let sent = canonical
    let signed = canonical
    if (tamper === 'pretty') {
      sent = JSON.stringify(reorderKeys(ev), null, 2)
      signed = sent
    } else if (tamper === 'reserialized') {
      sent = JSON.stringify(reorderKeys(ev), null, 1)
    }

    const secret = tamper === 'wrong_secret' ? `${s.oaSecretKey}-wrong` : s.oaSecretKey
    const firstTerm = tamper === 'oa_id_as_app_id' ? s.oaId : ev.app_id
    const hex =
      tamper === 'hmac'
        ? createHmac('sha256', secret).update(signed, 'utf8').digest('hex')
        : zaloMac(firstTerm, signed, ev.timestamp, secret)
    const signature = tamper === 'missing_signature' ? null : tamper === 'no_mac_prefix' ? hex : `mac=${hex}`
    return {
      id: this.nextId++,
      eventName: ev.event_name,
      zns,
      body: sent,
      signature,
      tamper,
      state: 'pending',
      attempts: [],
      event,
    }
  }

  /**
   * What Zalo may do when a webhook URL is registered: POST an unsigned body to see that the URL answers [U].
   * Returns the receiver's status (or the error).
   */
  async registrationCheck(url = this.settings().webhook.url): Promise<{ status?: number; error?: string }> {
    if (!url) return { error: 'no webhook url' }
    const s = this.settings()
    const body = JSON.stringify({ app_id: s.appId, oa_id: s.oaId, event_name: 'webhook_verification', timestamp: String(this.clock.now()) })
    try {
      const res = await request(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        dispatcher: this.agent,
        signal: AbortSignal.timeout(s.webhook.timeoutMs),
      })
      await res.body.dump()
      return { status: res.statusCode }
    } catch (err) {
      return { error: err instanceof Error ? err.message : String(err) }
    }
  }

  /** One POST; on a non-success answer or timeout schedule the next rung of the ladder (§3.3). */
  private async attempt(d: Delivery): Promise<void> {
    const s = this.settings()
    const url = s.webhook.url
    if (!url || !this.enabled) {
      d.state = 'skipped'
      return
    }
    const numRetry = d.attempts.length
    if (numRetry > 0 && s.webhook.retryTimestamp === 'fresh') {
      // a retry stamped now and signed again (the tamper, if any, is kept)
      const again = this.prepare({ ...d.event, timestamp: String(this.clock.now()) }, d.zns, d.tamper)
      d.body = again.body
      d.signature = again.signature
    }
    const a: Attempt = { numRetry, at: this.clock.now() }
    d.attempts.push(a)
    const headers: Record<string, string> = { 'content-type': 'application/json' }
    if (d.signature !== null) headers['x-zevent-signature'] = d.signature
    if (d.zns) headers['x-zevent-server'] = 'ZNS'
    if (s.webhook.numRetryHeader) headers.num_retry = String(numRetry)
    try {
      const res = await request(url, {
        method: 'POST',
        headers,
        body: d.body,
        dispatcher: this.agent,
        signal: AbortSignal.timeout(s.webhook.timeoutMs),
      })
      await res.body.dump()
      a.status = res.statusCode
    } catch (err) {
      a.error = err instanceof Error ? `${err.name}: ${err.message}` : String(err)
    }
    const ok = a.status !== undefined && (s.webhook.success === '200' ? a.status === 200 : a.status >= 200 && a.status < 300)
    if (ok) {
      d.state = 'delivered'
      return
    }
    const wait = s.webhook.ladderMs[numRetry]
    if (wait === undefined) {
      d.state = 'failed'
      if (s.webhook.disableOnExhaustion) this.enabled = false
      return
    }
    this.scheduler.after(wait * s.timeScale, () => this.attempt(d))
  }

  reset(): void {
    this.deliveries.length = 0
    this.enabled = true
    this.nextId = 1
  }

  async close(): Promise<void> {
    await this.agent.close()
  }
}
