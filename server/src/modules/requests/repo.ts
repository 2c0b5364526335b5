import { type Conn, first, householdRequests, households, one } from '@app/db'
import { and, asc, eq, inArray, sql } from 'drizzle-orm'

export type HouseholdRequestRow = typeof householdRequests.$inferSelect

export function createRequestRepo(db: Conn) {
  return {
    async insert(row: typeof householdRequests.$inferInsert, tx: Conn = db): Promise<HouseholdRequestRow> {
      return await one(tx.insert(householdRequests).values(row).returning())
    },
    async findById(id: string, tx: Conn = db): Promise<HouseholdRequestRow | undefined> {
      return await first(tx.select().from(householdRequests).where(eq(householdRequests.id, id)))
    },
    /** An identical request still waiting (the same page submitted twice): not stored again. */
    async findPendingDuplicate(
      q: { roundId: string; villageId: string | null; headName: string; phone: string | null },
      tx: Conn = db,
    ): Promise<HouseholdRequestRow | undefined> {
      return await first(
        tx
          .select()
          .from(householdRequests)
          .where(
            and(
              eq(householdRequests.roundId, q.roundId),
              eq(householdRequests.status, 'new'),
              eq(householdRequests.headName, q.headName),
              q.villageId ? eq(householdRequests.villageId, q.villageId) : sql`${householdRequests.villageId} IS NULL`,
              q.phone ? eq(householdRequests.phone, q.phone) : sql`${householdRequests.phone} IS NULL`,
            ),
          ),
      )
    },
    async listByRound(roundId: string, tx: Conn = db): Promise<HouseholdRequestRow[]> {
      return await tx
        .select()
        .from(householdRequests)
        .where(eq(householdRequests.roundId, roundId))
        .orderBy(asc(householdRequests.createdAt), asc(householdRequests.id))
        .limit(5000)
    },
    async resolve(
      id: string,
      patch: { status: HouseholdRequestRow['status']; resolution: string | null; resolvedBy: string; resolvedAt: string },
      tx: Conn = db,
    ): Promise<HouseholdRequestRow> {
      const row = await first(tx.update(householdRequests).set(patch).where(eq(householdRequests.id, id)).returning())
      if (!row) throw new Error(`request ${id} vanished`)
      return row
    },
    /** Requests of a round per status (for the minutes). */
    async countByStatus(roundId: string, tx: Conn = db): Promise<{ status: HouseholdRequestRow['status']; n: number }[]> {
      return await tx
        .select({ status: householdRequests.status, n: sql<number>`CAST(count(*) AS INTEGER)` })
        .from(householdRequests)
        .where(eq(householdRequests.roundId, roundId))
        .groupBy(householdRequests.status)
    },
    /** Active households of some villages with what staff match a request on (name, phone). */
    async householdsForMatching(villageIds: string[], tx: Conn = db) {
      if (villageIds.length === 0) return []
      return await tx
        .select({
          id: households.id,
          villageId: households.villageId,
          code: households.code,
          headName: households.headName,
          phone: households.phone,
        })
        .from(households)
        .where(and(inArray(households.villageId, villageIds), eq(households.active, true)))
    },
  }
}
export type RequestRepo = ReturnType<typeof createRequestRepo>
