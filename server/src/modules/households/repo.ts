import { collectorAssignments, type DbOrTx, households } from '@app/db'
import { and, asc, eq, inArray } from 'drizzle-orm'

export type HouseholdRowDb = typeof households.$inferSelect
export type NewHousehold = typeof households.$inferInsert

export function createHouseholdRepo(db: DbOrTx) {
  return {
    findById(id: string, tx: DbOrTx = db): HouseholdRowDb | undefined {
      return tx.select().from(households).where(eq(households.id, id)).get()
    },
    inVillages(villageIds: string[], tx: DbOrTx = db): HouseholdRowDb[] {
      if (villageIds.length === 0) return []
      return tx.select().from(households).where(inArray(households.villageId, villageIds)).all()
    },
    /** Every household of a village (a village holds hundreds, not millions). */
    listByVillage(villageId: string, tx: DbOrTx = db): HouseholdRowDb[] {
      return tx.select().from(households).where(eq(households.villageId, villageId)).orderBy(asc(households.code)).all()
    },
    /** Whether a collector is assigned to this village in any round. */
    isAssignedCollector(userId: string, villageId: string): boolean {
      return (
        db
          .select({ v: collectorAssignments.villageId })
          .from(collectorAssignments)
          .where(and(eq(collectorAssignments.userId, userId), eq(collectorAssignments.villageId, villageId)))
          .get() !== undefined
      )
    },
    insertMany(rows: NewHousehold[], tx: DbOrTx = db): void {
      for (let i = 0; i < rows.length; i += 500)
        tx.insert(households)
          .values(rows.slice(i, i + 500))
          .run()
    },
    update(id: string, patch: Partial<NewHousehold>, tx: DbOrTx = db): void {
      tx.update(households).set(patch).where(eq(households.id, id)).run()
    },
  }
}
export type HouseholdRepo = ReturnType<typeof createHouseholdRepo>
