import { type DbOrTx, households, invitations, outbox, participations } from '@app/db'
import { and, eq, inArray, isNull, sql } from 'drizzle-orm'

export type InvitationRow = typeof invitations.$inferSelect

export function createInvitationRepo(db: DbOrTx) {
  const hot = {
    byTokenHash: db
      .select()
      .from(invitations)
      .where(eq(invitations.tokenHash, sql.placeholder('tokenHash')))
      .prepare(),
    markUsed: db
      .update(invitations)
      .set({ status: 'used' })
      .where(eq(invitations.id, sql.placeholder('id')))
      .prepare(),
    markOpened: db
      .update(invitations)
      .set({ firstOpenedAt: sql`${sql.placeholder('at')}` })
      .where(and(eq(invitations.id, sql.placeholder('id')), isNull(invitations.firstOpenedAt)))
      .prepare(),
  }
  return {
    /** Hot path of every resident request: a statement compiled once per connection. */
    findByTokenHash(tokenHash: string): InvitationRow | undefined {
      return hot.byTokenHash.get({ tokenHash })
    },
    markUsed(id: string): void {
      hot.markUsed.run({ id })
    },
    markOpened(id: string, at: string): void {
      hot.markOpened.run({ id, at })
    },
    /** The live (not revoked) invitation of a household in a round. */
    liveFor(roundId: string, householdId: string, tx: DbOrTx = db): InvitationRow | undefined {
      return tx
        .select()
        .from(invitations)
        .where(and(eq(invitations.roundId, roundId), eq(invitations.householdId, householdId), eq(invitations.revoked, false)))
        .get()
    },
    /** Household ids of a round that already have a live invitation. */
    invitedHouseholds(roundId: string, tx: DbOrTx = db): Set<string> {
      return new Set(
        tx
          .select({ h: invitations.householdId })
          .from(invitations)
          .where(and(eq(invitations.roundId, roundId), eq(invitations.revoked, false)))
          .all()
          .map((r) => r.h),
      )
    },
    participatedHouseholds(roundId: string, tx: DbOrTx = db): Set<string> {
      return new Set(
        tx
          .select({ h: participations.householdId })
          .from(participations)
          .where(eq(participations.roundId, roundId))
          .all()
          .map((r) => r.h),
      )
    },
    activeHouseholds(villageIds: string[], tx: DbOrTx = db) {
      if (villageIds.length === 0) return []
      return tx
        .select({ id: households.id, villageId: households.villageId, code: households.code, phone: households.phone })
        .from(households)
        .where(and(inArray(households.villageId, villageIds), eq(households.active, true)))
        .orderBy(households.villageId, households.code)
        .all()
    },
    activeHouseholdsWithNames(villageIds: string[], tx: DbOrTx = db) {
      if (villageIds.length === 0) return []
      return tx
        .select({ id: households.id, villageId: households.villageId, code: households.code, headName: households.headName })
        .from(households)
        .where(and(inArray(households.villageId, villageIds), eq(households.active, true)))
        .orderBy(households.code)
        .all()
    },
    insertMany(rows: (typeof invitations.$inferInsert)[], tx: DbOrTx = db): InvitationRow[] {
      const out: InvitationRow[] = []
      for (let i = 0; i < rows.length; i += 500)
        out.push(
          ...tx
            .insert(invitations)
            .values(rows.slice(i, i + 500))
            .returning()
            .all(),
        )
      return out
    },
    revoke(id: string, at: string, tx: DbOrTx = db): void {
      tx.update(invitations).set({ revoked: true, revokedAt: at, status: 'revoked' }).where(eq(invitations.id, id)).run()
    },
    update(id: string, patch: Partial<typeof invitations.$inferInsert>, tx: DbOrTx = db): void {
      tx.update(invitations).set(patch).where(eq(invitations.id, id)).run()
    },
    queueOutbox(rows: (typeof outbox.$inferInsert)[], tx: DbOrTx = db): void {
      for (let i = 0; i < rows.length; i += 500)
        tx.insert(outbox)
          .values(rows.slice(i, i + 500))
          .onConflictDoNothing()
          .run()
    },
    cancelOutboxFor(invitationId: string, tx: DbOrTx = db): void {
      tx.update(outbox)
        .set({ status: 'cancelled' })
        .where(and(eq(outbox.invitationId, invitationId), inArray(outbox.status, ['pending', 'deferred'])))
        .run()
    },
  }
}
export type InvitationRepo = ReturnType<typeof createInvitationRepo>
