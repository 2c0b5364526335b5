/**
 * The outbox worker (ZALO.md §8.2–§8.3), run inside the server process.
 *
 * Rows move `pending → sending → sent | failed | deferred | unknown` (or `cancelled`). A row becomes `sending` only
 * after the rate limiter has granted a slot and right before its HTTP call, so a crash leaves as few rows as
 * possible in doubt; on start-up any row still `sending` becomes `unknown` and is resolved by the unknown-outcome
 * rule: wait for a delivery receipt carrying its tracking_id, then resend once (same tracking_id) or fall back to
 * SMS, per round policy — never a blind resend, because Zalo does not dedupe tracking_id (§0.9).
 *
 * Send-time checks (revoked, household already took part, round closed) run after the row is claimed, so a staff
 * revoke or a ballot that lands while the row waits is honoured. Sends happen only inside the VN sending window.
 */
import { type AppDb, isPostgres, onceInCluster, PG_LOCK_KEYS } from '@app/db'
import { nextVnHour, nextVnMidnight, type UnknownOutcomePolicy } from '@app/shared'
import type { Clock } from '../../lib/clock.js'
import { applySent } from './outcomes.js'
import { normalizePhone } from './phone.js'
import { backoffMs, sleep, TokenBucket } from './rate.js'
import { type Channel, createMessagingRepo, type OutboxPayload, type OutboxRow, payloadOf, type SendContext } from './repo.js'
import { inSendWindow, nextWindowOpen } from './send-window.js'
import { type SmsProvider, smsText } from './sms.js'
import type { SmsTemplates } from './sms-templates.js'
import { buildTemplateData, SURVEY_TEMPLATE_PARAMS } from './template-data.js'
import type { TemplateLimits } from './template-limits.js'
import type { TokenManager } from './token-manager.js'
import { deferralKind, SMS_FALLBACK_CODES } from './zalo-errors.js'
import type { ZaloSend, ZaloSendResult } from './zalo-sender.js'

export interface WorkerPolicy {
  templateId: string
  ratePerSec: number
  sendHours: { start: number; end: number }
  reminders: { max: number; gapHours: number }
  unknownOutcome: UnknownOutcomePolicy
  receiptWaitMinutes: number
  retry: { maxAttempts: number; baseMs: number; capMs: number }
  pollMs: number
  /** Parallel HTTP calls (the token bucket sets the rate; this only has to cover the latency). */
  concurrency?: number
  /**
   * PostgreSQL: how long a claimed row stays leased to this instance before another may take it for crashed
   * (→ unknown). Must outlast a send (template limits read + HTTP call, each bounded by the request timeout).
   */
  leaseMs?: number
}

export interface WorkerLogger {
  info(o: object, msg: string): void
  warn(o: object, msg: string): void
  error(o: object, msg: string): void
}

export interface OutboxWorkerDeps {
  db: AppDb
  clock: Clock
  policy: WorkerPolicy
  /** null when ZALO_MODE=off: Zalo rows wait. */
  zalo: { send: ZaloSend; tokens: TokenManager; limits?: TemplateLimits } | null
  /** null when SMS is off: no fallback. */
  sms: SmsProvider | null
  /** The registered SMS texts (SMS_TEMPLATES_JSON); default: the demo gateway's. */
  smsTemplates?: SmsTemplates
  log: WorkerLogger
  /** Called every pass: process webhook events left unprocessed (e.g. by a crash). */
  sweepInbox?: () => void
  random?: () => number
}

const MINUTE = 60_000
const JITTER_MS = 5 * MINUTE
const LEASE_MS = 10 * MINUTE

export function createOutboxWorker(deps: OutboxWorkerDeps) {
  const { db, clock, policy, log } = deps
  const repo = createMessagingRepo(db)
  const random = deps.random ?? Math.random
  const concurrency = policy.concurrency ?? 8
  // several instances may share a PostgreSQL outbox: claims carry a lease, recovery takes only expired ones
  const shared = isPostgres(db)
  const leaseMs = policy.leaseMs ?? LEASE_MS
  /** Rows this instance claimed and has not finished with: in doubt after a kill, recovered by the next start. */
  const held = new Set<string>()
  const buckets: Record<Channel, TokenBucket> = {
    zalo: new TokenBucket(policy.ratePerSec),
    sms: new TokenBucket(policy.ratePerSec),
  }
  /** Clock ms until which Zalo sends pause (daily quota, auth trouble). */
  let zaloPausedUntil = 0
  let running = false
  let stopping = false
  let killed = false
  /** Aborts waits (rate limiter, poll sleep) on stop; HTTP calls are aborted only by kill. */
  let stopCtl = new AbortController()
  let killCtl = new AbortController()
  let loopDone: Promise<void> | null = null
  const inflight = new Set<Promise<void>>()
  let lastReminderScan = Number.NEGATIVE_INFINITY

  const nowMs = () => clock.now().getTime()
  const iso = (ms: number) => new Date(ms).toISOString()
  const jitter = () => Math.floor(random() * JITTER_MS)

  // ── outcomes ─────────────────────────────────────────────────────────────────────────────────────────────
  /** sending → sent and the invitation's side effects, in one transaction; no-op if a receipt got there first. */
  async function finishSent(row: OutboxRow, providerMessageId: string): Promise<void> {
    const at = iso(nowMs())
    await db.transaction(async (tx) => {
      if (!(await repo.transition(row.id, ['sending'], { status: 'sent', providerMessageId, lastError: null }, tx))) return
      await applySent(repo, row, at, tx)
    })
  }

  async function failRow(row: OutboxRow, code: string, opts: { invitationFailed: boolean }): Promise<void> {
    await db.transaction(async (tx) => {
      if (!(await repo.transition(row.id, ['sending', 'unknown'], { status: 'failed', lastError: code }, tx))) return
      if (opts.invitationFailed && row.invitationId && row.kind === 'invitation')
        await repo.invitationUpdate(row.invitationId, { status: 'failed' }, ['queued'], tx)
    })
  }

  async function cancelRow(row: OutboxRow, reason: string): Promise<void> {
    // cancelled because the household answered: keep the day only, or the row would time the answer (TRUST.md §2.1)
    const patch = reason === 'answered' ? { updatedAt: iso(nowMs()).slice(0, 10) } : {}
    await repo.transition(row.id, ['sending', 'unknown', 'pending', 'deferred'], { status: 'cancelled', lastError: reason, ...patch })
  }

  /** A Zalo row that cannot reach the recipient → an SMS row for the same invitation and kind (ZALO.md §8.2). */
  async function fallBackToSms(row: OutboxRow, code: string): Promise<boolean> {
    if (!deps.sms || !row.invitationId) return false
    const p = payloadOf(row)
    const n = p.reminder
    const payload: OutboxPayload = { phone: p.phone, url: p.url, roundId: p.roundId, fallbackFrom: code, ...(n ? { reminder: n } : {}) }
    return await db.transaction(async (tx) => {
      if (!(await repo.transition(row.id, ['sending', 'unknown'], { status: 'failed', lastError: code }, tx))) return false
      const trackingId = n ? `smsrem${n}${row.invitationId}` : `sms${row.invitationId}`
      const fresh = {
        invitationId: row.invitationId,
        channel: 'sms' as const,
        kind: row.kind,
        trackingId,
        payload,
        nextAttemptAt: iso(nowMs()),
      }
      if (!(await repo.insertIfAbsent(fresh, tx))) {
        // a later reminder: the (invitation, sms, reminder) row of an earlier one is re-armed
        const prev = (await repo.forInvitation(row.invitationId!, tx)).find((r) => r.channel === 'sms' && r.kind === row.kind)
        if (prev && prev.trackingId !== trackingId)
          await repo.rearm(prev.id, { trackingId, payload, nextAttemptAt: fresh.nextAttemptAt }, tx)
      }
      return true
    })
  }

  async function retryLater(row: OutboxRow, code: string): Promise<void> {
    if (row.attempts >= policy.retry.maxAttempts) {
      await failRow(row, 'transient_exhausted', { invitationFailed: true })
      log.warn({ outboxId: row.id, code, attempts: row.attempts }, 'outbox: giving up after repeated transient errors')
      return
    }
    const at = nowMs() + backoffMs(row.attempts, policy.retry, random)
    await repo.transition(row.id, ['sending'], { status: 'pending', nextAttemptAt: iso(at), lastError: code })
  }

  async function handleZalo(row: OutboxRow, ctx: SendContext, r: ZaloSendResult): Promise<void> {
    if (r.ok) {
      await finishSent(row, r.msgId)
      if (r.quota && r.quota.remainingQuota <= 0) {
        zaloPausedUntil = nextVnMidnight(nowMs()) + jitter()
        log.warn({ until: iso(zaloPausedUntil) }, 'zalo: daily quota used up, pausing until the next VN day')
      }
      return
    }
    const code = r.code
    switch (r.class) {
      case 'deferred': {
        const now = nowMs()
        const kind = deferralKind(Number(code.slice(5)))
        // night ban → next 06:00 VN (not before our own window opens); daily quota → next 00:00 VN (§8.2)
        const base =
          kind === 'daily' ? nextVnMidnight(now) : Math.max(nextVnHour(now, 6), nextWindowOpen(nextVnHour(now, 6), policy.sendHours))
        const until = base + jitter()
        // the whole channel is blocked until then: pause instead of collecting the same answer row by row
        zaloPausedUntil = Math.max(zaloPausedUntil, base)
        await repo.transition(row.id, ['sending'], {
          status: 'deferred',
          nextAttemptAt: iso(until),
          lastError: code,
          // a deferral is not a failed attempt
          attempts: Math.max(0, row.attempts - 1),
        })
        return
      }
      case 'transient':
        await retryLater(row, code)
        return
      case 'auth':
        // the row is fine; the token is not. Put it back and pause Zalo; token state tells staff what to do.
        await repo.transition(row.id, ['sending'], {
          status: 'pending',
          nextAttemptAt: iso(nowMs() + MINUTE),
          lastError: code,
          attempts: Math.max(0, row.attempts - 1),
        })
        zaloPausedUntil = Math.max(zaloPausedUntil, nowMs() + MINUTE)
        return
      case 'recipient': {
        const n = Number(code.slice(5))
        if (SMS_FALLBACK_CODES.has(n) && (await fallBackToSms(row, code))) return
        await failRow(row, code, { invitationFailed: true })
        return
      }
      case 'config':
        await failRow(row, code, { invitationFailed: true })
        await repo.haltRound(ctx.round.id, iso(nowMs()), code)
        log.error({ roundId: ctx.round.id, code }, 'zalo: configuration error, the round dispatcher is stopped until staff retry')
        return
      case 'unknown_outcome':
        await repo.transition(row.id, ['sending'], {
          status: 'unknown',
          nextAttemptAt: iso(nowMs() + policy.receiptWaitMinutes * MINUTE),
          lastError: 'unknown_outcome',
        })
        log.warn({ outboxId: row.id, code }, 'zalo: outcome unknown, waiting for a receipt before any resend')
        return
    }
  }

  // ── one row ──────────────────────────────────────────────────────────────────────────────────────────────
  /** Send-time checks: the state may have changed since the row was queued. */
  async function checkStillWanted(row: OutboxRow, ctx: SendContext | undefined): Promise<'deferred' | 'cancelled' | 'ok'> {
    if (!ctx) {
      await cancelRow(row, 'invitation_missing')
      return 'cancelled'
    }
    const { invitation: inv, round } = ctx
    const now = nowMs()
    const reason = inv.revoked
      ? 'revoked'
      : ctx.participated || inv.status === 'used'
        ? 'answered'
        : round.status !== 'open' && round.status !== 'draft'
          ? 'round_closed'
          : new Date(round.closesAt).getTime() <= now
            ? 'round_closed'
            : !ctx.household.active
              ? 'household_inactive'
              : null
    if (reason) {
      await cancelRow(row, reason)
      return 'cancelled'
    }
    if (round.status === 'draft') {
      // links of a draft round would answer "not open yet": wait for the round to open
      await repo.transition(row.id, ['sending'], {
        status: 'deferred',
        nextAttemptAt: iso(now + 15 * MINUTE),
        lastError: 'round_not_open',
        attempts: Math.max(0, row.attempts - 1),
      })
      return 'deferred'
    }
    return 'ok'
  }

  async function processOne(id: string, channel: Channel): Promise<void> {
    try {
      await buckets[channel].take(stopCtl.signal)
    } catch {
      return
    }
    if (killed || stopping) return
    const row = await repo.claim(id, iso(nowMs() + leaseMs))
    if (!row) return
    held.add(row.id)
    try {
      await sendClaimed(row)
    } finally {
      // killed: the row may still be `sending`, and is this instance's to recover on its next start
      if (!killed) held.delete(row.id)
    }
  }

  async function sendClaimed(row: OutboxRow): Promise<void> {
    const ctx = row.invitationId ? await repo.sendContext(row.invitationId) : undefined
    if ((await checkStillWanted(row, ctx)) !== 'ok' || !ctx) return
    if (row.channel === 'zalo' && (ctx.round.messagingHaltedAt || !deps.zalo || nowMs() < zaloPausedUntil)) {
      // halted (config error) or paused since the batch was read: give the row back untouched (due now: on
      // PostgreSQL its next_attempt_at holds the lease)
      await repo.transition(row.id, ['sending'], {
        status: 'pending',
        attempts: Math.max(0, row.attempts - 1),
        ...(shared ? { nextAttemptAt: iso(nowMs()) } : {}),
      })
      return
    }
    const p = payloadOf(row)
    const phone = normalizePhone(p.phone ?? ctx.household.phone)
    if (!phone) {
      await failRow(row, p.phone || ctx.household.phone ? 'phone_invalid' : 'phone_missing', { invitationFailed: true })
      return
    }
    if (row.channel === 'zalo' && deps.zalo) {
      const params = deps.zalo.limits ? await deps.zalo.limits.forRound(ctx.round.id) : SURVEY_TEMPLATE_PARAMS
      // killed while reading the limits: like a crash, the row stays `sending` for the next start-up
      if (killed) return
      const td = buildTemplateData(params, {
        customer_name: ctx.household.headName,
        round_name: p.reminder ? `Nhắc lại: ${ctx.round.title}` : ctx.round.title,
        survey_url: p.url,
      })
      if (!td.ok) {
        await failRow(row, td.code, { invitationFailed: true })
        return
      }
      const r = await deps.zalo.send(
        { phone, template_id: policy.templateId, template_data: td.data, tracking_id: row.trackingId },
        killCtl.signal,
      )
      // killed: behave like a crash — leave the row `sending` for the next start-up to resolve
      if (killed) return
      await handleZalo(row, ctx, r)
      return
    }
    if (!deps.sms || !p.url) {
      await failRow(row, 'sms_off', { invitationFailed: true })
      return
    }
    const text = smsText(
      { communeName: ctx.communeName, url: p.url, closesAt: ctx.round.closesAt, reminder: p.reminder },
      deps.smsTemplates,
    )
    const r = await deps.sms.send({ phone, text, requestId: row.trackingId }, killCtl.signal)
    if (killed) return
    if (r.ok) await finishSent(row, r.id)
    else if (r.class === 'transient') await retryLater(row, r.code)
    else {
      await failRow(row, r.code, { invitationFailed: true })
      if (r.class === 'config') log.error({ code: r.code }, 'sms: gateway configuration error')
    }
  }

  // ── unknown outcomes whose receipt never came ─────────────────────────────────────────────────────────────
  async function resolveUnknown(now: number): Promise<void> {
    for (const row of await repo.dueUnknown(iso(now), 200)) {
      if (row.channel === 'sms') {
        // the gateway dedupes RequestId: resending is safe
        await repo.transition(row.id, ['unknown'], { status: 'pending', nextAttemptAt: iso(now) })
        continue
      }
      const ctx = row.invitationId ? await repo.sendContext(row.invitationId) : undefined
      if (!ctx || ctx.invitation.revoked || ctx.participated || ctx.invitation.status === 'used') {
        await cancelRow(row, !ctx ? 'invitation_missing' : ctx.invitation.revoked ? 'revoked' : 'answered')
        continue
      }
      const p = payloadOf(row)
      const policyNow = ctx.round.unknownOutcomePolicy ?? policy.unknownOutcome
      const resends = p.unknownResends ?? 0
      if (policyNow === 'resend' && resends < 1) {
        // resend once with the same tracking_id, accepting a small duplicate risk (§8.3)
        await repo.transition(row.id, ['unknown'], {
          status: 'pending',
          nextAttemptAt: iso(now),
          payload: { ...p, unknownResends: resends + 1 },
        })
        log.warn({ outboxId: row.id }, 'zalo: no receipt after an unknown outcome, resending once with the same tracking_id')
      } else if (!(await fallBackToSms(row, 'unknown_outcome'))) {
        await failRow(row, 'unknown_outcome', { invitationFailed: true })
      }
    }
  }

  // ── reminders ────────────────────────────────────────────────────────────────────────────────────────────
  /**
   * Arm the reminders that are due. With several instances on PostgreSQL one of them scans at a time and the others
   * skip their scan (an advisory lock): two scans reading the same invitations would both arm its next reminder.
   */
  async function scheduleReminders(now: number): Promise<number> {
    const scan = await onceInCluster(db, PG_LOCK_KEYS.reminderScan, () => armReminders(now))
    return scan.ran ? scan.value : 0
  }
  async function armReminders(now: number): Promise<number> {
    let armed = 0
    for (const c of await repo.reminderCandidates(iso(now), policy.reminders)) {
      const max = c.reminderMax ?? policy.reminders.max
      const gapMs = (c.reminderGapHours ?? policy.reminders.gapHours) * 3_600_000
      if (c.reminderCount >= max) continue
      const last = new Date(c.lastRemindedAt ?? c.sentAt ?? 0).getTime()
      if (now - last < gapMs) continue
      const rows = await repo.forInvitation(c.id)
      // remind on the channel that reached the household: the SMS fallback if there was one
      const via =
        rows.find((r) => r.kind === 'invitation' && r.status === 'sent' && r.channel === 'sms') ??
        rows.find((r) => r.kind === 'invitation' && r.status === 'sent')
      if (!via) continue
      const n = c.reminderCount + 1
      const src = payloadOf(via)
      const payload: OutboxPayload = { phone: src.phone, url: src.url, roundId: src.roundId, reminder: n }
      const trackingId = `${via.channel === 'sms' ? 'smsrem' : 'rem'}${n}${c.id}`
      const existing = rows.find((r) => r.kind === 'reminder' && r.channel === via.channel)
      const ok = await (existing
        ? repo.rearm(existing.id, { trackingId, payload, nextAttemptAt: iso(now) })
        : repo.insertIfAbsent({ invitationId: c.id, channel: via.channel, kind: 'reminder', trackingId, payload, nextAttemptAt: iso(now) }))
      if (ok) armed++
    }
    return armed
  }

  async function recoverLeases(now: number, mine: string[]): Promise<void> {
    const recovered = await repo.recoverExpiredLeases(iso(now), iso(now + policy.receiptWaitMinutes * MINUTE), mine)
    if (recovered > 0) log.warn({ recovered }, 'outbox: rows whose sender crashed are now unknown (waiting for receipts)')
  }

  // ── the loop ─────────────────────────────────────────────────────────────────────────────────────────────
  async function channelsOpen(now: number): Promise<Channel[]> {
    if (!inSendWindow(now, policy.sendHours)) return []
    const out: Channel[] = []
    if (deps.zalo && now >= zaloPausedUntil && (await deps.zalo.tokens.state()) === 'ok') out.push('zalo')
    if (deps.sms) out.push('sms')
    return out
  }

  /** One pass: reminders, unknown outcomes, inbox sweep, then a batch of due rows. Returns rows attempted. */
  async function runOnce(): Promise<number> {
    const now = nowMs()
    const real = performance.now()
    if (real - lastReminderScan >= 5_000) {
      lastReminderScan = real
      await scheduleReminders(now)
    }
    if (shared) await recoverLeases(now, [])
    await resolveUnknown(now)
    deps.sweepInbox?.()
    // lanes pull from a shared queue refilled from the DB, so one slow call never holds back the others
    const queue: { id: string; channel: Channel }[] = []
    const seen = new Set<string>()
    let attempted = 0
    let exhausted = false
    // one refill at a time: lanes finding the queue empty together wait for the same read (else all but the first
    // read the same rows, drop them as seen, and take the empty remainder for the end of the work)
    let refilling: Promise<void> | undefined
    const refill = () =>
      (refilling ??= (async () => {
        const channels = await channelsOpen(nowMs())
        const batch = (await repo.dueIdsWithChannel(iso(nowMs()), channels, concurrency * 4)).filter((d) => !seen.has(d.id))
        if (batch.length === 0) exhausted = true
        for (const d of batch) {
          seen.add(d.id)
          queue.push(d)
        }
      })().finally(() => {
        refilling = undefined
      }))
    const lane = async () => {
      while (!stopping && !killed) {
        if (queue.length === 0 && !exhausted) await refill()
        const d = queue.shift()
        if (!d) {
          if (exhausted) return
          continue
        }
        if (d.channel === 'zalo' && nowMs() < zaloPausedUntil) continue
        attempted++
        await processOne(d.id, d.channel)
      }
    }
    await Promise.all(Array.from({ length: concurrency }, lane))
    return attempted
  }

  async function loop(): Promise<void> {
    while (running && !killed) {
      let n = 0
      try {
        const p = runOnce()
        const tracked = p.then(
          () => undefined,
          () => undefined,
        )
        inflight.add(tracked)
        void tracked.then(() => inflight.delete(tracked))
        n = await p
      } catch (err) {
        log.error({ err }, 'outbox worker pass failed')
      }
      if (n === 0 && running) await sleep(policy.pollMs, stopCtl.signal).catch(() => undefined)
    }
  }

  return {
    repo,
    /** Recover rows left `sending` by a crash (→ unknown), then loop. */
    async start(): Promise<void> {
      if (running) return
      killed = false
      stopping = false
      running = true
      stopCtl = new AbortController()
      killCtl = new AbortController()
      if (shared) {
        // other instances may be sending right now: only expired leases and this instance's own rows are in doubt
        await recoverLeases(nowMs(), [...held])
        held.clear()
      } else {
        const recovered = await repo.recoverSending(iso(nowMs() + policy.receiptWaitMinutes * MINUTE))
        if (recovered > 0) log.warn({ recovered }, 'outbox: rows left sending by a crash are now unknown (waiting for receipts)')
      }
      loopDone = loop()
    },
    /** Graceful: stop claiming, let in-flight calls finish (each bounded by the request timeout). */
    async stop(): Promise<void> {
      stopping = true
      running = false
      stopCtl.abort(new Error('stopping'))
      await loopDone
      await Promise.all(inflight)
    },
    /** Simulate a crash (tests): abort in-flight calls and write nothing more. */
    async kill(): Promise<void> {
      killed = true
      stopping = true
      running = false
      stopCtl.abort(new Error('killed'))
      killCtl.abort(new Error('killed'))
      await loopDone?.catch(() => undefined)
    },
    runOnce,
    scheduleReminders: (at?: number) => scheduleReminders(at ?? nowMs()),
    resolveUnknown: (at?: number) => resolveUnknown(at ?? nowMs()),
    pausedUntil: () => zaloPausedUntil,
    get running() {
      return running
    },
  }
}
export type OutboxWorker = ReturnType<typeof createOutboxWorker>
