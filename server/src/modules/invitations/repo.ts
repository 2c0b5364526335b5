import { type Conn, first, households, invitations, outbox, participations } from '@app/db'
import { and, eq, inArray } from 'drizzle-orm'

export type InvitationRow = typeof invitations.$inferSelect
/** What a resident's link resolves to. */
export type LinkInvitation = Pick<InvitationRow, 'id' | 'roundId' | 'householdId' | 'villageId' | 'tokenHash' | 'revoked' | 'firstOpenedAt'>

export function createInvitationRepo(db: Conn) {
  return {
    /** What a personal link resolves to (the staff side: code lookup, reissue; the resident path reads its own). */
    async findByTokenHash(tokenHash: string): Promise<LinkInvitation | undefined> {
      return await first(
        db
          .select({
            id: invitations.id,
            roundId: invitations.roundId,
            householdId: invitations.householdId,
            villageId: invitations.villageId,
            tokenHash: invitations.tokenHash,
            revoked: invitations.revoked,
            firstOpenedAt: invitations.firstOpenedAt,
          })
          .from(invitations)
          .where(eq(invitations.tokenHash, tokenHash)),
      )
    },
    /** The live (not revoked) invitation of a household in a round. */
    async liveFor(roundId: string, householdId: string, tx: Conn = db): Promise<InvitationRow | undefined> {
      return await first(
        tx
          .select()
          .from(invitations)
          .where(and(eq(invitations.roundId, roundId), eq(invitations.householdId, householdId), eq(invitations.revoked, false))),
      )
    },
    /** Household ids of a round that already have a live invitation. */
    async invitedHouseholds(roundId: string, tx: Conn = db): Promise<Set<string>> {
      return new Set(
        (
          await tx
            .select({ h: invitations.householdId })
            .from(invitations)
            .where(and(eq(invitations.roundId, roundId), eq(invitations.revoked, false)))
        ).map((r) => r.h),
      )
    },
    async participatedHouseholds(roundId: string, tx: Conn = db): Promise<Set<string>> {
      return new Set(
        (await tx.select({ h: participations.householdId }).from(participations).where(eq(participations.roundId, roundId))).map(
          (r) => r.h,
        ),
      )
    },
    async activeHouseholds(villageIds: string[], tx: Conn = db) {
      if (villageIds.length === 0) return []
      return await tx
        .select({ id: households.id, villageId: households.villageId, code: households.code, phone: households.phone })
        .from(households)
        .where(and(inArray(households.villageId, villageIds), eq(households.active, true)))
        .orderBy(households.villageId, households.code)
    },
    async activeHouseholdsWithNames(villageIds: string[], tx: Conn = db) {
      if (villageIds.length === 0) return []
      return await tx
        .select({
          id: households.id,
          villageId: households.villageId,
          code: households.code,
          headName: households.headName,
          phone: households.phone,
          address: households.address,
        })
        .from(households)
        .where(and(inArray(households.villageId, villageIds), eq(households.active, true)))
        .orderBy(households.code)
    },
    async insertMany(rows: (typeof invitations.$inferInsert)[], tx: Conn = db): Promise<InvitationRow[]> {
      const out: InvitationRow[] = []
      for (let i = 0; i < rows.length; i += 500)
        out.push(
          ...(await tx
            .insert(invitations)
            .values(rows.slice(i, i + 500))
            .returning()),
        )
      return out
    },
    async revoke(id: string, at: string, tx: Conn = db): Promise<void> {
      await tx.update(invitations).set({ revoked: true, revokedAt: at, status: 'revoked' }).where(eq(invitations.id, id))
    },
    async update(id: string, patch: Partial<typeof invitations.$inferInsert>, tx: Conn = db): Promise<void> {
      await tx.update(invitations).set(patch).where(eq(invitations.id, id))
    },
    async queueOutbox(rows: (typeof outbox.$inferInsert)[], tx: Conn = db): Promise<void> {
      for (let i = 0; i < rows.length; i += 500)
        await tx
          .insert(outbox)
          .values(rows.slice(i, i + 500))
          .onConflictDoNothing()
    },
    async cancelOutboxFor(invitationId: string, tx: Conn = db): Promise<void> {
      await tx
        .update(outbox)
        .set({ status: 'cancelled' })
        .where(and(eq(outbox.invitationId, invitationId), inArray(outbox.status, ['pending', 'deferred'])))
    },
  }
}
export type InvitationRepo = ReturnType<typeof createInvitationRepo>
