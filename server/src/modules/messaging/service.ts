/**
 * Messaging service: the webhook inbox (store, then process asynchronously and idempotently — ZALO.md §8.4) and the
 * staff view of a round's invitations by Zalo/SMS. The sending itself is the outbox worker's.
 */
import type { AppDb } from '@app/db'
import { type RoundMessaging, type UnknownOutcomePolicy, type ZaloTemplateLimits, zaloTextLength } from '@app/shared'
import type { Config } from '../../config.js'
import { AppError, conflict, notFound } from '../../lib/app-error.js'
import type { Clock } from '../../lib/clock.js'
import type { AuditService } from '../audit/service.js'
import type { Actor } from '../policy.js'
import type { RoundService } from '../rounds/service.js'
import { applySent } from './outcomes.js'
import { createMessagingRepo } from './repo.js'
import { createTemplateLimitsStore, roundTitleMax } from './template-limits.js'
import { eventKey, parseJsonKeepBigInts, verifyZaloWebhook } from './webhook.js'
import { reasonVi } from './zalo-errors.js'

export interface WebhookLogger {
  warn(o: object, msg: string): void
  error(o: object, msg: string): void
}

const obj = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {})
const idStr = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : null)

export function createMessagingService(deps: {
  db: AppDb
  clock: Clock
  audit: AuditService
  rounds: RoundService
  config: Pick<Config, 'zalo' | 'sms'>
}) {
  const { db, clock, audit, rounds, config } = deps
  const repo = createMessagingRepo(db)
  let processing = false
  const templateLimits = createTemplateLimitsStore()

  /** The round-title limit while Zalo can send (a mode other than off and a usable token pair). */
  async function titleLimits(): Promise<ZaloTemplateLimits> {
    const connected = config.zalo.mode !== 'off' && (await repo.token('oa'))?.state === 'ok'
    if (!connected) return { connected: false, roundTitleMax: null, source: null }
    const snap = templateLimits.current()
    return { connected, roundTitleMax: roundTitleMax(snap.params), source: snap.source }
  }

  /** A ZNS delivery receipt (§3.2): the row is sent (it may have been `unknown`), the invitation delivered. */
  async function onReceipt(ev: Record<string, unknown>): Promise<void> {
    const msg = obj(ev.message)
    const trackingId = idStr(msg.tracking_id)
    const msgId = idStr(msg.msg_id)
    const row =
      (trackingId ? await repo.byTrackingId(trackingId) : undefined) ?? (msgId ? await repo.byProviderMessageId(msgId) : undefined)
    if (row?.channel !== 'zalo') return
    const dt = idStr(msg.delivery_time)
    // the receipt time is message.delivery_time, not the envelope timestamp (§0.6)
    const deliveredAt =
      dt && /^\d{10,13}$/.test(dt) ? new Date(dt.length === 13 ? Number(dt) : Number(dt) * 1000).toISOString() : clock.now().toISOString()
    await db.transaction(async (tx) => {
      // a receipt proves the send: settle an unknown/in-flight row, and cancel a pending resend of the same tracking_id
      if (
        await repo.transition(
          row.id,
          ['sending', 'unknown', 'pending', 'deferred'],
          { status: 'sent', providerMessageId: msgId, lastError: null },
          tx,
        )
      )
        await applySent(repo, row, clock.now().toISOString(), tx)
      if (row.kind === 'invitation' && row.invitationId) await repo.markDelivered(row.invitationId, deliveredAt, tx)
    })
  }

  async function processEvent(e: { eventId: string; eventName: string; source: string; payload: string }): Promise<void> {
    const ev = obj(parseJsonKeepBigInts(e.payload))
    const isZnsReceipt = e.eventName === 'user_received_message' && (e.source === 'zalo:zns' || idStr(obj(ev.message).tracking_id) !== null)
    if (isZnsReceipt) await onReceipt(ev)
    // every other event (OA receipts, user texts, follow, quota/template changes, unknown names) is stored only
  }

  /** Process stored events not yet processed; safe to call concurrently and repeatedly. */
  async function processPending(limit = 500): Promise<number> {
    if (processing) return 0
    processing = true
    try {
      let n = 0
      for (const e of await repo.unprocessedEvents(limit)) {
        try {
          await processEvent(e)
        } catch {
          // a poison event must not block the inbox; it stays stored for inspection
        }
        await repo.markEventProcessed(e.eventId, clock.now().toISOString())
        n++
      }
      return n
    } finally {
      processing = false
    }
  }

  function policyOf(r: { reminderMax: number | null; reminderGapHours: number | null; unknownOutcomePolicy: UnknownOutcomePolicy | null }) {
    return {
      reminderMax: r.reminderMax ?? config.zalo.reminders.max,
      reminderGapHours: r.reminderGapHours ?? config.zalo.reminders.gapHours,
      unknownOutcome: r.unknownOutcomePolicy ?? config.zalo.unknownOutcome,
    }
  }

  return {
    processPending,
    /** Filled by the sender whenever it reads the template's limits from Zalo (runtime.ts). */
    templateLimits,
    titleLimits,

    /**
     * A round title is the Zalo text's `round_name` and the resident page's heading: while Zalo is connected it must
     * fit the template's registered limit, or every invitation would carry a cut title. 422 with the limit.
     */
    async assertRoundTitleFits(title: string | undefined): Promise<void> {
      if (title === undefined) return
      const { roundTitleMax: max } = await titleLimits()
      const length = zaloTextLength(title)
      if (max !== null && length > max)
        throw new AppError(
          'title_too_long_for_zalo',
          `Tiêu đề dài ${length} ký tự; tin Zalo chỉ nhận tối đa ${max} ký tự cho tên đợt. Hãy rút gọn tiêu đề.`,
          422,
          { max, length },
        )
    },

    /**
     * Verify, dedupe and store one webhook delivery (§8.4 steps 1–6); processing happens after the 200.
     * Throws 401 for anything unauthenticated (bad/missing signature, wrong app, replay window).
     */
    /**
     * Verify, store once (event-id dedupe), process after. A POST with no signature header at all is what Zalo may send
     * to check a webhook URL when it is registered: answered 200 (`ignored`), nothing stored or processed.
     */
    async ingestZaloWebhook(
      raw: Buffer,
      headers: Record<string, string | string[] | undefined>,
    ): Promise<{ duplicate: boolean; ignored: boolean }> {
      const h = (k: string) => {
        const v = headers[k]
        return Array.isArray(v) ? v[0] : v
      }
      if (h('x-zevent-signature') === undefined) return { duplicate: false, ignored: true }
      const now = clock.now()
      const v = verifyZaloWebhook(raw, h('x-zevent-signature'), {
        appId: config.zalo.appId,
        oaSecretKey: config.zalo.oaSecretKey,
        nowMs: now.getTime(),
        maxAgeMs: config.zalo.webhookMaxAgeMinutes * 60_000,
      })
      if (!v.ok) {
        if (v.reason === 'invalid_json') throw new AppError('invalid_json', 'webhook body is not a JSON object', 400)
        throw new AppError('unauthorized', 'webhook signature rejected', 401, { reason: v.reason })
      }
      const zns = (h('x-zevent-server') ?? '').toUpperCase() === 'ZNS'
      const stored = await repo.storeEvent({
        eventId: eventKey(v.event, raw),
        source: zns ? 'zalo:zns' : 'zalo:oa',
        eventName: typeof v.event.event_name === 'string' ? v.event.event_name.slice(0, 100) : 'unknown',
        payload: raw.toString('utf8'),
        receivedAt: now.toISOString(),
      })
      if (stored) setImmediate(() => processPending())
      return { duplicate: !stored, ignored: false }
    },

    async summary(actor: Actor, roundId: string): Promise<RoundMessaging> {
      const r = await rounds.getVisible(actor, roundId)
      if (actor.role === 'collector' || actor.role === 'council') throw new AppError('not_found', 'round not found', 404)
      const inv = Object.fromEntries((await repo.invitationStatusCounts(r.id)).map((x) => [x.status, x]))
      const n = (s: string) => Number(inv[s]?.n ?? 0)
      let unknown = 0
      let deferred = 0
      let fellBackToSms = 0
      for (const c of await repo.outboxCounts(r.id)) {
        if (c.kind !== 'invitation') continue
        if (c.status === 'unknown') unknown += Number(c.n)
        if (c.status === 'deferred') deferred += Number(c.n)
        if (c.channel === 'sms' && Number(c.fallback) === 1 && c.status !== 'cancelled') fellBackToSms += Number(c.n)
      }
      const alerts: { code: string; message: string }[] = []
      if (r.messagingHaltedAt)
        alerts.push({
          code: 'round_halted',
          message: `Đã dừng gửi tin của đợt này: ${reasonVi(r.messagingHaltCode)}. Sửa cấu hình rồi bấm "Gửi lại".`,
        })
      const token = await repo.token('oa')
      if (config.zalo.mode !== 'off' && token?.state === 'needs_reconsent')
        alerts.push({ code: 'zalo_reconsent', message: reasonVi('auth_failed') })
      if (config.zalo.mode === 'off')
        alerts.push({ code: 'zalo_off', message: 'Kênh Zalo đang tắt (ZALO_MODE=off): tin Zalo chờ trong hàng đợi.' })
      const remindersSent = Object.values(inv).reduce((a, x) => a + Number(x.reminders ?? 0), 0)
      return {
        roundId: r.id,
        modes: { zalo: config.zalo.mode, sms: config.sms.mode },
        counts: {
          queued: n('queued'),
          sent: n('sent'),
          delivered: n('delivered'),
          failed: n('failed'),
          unknown,
          deferred,
          fellBackToSms,
          answered: await repo.answeredCount(r.id),
          revoked: n('revoked'),
          remindersSent,
        },
        policy: policyOf(r),
        alerts,
        failures: (await repo.failures(r.id, 200)).map((f) => ({
          invitationId: f.invitationId,
          householdId: f.householdId,
          householdCode: f.householdCode,
          villageId: f.villageId,
          channel: f.channel,
          kind: f.kind,
          status: f.status as 'failed' | 'unknown',
          code: f.lastError,
          reason: reasonVi(f.lastError),
          attempts: f.attempts,
        })),
      }
    },

    /** Re-queue a round's failed sends (live invitations of households that have not taken part) and lift a halt. */
    async retry(actor: Actor, roundId: string): Promise<{ retried: number }> {
      const r = await rounds.getManaged(actor, roundId)
      if (r.status !== 'open' && r.status !== 'draft') throw conflict('invalid_transition', `cannot retry sends of a ${r.status} round`)
      const now = clock.now().toISOString()
      return await db.transaction(async (tx) => {
        let retried = 0
        for (const row of await repo.retryableFailed(r.id, tx)) {
          if (!(await repo.transition(row.id, ['failed'], { status: 'pending', attempts: 0, nextAttemptAt: now, lastError: null }, tx)))
            continue
          if (row.kind === 'invitation' && row.invitationId)
            await repo.invitationUpdate(row.invitationId, { status: 'queued' }, ['failed'], tx)
          retried++
        }
        await repo.unhaltRound(r.id, tx)
        await audit.record(tx, { actorId: actor.id, action: 'messaging.retry', targetType: 'round', targetId: r.id, data: { retried } })
        return { retried }
      })
    },

    async setPolicy(
      actor: Actor,
      roundId: string,
      body: { reminderMax?: number | null; reminderGapHours?: number | null; unknownOutcome?: UnknownOutcomePolicy | null },
    ) {
      const r = await rounds.getManaged(actor, roundId)
      const patch = {
        ...(body.reminderMax !== undefined ? { reminderMax: body.reminderMax } : {}),
        ...(body.reminderGapHours !== undefined ? { reminderGapHours: body.reminderGapHours } : {}),
        ...(body.unknownOutcome !== undefined ? { unknownOutcomePolicy: body.unknownOutcome } : {}),
      }
      // An empty body changes nothing (it used to reach `UPDATE … SET` with no column: 500, found by fuzzing).
      if (Object.keys(patch).length > 0)
        await db.transaction(async (tx) => {
          await repo.setPolicy(r.id, patch, tx)
          await audit.record(tx, { actorId: actor.id, action: 'messaging.policy', targetType: 'round', targetId: r.id, data: patch })
        })
      const after = await rounds.findById(r.id)
      if (!after) throw notFound('round')
      return policyOf(after)
    },
  }
}
export type MessagingService = ReturnType<typeof createMessagingService>
