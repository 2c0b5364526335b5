import { type Conn, collectorAssignments, first, households } from '@app/db'
import { and, asc, eq, inArray } from 'drizzle-orm'

export type HouseholdRowDb = typeof households.$inferSelect
export type NewHousehold = typeof households.$inferInsert

export function createHouseholdRepo(db: Conn) {
  return {
    async findById(id: string, tx: Conn = db): Promise<HouseholdRowDb | undefined> {
      return await first(tx.select().from(households).where(eq(households.id, id)))
    },
    async inVillages(villageIds: string[], tx: Conn = db): Promise<HouseholdRowDb[]> {
      if (villageIds.length === 0) return []
      return await tx.select().from(households).where(inArray(households.villageId, villageIds))
    },
    /** Every household of a village (a village holds hundreds, not millions). */
    async listByVillage(villageId: string, tx: Conn = db): Promise<HouseholdRowDb[]> {
      return await tx.select().from(households).where(eq(households.villageId, villageId)).orderBy(asc(households.code))
    },
    /** Whether a collector is assigned to this village in any round. */
    async isAssignedCollector(userId: string, villageId: string): Promise<boolean> {
      return (
        (await first(
          db
            .select({ v: collectorAssignments.villageId })
            .from(collectorAssignments)
            .where(and(eq(collectorAssignments.userId, userId), eq(collectorAssignments.villageId, villageId))),
        )) !== undefined
      )
    },
    async insertMany(rows: NewHousehold[], tx: Conn = db): Promise<void> {
      for (let i = 0; i < rows.length; i += 500) await tx.insert(households).values(rows.slice(i, i + 500))
    },
    async update(id: string, patch: Partial<NewHousehold>, tx: Conn = db): Promise<void> {
      await tx.update(households).set(patch).where(eq(households.id, id))
    },
  }
}
export type HouseholdRepo = ReturnType<typeof createHouseholdRepo>
