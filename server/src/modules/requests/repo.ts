import { type DbOrTx, householdRequests, households } from '@app/db'
import { and, asc, eq, inArray, sql } from 'drizzle-orm'

export type HouseholdRequestRow = typeof householdRequests.$inferSelect

export function createRequestRepo(db: DbOrTx) {
  return {
    insert(row: typeof householdRequests.$inferInsert, tx: DbOrTx = db): HouseholdRequestRow {
      return tx.insert(householdRequests).values(row).returning().get()
    },
    findById(id: string, tx: DbOrTx = db): HouseholdRequestRow | undefined {
      return tx.select().from(householdRequests).where(eq(householdRequests.id, id)).get()
    },
    /** An identical request still waiting (the same page submitted twice): not stored again. */
    findPendingDuplicate(
      q: { roundId: string; villageId: string | null; headName: string; phone: string | null },
      tx: DbOrTx = db,
    ): HouseholdRequestRow | undefined {
      return tx
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
        )
        .get()
    },
    listByRound(roundId: string, tx: DbOrTx = db): HouseholdRequestRow[] {
      return tx
        .select()
        .from(householdRequests)
        .where(eq(householdRequests.roundId, roundId))
        .orderBy(asc(householdRequests.createdAt), asc(householdRequests.id))
        .limit(5000)
        .all()
    },
    resolve(
      id: string,
      patch: { status: HouseholdRequestRow['status']; resolution: string | null; resolvedBy: string; resolvedAt: string },
      tx: DbOrTx = db,
    ): HouseholdRequestRow {
      const row = tx.update(householdRequests).set(patch).where(eq(householdRequests.id, id)).returning().get()
      if (!row) throw new Error(`request ${id} vanished`)
      return row
    },
    /** Requests of a round per status (for the minutes). */
    countByStatus(roundId: string, tx: DbOrTx = db): { status: HouseholdRequestRow['status']; n: number }[] {
      return tx
        .select({ status: householdRequests.status, n: sql<number>`count(*)` })
        .from(householdRequests)
        .where(eq(householdRequests.roundId, roundId))
        .groupBy(householdRequests.status)
        .all()
    },
    /** Active households of some villages with what staff match a request on (name, phone). */
    householdsForMatching(villageIds: string[], tx: DbOrTx = db) {
      if (villageIds.length === 0) return []
      return tx
        .select({
          id: households.id,
          villageId: households.villageId,
          code: households.code,
          headName: households.headName,
          phone: households.phone,
        })
        .from(households)
        .where(and(inArray(households.villageId, villageIds), eq(households.active, true)))
        .all()
    },
  }
}
export type RequestRepo = ReturnType<typeof createRequestRepo>
