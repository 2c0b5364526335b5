/** All SQL of the messaging module: outbox, Zalo tokens, webhook inbox, and the invitation/round columns it owns. */
import { type DbOrTx, households, invitations, outbox, participations, rounds, units, webhookEvents, zaloTokens } from '@app/db'
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

export function createMessagingRepo(db: DbOrTx) {
  return {
    // ── tokens ────────────────────────────────────────────────────────────────────────────────────────────
    token(id: string, tx: DbOrTx = db): ZaloTokenRow | undefined {
      return tx.select().from(zaloTokens).where(eq(zaloTokens.id, id)).get()
    },
    insertToken(row: typeof zaloTokens.$inferInsert, tx: DbOrTx = db): void {
      tx.insert(zaloTokens).values(row).onConflictDoNothing().run()
    },
    /** Compare-and-swap on the refresh token, so two writers can never both rotate from the same pair. */
    rotateToken(
      id: string,
      expectRefresh: string,
      next: { accessToken: string; refreshToken: string; accessExpiresAt: string; rotatedAt: string },
      tx: DbOrTx = db,
    ): boolean {
      const r = tx
        .update(zaloTokens)
        .set({ ...next, state: 'ok', lastError: null })
        .where(and(eq(zaloTokens.id, id), eq(zaloTokens.refreshToken, expectRefresh)))
        .run()
      return r.changes > 0
    },
    setTokenState(id: string, state: ZaloTokenRow['state'], lastError: string | null, tx: DbOrTx = db): void {
      tx.update(zaloTokens).set({ state, lastError }).where(eq(zaloTokens.id, id)).run()
    },

    // ── outbox: claiming and finishing ───────────────────────────────────────────────────────────────────
    /** After a crash, rows still `sending` may or may not have reached Zalo: they become `unknown` (ZALO.md §8.3). */
    recoverSending(untilIso: string, tx: DbOrTx = db): number {
      return tx
        .update(outbox)
        .set({ status: 'unknown', nextAttemptAt: untilIso, lastError: 'unknown_outcome' })
        .where(eq(outbox.status, 'sending'))
        .run().changes
    },
    /** Ids of rows due now on the given channels, oldest first; rows of halted rounds wait (Zalo only). */
    dueIdsWithChannel(nowIso: string, channels: Channel[], limit: number, tx: DbOrTx = db): { id: string; channel: Channel }[] {
      if (channels.length === 0) return []
      return tx
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
        .all()
    },
    dueUnknown(nowIso: string, limit: number, tx: DbOrTx = db): OutboxRow[] {
      return tx
        .select()
        .from(outbox)
        .where(and(eq(outbox.status, 'unknown'), lte(outbox.nextAttemptAt, nowIso)))
        .orderBy(asc(outbox.nextAttemptAt))
        .limit(limit)
        .all()
    },
    /** pending|deferred → sending, attempts + 1; undefined when another worker (or a cancel) got there first. */
    claim(id: string, tx: DbOrTx = db): OutboxRow | undefined {
      return tx
        .update(outbox)
        .set({ status: 'sending', attempts: sql`${outbox.attempts} + 1` })
        .where(and(eq(outbox.id, id), inArray(outbox.status, ['pending', 'deferred'])))
        .returning()
        .get()
    },
    /** Move a row on only if it is still in one of `from`; returns whether it moved. */
    transition(id: string, from: OutboxStatus[], patch: Partial<typeof outbox.$inferInsert>, tx: DbOrTx = db): boolean {
      return (
        tx
          .update(outbox)
          .set(patch)
          .where(and(eq(outbox.id, id), inArray(outbox.status, from)))
          .run().changes > 0
      )
    },
    byId(id: string, tx: DbOrTx = db): OutboxRow | undefined {
      return tx.select().from(outbox).where(eq(outbox.id, id)).get()
    },
    byTrackingId(trackingId: string, tx: DbOrTx = db): OutboxRow | undefined {
      return tx.select().from(outbox).where(eq(outbox.trackingId, trackingId)).get()
    },
    byProviderMessageId(msgId: string, tx: DbOrTx = db): OutboxRow | undefined {
      return tx.select().from(outbox).where(eq(outbox.providerMessageId, msgId)).get()
    },
    forInvitation(invitationId: string, tx: DbOrTx = db): OutboxRow[] {
      return tx.select().from(outbox).where(eq(outbox.invitationId, invitationId)).all()
    },
    /** Insert a row unless (invitation, channel, kind) already has one; returns whether it was inserted. */
    insertIfAbsent(row: typeof outbox.$inferInsert, tx: DbOrTx = db): boolean {
      return tx.insert(outbox).values(row).onConflictDoNothing().run().changes > 0
    },
    /** Re-arm a finished row for the next reminder (one row per invitation × channel × kind, unique). */
    rearm(id: string, patch: { trackingId: string; payload: OutboxPayload; nextAttemptAt: string }, tx: DbOrTx = db): boolean {
      return (
        tx
          .update(outbox)
          .set({ ...patch, status: 'pending', attempts: 0, lastError: null, providerMessageId: null })
          .where(and(eq(outbox.id, id), inArray(outbox.status, ['sent', 'failed', 'cancelled'])))
          .run().changes > 0
      )
    },

    /** Everything the send-time checks need, in one read. */
    sendContext(invitationId: string, tx: DbOrTx = db): SendContext | undefined {
      const row = tx
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
        .where(eq(invitations.id, invitationId))
        .get()
      if (!row) return undefined
      const commune = tx.select({ name: units.name }).from(units).where(eq(units.id, row.round.communeId)).get()
      const took = tx
        .select({ h: participations.householdId })
        .from(participations)
        .where(and(eq(participations.roundId, row.round.id), eq(participations.householdId, row.invitation.householdId)))
        .get()
      return {
        invitation: row.invitation,
        round: row.round,
        household: { headName: row.headName, phone: row.phone, active: row.active },
        communeName: commune?.name ?? '',
        participated: took !== undefined,
      }
    },

    // ── invitations and rounds (columns this module owns) ───────────────────────────────────────────────────
    invitationUpdate(id: string, patch: Partial<typeof invitations.$inferInsert>, onlyFrom?: string[], tx: DbOrTx = db): boolean {
      const cond = onlyFrom ? and(eq(invitations.id, id), inArray(invitations.status, onlyFrom as never[])) : eq(invitations.id, id)
      return tx.update(invitations).set(patch).where(cond).run().changes > 0
    },
    bumpReminder(id: string, atIso: string, tx: DbOrTx = db): void {
      tx.update(invitations)
        .set({ reminderCount: sql`${invitations.reminderCount} + 1`, lastRemindedAt: atIso })
        .where(eq(invitations.id, id))
        .run()
    },
    /** Set delivered_at once (the first receipt wins) and move sent/queued/failed to delivered. */
    markDelivered(id: string, deliveredAtIso: string, tx: DbOrTx = db): void {
      tx.update(invitations)
        .set({ deliveredAt: deliveredAtIso })
        .where(and(eq(invitations.id, id), isNull(invitations.deliveredAt)))
        .run()
      tx.update(invitations)
        .set({ status: 'delivered' })
        .where(and(eq(invitations.id, id), inArray(invitations.status, ['queued', 'sent', 'failed'])))
        .run()
    },
    haltRound(roundId: string, atIso: string, code: string, tx: DbOrTx = db): void {
      tx.update(rounds).set({ messagingHaltedAt: atIso, messagingHaltCode: code }).where(eq(rounds.id, roundId)).run()
    },
    unhaltRound(roundId: string, tx: DbOrTx = db): void {
      tx.update(rounds).set({ messagingHaltedAt: null, messagingHaltCode: null }).where(eq(rounds.id, roundId)).run()
    },
    setPolicy(
      roundId: string,
      p: { reminderMax?: number | null; reminderGapHours?: number | null; unknownOutcomePolicy?: UnknownOutcomePolicy | null },
      tx: DbOrTx = db,
    ): void {
      tx.update(rounds).set(p).where(eq(rounds.id, roundId)).run()
    },

    // ── reminders ──────────────────────────────────────────────────────────────────────────────────────────
    /**
     * Invitations due for a reminder: of open rounds, reached (sent/delivered), live, below the round's reminder
     * max, quiet for at least the round's gap since the invitation or the last reminder, whose household has not
     * taken part, with no reminder in flight. Walks each open round through invitations_reminder_due_idx, so a
     * scan reads only the invitations that are due (not every invitation in the database), at most `limit`.
     */
    reminderCandidates(nowIso: string, defaults: { max: number; gapHours: number }, limit = 1000, tx: DbOrTx = db) {
      const open = tx
        .select({ id: rounds.id, reminderMax: rounds.reminderMax, reminderGapHours: rounds.reminderGapHours })
        .from(rounds)
        .where(and(eq(rounds.status, 'open'), gt(rounds.closesAt, nowIso)))
        .all()
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
        const rows = tx
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
          .all()
        for (const row of rows) out.push({ ...row, reminderMax: r.reminderMax, reminderGapHours: r.reminderGapHours })
      }
      return out
    },

    // ── staff view ─────────────────────────────────────────────────────────────────────────────────────────
    invitationStatusCounts(roundId: string, tx: DbOrTx = db) {
      return tx
        .select({
          status: invitations.status,
          n: sql<number>`count(*)`,
          reminders: sql<number>`coalesce(sum(${invitations.reminderCount}), 0)`,
        })
        .from(invitations)
        .where(and(eq(invitations.roundId, roundId), inArray(invitations.channel, ['zalo', 'sms'])))
        .groupBy(invitations.status)
        .all()
    },
    /** Rows per status across the whole outbox (operations, the drain benchmark). */
    statusCounts(tx: DbOrTx = db): Record<string, number> {
      const rows = tx.select({ s: outbox.status, n: sql<number>`count(*)` }).from(outbox).groupBy(outbox.status).all()
      return Object.fromEntries(rows.map((r) => [r.s, Number(r.n)]))
    },
    /** Invited (Zalo/SMS, live) households of a round that took part, by any channel. */
    answeredCount(roundId: string, tx: DbOrTx = db): number {
      const r = tx
        .select({ n: sql<number>`count(*)` })
        .from(invitations)
        .where(
          and(
            eq(invitations.roundId, roundId),
            eq(invitations.revoked, false),
            inArray(invitations.channel, ['zalo', 'sms']),
            sql`exists (select 1 from ${participations} p where p.round_id = ${invitations.roundId} and p.household_id = ${invitations.householdId})`,
          ),
        )
        .get()
      return Number(r?.n ?? 0)
    },
    outboxCounts(roundId: string, tx: DbOrTx = db) {
      return tx
        .select({
          channel: outbox.channel,
          kind: outbox.kind,
          status: outbox.status,
          fallback: sql<number>`json_extract(${outbox.payload}, '$.fallbackFrom') is not null`,
          n: sql<number>`count(*)`,
        })
        .from(outbox)
        .innerJoin(invitations, eq(invitations.id, outbox.invitationId))
        .where(eq(invitations.roundId, roundId))
        .groupBy(outbox.channel, outbox.kind, outbox.status, sql`4`)
        .all()
    },
    failures(roundId: string, limit: number, tx: DbOrTx = db) {
      return tx
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
        .all()
    },
    /** Failed rows of a round whose invitation is still live and whose household has not taken part. */
    retryableFailed(roundId: string, tx: DbOrTx = db) {
      return tx
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
        .all()
    },

    // ── webhook inbox ────────────────────────────────────────────────────────────────────────────────────────
    /** Store an event under its dedupe key; false when the key was already there (a duplicate or replay). */
    storeEvent(row: typeof webhookEvents.$inferInsert, tx: DbOrTx = db): boolean {
      return tx.insert(webhookEvents).values(row).onConflictDoNothing().run().changes > 0
    },
    unprocessedEvents(limit: number, tx: DbOrTx = db) {
      return tx
        .select()
        .from(webhookEvents)
        .where(isNull(webhookEvents.processedAt))
        .orderBy(asc(webhookEvents.receivedAt))
        .limit(limit)
        .all()
    },
    markEventProcessed(eventId: string, atIso: string, tx: DbOrTx = db): void {
      tx.update(webhookEvents).set({ processedAt: atIso }).where(eq(webhookEvents.eventId, eventId)).run()
    },
    event(eventId: string, tx: DbOrTx = db) {
      return tx.select().from(webhookEvents).where(eq(webhookEvents.eventId, eventId)).get()
    },
  }
}
export type MessagingRepo = ReturnType<typeof createMessagingRepo>
