import { first } from '@app/db'
import { type AppDb, type Conn, households, invitations, outbox, participations } from '@app/db'
import { and, eq, inArray } from 'drizzle-orm'

export type InvitationRow = typeof invitations.$inferSelect
/** What a resident's link resolves to. */
export type LinkInvitation = Pick<InvitationRow, 'id' | 'roundId' | 'householdId' | 'villageId' | 'tokenHash' | 'revoked' | 'firstOpenedAt'>
type RawLinkInvitation = Omit<LinkInvitation, 'revoked'> & { revoked: number }

export function createInvitationRepo(db: Conn) {
  const sqlite = (db as AppDb).$client
  // The resident hot path (every link request): raw statements compiled once per connection, reading
  // only the columns the link needs (the ORM's row mapping cost more than the lookup itself).
  let hot:
    | {
        byTokenHash: ReturnType<typeof sqlite.prepare<[string], RawLinkInvitation>>
        markUsed: ReturnType<typeof sqlite.prepare<[string]>>
        markOpened: ReturnType<typeof sqlite.prepare<[string, string]>>
      }
    | undefined
  const st = () => {
    hot ??= {
      byTokenHash: sqlite.prepare(
        `SELECT id, round_id AS roundId, household_id AS householdId, village_id AS villageId, token_hash AS tokenHash,
           revoked, first_opened_at AS firstOpenedAt FROM invitations WHERE token_hash = ?`,
      ),
      // a used link forgets when it was first opened (TRUST.md §2.1): per-village counts keep the signal
      markUsed: sqlite.prepare(`UPDATE invitations SET status = 'used', first_opened_at = NULL WHERE id = ?`),
      markOpened: sqlite.prepare('UPDATE invitations SET first_opened_at = ? WHERE id = ? AND first_opened_at IS NULL'),
    }
    return hot
  }
  return {
    /** Hot path of every resident request: what a personal link resolves to. */
    findByTokenHash(tokenHash: string): LinkInvitation | undefined {
      const r = st().byTokenHash.get(tokenHash)
      return r && { ...r, revoked: r.revoked === 1 }
    },
    markUsed(id: string): void {
      st().markUsed.run(id)
    },
    /** Record the first opening; false when it was already recorded. */
    markOpened(id: string, at: string): boolean {
      return st().markOpened.run(at, id).changes === 1
    },
    /** The live (not revoked) invitation of a household in a round. */
    async liveFor(roundId: string, householdId: string, tx: Conn = db): Promise<InvitationRow | undefined> {
      return await first(tx
        .select()
        .from(invitations)
        .where(and(eq(invitations.roundId, roundId), eq(invitations.householdId, householdId), eq(invitations.revoked, false))))
    },
    /** Household ids of a round that already have a live invitation. */
    async invitedHouseholds(roundId: string, tx: Conn = db): Promise<Set<string>> {
      return new Set(
        (await tx
          .select({ h: invitations.householdId })
          .from(invitations)
          .where(and(eq(invitations.roundId, roundId), eq(invitations.revoked, false))))
          .map((r) => r.h),
      )
    },
    async participatedHouseholds(roundId: string, tx: Conn = db): Promise<Set<string>> {
      return new Set(
        (await tx
          .select({ h: participations.householdId })
          .from(participations)
          .where(eq(participations.roundId, roundId)))
          .map((r) => r.h),
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
        await tx.insert(outbox)
          .values(rows.slice(i, i + 500))
          .onConflictDoNothing()
    },
    async cancelOutboxFor(invitationId: string, tx: Conn = db): Promise<void> {
      await tx.update(outbox)
        .set({ status: 'cancelled' })
        .where(and(eq(outbox.invitationId, invitationId), inArray(outbox.status, ['pending', 'deferred'])))
    },
  }
}
export type InvitationRepo = ReturnType<typeof createInvitationRepo>
