/** All SQL of the messaging module: outbox, Zalo tokens, webhook inbox, and the invitation/round columns it owns. */
import {
  affected,
  type Conn,
  first,
  households,
  invitations,
  isPostgres,
  outbox,
  participations,
  rounds,
  units,
  webhookEvents,
  zaloTokens,
} from '@app/db'
import type { UnknownOutcomePolicy } from '@app/shared'
import { and, asc, eq, gt, inArray, isNull, lte, ne, or, sql } from 'drizzle-orm'

export type OutboxRow = typeof outbox.$inferSelect
export type OutboxStatus = OutboxRow['status']
export type Channel = OutboxRow['channel']
export type ZaloTokenRow = typeof zaloTokens.$inferSelect

/** The outbox payload (written by the invitations service; never logged: it holds the phone and the link). */
export interface OutboxPayload {
  phone?: string | null
  url?: string
  roundId?: string
  /** The reminder number (1, 2…) for `kind = reminder`. */
  reminder?: number
  /** Set on SMS rows created because Zalo could not reach the recipient: the Zalo code. */
  fallbackFrom?: string
  /** How many times an unknown-outcome send was resent (at most once, ZALO.md §8.3). */
  unknownResends?: number
}

export function payloadOf(row: Pick<OutboxRow, 'payload'>): OutboxPayload {
  const p = row.payload
  return p && typeof p === 'object' ? (p as OutboxPayload) : {}
}

export interface SendContext {
  invitation: typeof invitations.$inferSelect
  round: typeof rounds.$inferSelect
  household: { headName: string; phone: string | null; active: boolean }
  communeName: string
  participated: boolean
}

export function createMessagingRepo(db: Conn) {
  return {
    // ── tokens ────────────────────────────────────────────────────────────────────────────────────────────
    async token(id: string, tx: Conn = db): Promise<ZaloTokenRow | undefined> {
      return await first(tx.select().from(zaloTokens).where(eq(zaloTokens.id, id)))
    },
    async insertToken(row: typeof zaloTokens.$inferInsert, tx: Conn = db): Promise<void> {
      await tx.insert(zaloTokens).values(row).onConflictDoNothing()
    },
    /** Compare-and-swap on the refresh token, so two writers can never both rotate from the same pair. */
    async rotateToken(
      id: string,
      expectRefresh: string,
      next: { accessToken: string; refreshToken: string; accessExpiresAt: string; rotatedAt: string },
      tx: Conn = db,
    ): Promise<boolean> {
      const r = await tx
        .update(zaloTokens)
        .set({ ...next, state: 'ok', lastError: null })
        .where(and(eq(zaloTokens.id, id), eq(zaloTokens.refreshToken, expectRefresh)))
      return affected(r) > 0
    },
    async setTokenState(id: string, state: ZaloTokenRow['state'], lastError: string | null, tx: Conn = db): Promise<void> {
      await tx.update(zaloTokens).set({ state, lastError }).where(eq(zaloTokens.id, id))
    },

    // ── outbox: claiming and finishing ───────────────────────────────────────────────────────────────────
    /** After a crash, rows still `sending` may or may not have reached Zalo: they become `unknown` (ZALO.md §8.3). */
    async recoverSending(untilIso: string, tx: Conn = db): Promise<number> {
      return affected(
        await tx
          .update(outbox)
          .set({ status: 'unknown', nextAttemptAt: untilIso, lastError: 'unknown_outcome' })
          .where(eq(outbox.status, 'sending')),
      )
    },
    /** Ids of rows due now on the given channels, oldest first; rows of halted rounds wait (Zalo only). */
    async dueIdsWithChannel(
      nowIso: string,
      channels: Channel[],
      limit: number,
      tx: Conn = db,
    ): Promise<{ id: string; channel: Channel }[]> {
      if (channels.length === 0) return []
      return await tx
        .select({ id: outbox.id, channel: outbox.channel })
        .from(outbox)
        .leftJoin(invitations, eq(invitations.id, outbox.invitationId))
        .leftJoin(rounds, eq(rounds.id, invitations.roundId))
        .where(
          and(
            inArray(outbox.status, ['pending', 'deferred']),
            lte(outbox.nextAttemptAt, nowIso),
            inArray(outbox.channel, channels),
            or(eq(outbox.channel, 'sms'), isNull(rounds.messagingHaltedAt)),
          ),
        )
        .orderBy(asc(outbox.nextAttemptAt), asc(outbox.id))
        .limit(limit)
    },
    async dueUnknown(nowIso: string, limit: number, tx: Conn = db): Promise<OutboxRow[]> {
      return await tx
        .select()
        .from(outbox)
        .where(and(eq(outbox.status, 'unknown'), lte(outbox.nextAttemptAt, nowIso)))
        .orderBy(asc(outbox.nextAttemptAt))
        .limit(limit)
    },
    /**
     * pending|deferred → sending, attempts + 1; undefined when another worker (or a cancel) got there first.
     *
     * On PostgreSQL several instances drain the same outbox: the row is locked with FOR UPDATE SKIP LOCKED (a row
     * another instance is claiming right now is skipped, not waited for) and moved to `sending` in the same
     * statement, with a lease: next_attempt_at becomes `leaseUntilIso`, the time after which any instance may
     * treat the row as left by a crashed one (recoverExpiredLeases). SQLite has one process: no lease there.
     */
    async claim(id: string, leaseUntilIso: string, tx: Conn = db): Promise<OutboxRow | undefined> {
      if (isPostgres(tx))
        return await first(
          tx
            .update(outbox)
            .set({ status: 'sending', attempts: sql`${outbox.attempts} + 1`, nextAttemptAt: leaseUntilIso })
            .where(
              and(
                inArray(outbox.status, ['pending', 'deferred']),
                sql`${outbox.id} = (select o.id from ${outbox} o where o.id = ${id} and o.status in ('pending', 'deferred') for update skip locked)`,
              ),
            )
            .returning(),
        )
      return await first(
        tx
          .update(outbox)
          .set({ status: 'sending', attempts: sql`${outbox.attempts} + 1` })
          .where(and(eq(outbox.id, id), inArray(outbox.status, ['pending', 'deferred'])))
          .returning(),
      )
    },
    /**
     * PostgreSQL, several instances: `sending` rows whose lease ran out (their instance crashed or hung), or that
     * this instance itself held when it stopped, become `unknown` — never rows another live instance is sending.
     */
    async recoverExpiredLeases(nowIso: string, untilIso: string, mine: string[], tx: Conn = db): Promise<number> {
      return affected(
        await tx
          .update(outbox)
          .set({ status: 'unknown', nextAttemptAt: untilIso, lastError: 'unknown_outcome' })
          .where(
            and(
              eq(outbox.status, 'sending'),
              mine.length > 0 ? or(lte(outbox.nextAttemptAt, nowIso), inArray(outbox.id, mine)) : lte(outbox.nextAttemptAt, nowIso),
            ),
          ),
      )
    },
    /** Move a row on only if it is still in one of `from`; returns whether it moved. */
    async transition(id: string, from: OutboxStatus[], patch: Partial<typeof outbox.$inferInsert>, tx: Conn = db): Promise<boolean> {
      return (
        affected(
          await tx
            .update(outbox)
            .set(patch)
            .where(and(eq(outbox.id, id), inArray(outbox.status, from))),
        ) > 0
      )
    },
    async byId(id: string, tx: Conn = db): Promise<OutboxRow | undefined> {
      return await first(tx.select().from(outbox).where(eq(outbox.id, id)))
    },
    async byTrackingId(trackingId: string, tx: Conn = db): Promise<OutboxRow | undefined> {
      return await first(tx.select().from(outbox).where(eq(outbox.trackingId, trackingId)))
    },
    async byProviderMessageId(msgId: string, tx: Conn = db): Promise<OutboxRow | undefined> {
      return await first(tx.select().from(outbox).where(eq(outbox.providerMessageId, msgId)))
    },
    async forInvitation(invitationId: string, tx: Conn = db): Promise<OutboxRow[]> {
      return await tx.select().from(outbox).where(eq(outbox.invitationId, invitationId))
    },
    /** Insert a row unless (invitation, channel, kind) already has one; returns whether it was inserted. */
    async insertIfAbsent(row: typeof outbox.$inferInsert, tx: Conn = db): Promise<boolean> {
      return affected(await tx.insert(outbox).values(row).onConflictDoNothing()) > 0
    },
    /** Re-arm a finished row for the next reminder (one row per invitation × channel × kind, unique). */
    async rearm(id: string, patch: { trackingId: string; payload: OutboxPayload; nextAttemptAt: string }, tx: Conn = db): Promise<boolean> {
      return (
        affected(
          await tx
            .update(outbox)
            .set({ ...patch, status: 'pending', attempts: 0, lastError: null, providerMessageId: null })
            .where(and(eq(outbox.id, id), inArray(outbox.status, ['sent', 'failed', 'cancelled']))),
        ) > 0
      )
    },

    /** Everything the send-time checks need, in one read. */
    async sendContext(invitationId: string, tx: Conn = db): Promise<SendContext | undefined> {
      const row = await first(
        tx
          .select({
            invitation: invitations,
            round: rounds,
            headName: households.headName,
            phone: households.phone,
            active: households.active,
          })
          .from(invitations)
          .innerJoin(rounds, eq(rounds.id, invitations.roundId))
          .innerJoin(households, eq(households.id, invitations.householdId))
          .where(eq(invitations.id, invitationId)),
      )
      if (!row) return undefined
      const commune = await first(tx.select({ name: units.name }).from(units).where(eq(units.id, row.round.communeId)))
      const took = await first(
        tx
          .select({ h: participations.householdId })
          .from(participations)
          .where(and(eq(participations.roundId, row.round.id), eq(participations.householdId, row.invitation.householdId))),
      )
      return {
        invitation: row.invitation,
        round: row.round,
        household: { headName: row.headName, phone: row.phone, active: row.active },
        communeName: commune?.name ?? '',
        participated: took !== undefined,
      }
    },

    // ── invitations and rounds (columns this module owns) ───────────────────────────────────────────────────
    async invitationUpdate(
      id: string,
      patch: Partial<typeof invitations.$inferInsert>,
      onlyFrom?: string[],
      tx: Conn = db,
    ): Promise<boolean> {
      const cond = onlyFrom ? and(eq(invitations.id, id), inArray(invitations.status, onlyFrom as never[])) : eq(invitations.id, id)
      return affected(await tx.update(invitations).set(patch).where(cond)) > 0
    },
    async bumpReminder(id: string, atIso: string, tx: Conn = db): Promise<void> {
      await tx
        .update(invitations)
        .set({ reminderCount: sql`${invitations.reminderCount} + 1`, lastRemindedAt: atIso })
        .where(eq(invitations.id, id))
    },
    /** Set delivered_at once (the first receipt wins) and move sent/queued/failed to delivered. */
    async markDelivered(id: string, deliveredAtIso: string, tx: Conn = db): Promise<void> {
      await tx
        .update(invitations)
        .set({ deliveredAt: deliveredAtIso })
        .where(and(eq(invitations.id, id), isNull(invitations.deliveredAt)))
      await tx
        .update(invitations)
        .set({ status: 'delivered' })
        .where(and(eq(invitations.id, id), inArray(invitations.status, ['queued', 'sent', 'failed'])))
    },
    async haltRound(roundId: string, atIso: string, code: string, tx: Conn = db): Promise<void> {
      await tx.update(rounds).set({ messagingHaltedAt: atIso, messagingHaltCode: code }).where(eq(rounds.id, roundId))
    },
    async unhaltRound(roundId: string, tx: Conn = db): Promise<void> {
      await tx.update(rounds).set({ messagingHaltedAt: null, messagingHaltCode: null }).where(eq(rounds.id, roundId))
    },
    async setPolicy(
      roundId: string,
      p: { reminderMax?: number | null; reminderGapHours?: number | null; unknownOutcomePolicy?: UnknownOutcomePolicy | null },
      tx: Conn = db,
    ): Promise<void> {
      await tx.update(rounds).set(p).where(eq(rounds.id, roundId))
    },

    // ── reminders ──────────────────────────────────────────────────────────────────────────────────────────
    /**
     * Invitations due for a reminder: of open rounds, reached (sent/delivered), live, below the round's reminder
     * max, quiet for at least the round's gap since the invitation or the last reminder, whose household has not
     * taken part, with no reminder in flight. Walks each open round through invitations_reminder_due_idx, so a
     * scan reads only the invitations that are due (not every invitation in the database), at most `limit`.
     */
    async reminderCandidates(nowIso: string, defaults: { max: number; gapHours: number }, limit = 1000, tx: Conn = db) {
      const open = await tx
        .select({ id: rounds.id, reminderMax: rounds.reminderMax, reminderGapHours: rounds.reminderGapHours })
        .from(rounds)
        .where(and(eq(rounds.status, 'open'), gt(rounds.closesAt, nowIso)))
      const now = Date.parse(nowIso)
      const out: {
        id: string
        roundId: string
        reminderCount: number
        sentAt: string | null
        lastRemindedAt: string | null
        reminderMax: number | null
        reminderGapHours: number | null
      }[] = []
      for (const r of open) {
        const max = r.reminderMax ?? defaults.max
        if (max <= 0 || out.length >= limit) continue
        const dueBy = new Date(now - (r.reminderGapHours ?? defaults.gapHours) * 3_600_000).toISOString()
        const rows = await tx
          .select({
            id: invitations.id,
            roundId: invitations.roundId,
            reminderCount: invitations.reminderCount,
            sentAt: invitations.sentAt,
            lastRemindedAt: invitations.lastRemindedAt,
          })
          .from(invitations)
          .where(
            and(
              eq(invitations.roundId, r.id),
              inArray(invitations.status, ['sent', 'delivered']),
              inArray(
                invitations.reminderCount,
                Array.from({ length: max }, (_, i) => i),
              ),
              sql`coalesce(${invitations.lastRemindedAt}, ${invitations.sentAt}) <= ${dueBy}`,
              eq(invitations.revoked, false),
              inArray(invitations.channel, ['zalo', 'sms']),
              sql`not exists (select 1 from ${participations} p where p.round_id = ${invitations.roundId} and p.household_id = ${invitations.householdId})`,
              sql`not exists (select 1 from ${outbox} o where o.invitation_id = ${invitations.id} and o.kind = 'reminder' and o.status in ('pending','sending','deferred','unknown'))`,
            ),
          )
          .limit(limit - out.length)
        for (const row of rows) out.push({ ...row, reminderMax: r.reminderMax, reminderGapHours: r.reminderGapHours })
      }
      return out
    },

    // ── staff view ─────────────────────────────────────────────────────────────────────────────────────────
    async invitationStatusCounts(roundId: string, tx: Conn = db) {
      return await tx
        .select({
          status: invitations.status,
          n: sql<number>`count(*)`,
          reminders: sql<number>`coalesce(sum(${invitations.reminderCount}), 0)`,
        })
        .from(invitations)
        .where(and(eq(invitations.roundId, roundId), inArray(invitations.channel, ['zalo', 'sms'])))
        .groupBy(invitations.status)
    },
    /** Rows per status across the whole outbox (operations, the drain benchmark). */
    async statusCounts(tx: Conn = db): Promise<Record<string, number>> {
      const rows = await tx.select({ s: outbox.status, n: sql<number>`count(*)` }).from(outbox).groupBy(outbox.status)
      return Object.fromEntries(rows.map((r) => [r.s, Number(r.n)]))
    },
    /** Invited (Zalo/SMS, live) households of a round that took part, by any channel. */
    async answeredCount(roundId: string, tx: Conn = db): Promise<number> {
      const r = await first(
        tx
          .select({ n: sql<number>`count(*)` })
          .from(invitations)
          .where(
            and(
              eq(invitations.roundId, roundId),
              eq(invitations.revoked, false),
              inArray(invitations.channel, ['zalo', 'sms']),
              sql`exists (select 1 from ${participations} p where p.round_id = ${invitations.roundId} and p.household_id = ${invitations.householdId})`,
            ),
          ),
      )
      return Number(r?.n ?? 0)
    },
    async outboxCounts(roundId: string, tx: Conn = db) {
      return await tx
        .select({
          channel: outbox.channel,
          kind: outbox.kind,
          status: outbox.status,
          // 1/0 on SQLite, true/false on PostgreSQL (json there)
          fallback: isPostgres(tx)
            ? sql<number>`(${outbox.payload} ->> 'fallbackFrom') is not null`
            : sql<number>`json_extract(${outbox.payload}, '$.fallbackFrom') is not null`,
          n: sql<number>`count(*)`,
        })
        .from(outbox)
        .innerJoin(invitations, eq(invitations.id, outbox.invitationId))
        .where(eq(invitations.roundId, roundId))
        .groupBy(outbox.channel, outbox.kind, outbox.status, sql`4`)
    },
    async failures(roundId: string, limit: number, tx: Conn = db) {
      return await tx
        .select({
          outboxId: outbox.id,
          invitationId: invitations.id,
          householdId: invitations.householdId,
          householdCode: households.code,
          villageId: invitations.villageId,
          channel: outbox.channel,
          kind: outbox.kind,
          status: outbox.status,
          lastError: outbox.lastError,
          attempts: outbox.attempts,
          updatedAt: outbox.updatedAt,
        })
        .from(outbox)
        .innerJoin(invitations, eq(invitations.id, outbox.invitationId))
        .innerJoin(households, eq(households.id, invitations.householdId))
        .where(and(eq(invitations.roundId, roundId), inArray(outbox.status, ['failed', 'unknown'])))
        .orderBy(asc(households.code))
        .limit(limit)
    },
    /** Failed rows of a round whose invitation is still live and whose household has not taken part. */
    async retryableFailed(roundId: string, tx: Conn = db) {
      return await tx
        .select({ id: outbox.id, invitationId: outbox.invitationId, kind: outbox.kind })
        .from(outbox)
        .innerJoin(invitations, eq(invitations.id, outbox.invitationId))
        .where(
          and(
            eq(invitations.roundId, roundId),
            eq(outbox.status, 'failed'),
            eq(invitations.revoked, false),
            ne(invitations.status, 'used'),
            // a Zalo row that already fell back to SMS is done; the SMS row is the one to retry
            sql`not (${outbox.channel} = 'zalo' and exists (select 1 from ${outbox} s where s.invitation_id = ${outbox.invitationId} and s.kind = ${outbox.kind} and s.channel = 'sms'))`,
          ),
        )
    },

    // ── webhook inbox ────────────────────────────────────────────────────────────────────────────────────────
    /** Store an event under its dedupe key; false when the key was already there (a duplicate or replay). */
    async storeEvent(row: typeof webhookEvents.$inferInsert, tx: Conn = db): Promise<boolean> {
      return affected(await tx.insert(webhookEvents).values(row).onConflictDoNothing()) > 0
    },
    async unprocessedEvents(limit: number, tx: Conn = db) {
      return await tx
        .select()
        .from(webhookEvents)
        .where(isNull(webhookEvents.processedAt))
        .orderBy(asc(webhookEvents.receivedAt))
        .limit(limit)
    },
    async markEventProcessed(eventId: string, atIso: string, tx: Conn = db): Promise<void> {
      await tx.update(webhookEvents).set({ processedAt: atIso }).where(eq(webhookEvents.eventId, eventId))
    },
    async event(eventId: string, tx: Conn = db) {
      return await first(tx.select().from(webhookEvents).where(eq(webhookEvents.eventId, eventId)))
    },
  }
}
export type MessagingRepo = ReturnType<typeof createMessagingRepo>
