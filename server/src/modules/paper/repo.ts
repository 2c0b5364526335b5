import { type AppDb, type Conn, one, paperEntries } from '@app/db'
import { and, asc, eq, sql } from 'drizzle-orm'

export type PaperEntryRow = typeof paperEntries.$inferSelect

/** Paper forms keyed but not counted yet (double entry): one row per keying, by serial. */
export function createPaperRepo(db: AppDb) {
  return {
    async paperEntriesFor(roundId: string, serial: string, tx: Conn = db): Promise<PaperEntryRow[]> {
      return await tx
        .select()
        .from(paperEntries)
        .where(and(eq(paperEntries.roundId, roundId), eq(paperEntries.serial, serial)))
        .orderBy(asc(paperEntries.createdAt))
    },
    async insertPaperEntry(row: typeof paperEntries.$inferInsert, tx: Conn = db): Promise<PaperEntryRow> {
      return await one(tx.insert(paperEntries).values(row).returning())
    },
    async markPaperMismatch(roundId: string, serial: string, tx: Conn = db): Promise<void> {
      await tx
        .update(paperEntries)
        .set({ status: 'mismatch' })
        .where(and(eq(paperEntries.roundId, roundId), eq(paperEntries.serial, serial)))
    },
    async deletePaperEntries(roundId: string, serial: string, tx: Conn = db): Promise<void> {
      await tx.delete(paperEntries).where(and(eq(paperEntries.roundId, roundId), eq(paperEntries.serial, serial)))
    },
    /** Paper forms of a round keyed but not settled: mismatched ones, and ones waiting for their second keying. */
    async unsettledPaper(roundId: string, tx: Conn = db): Promise<{ mismatches: number; awaitingSecondEntry: number }> {
      const rows = await tx
        .select({
          serial: paperEntries.serial,
          mismatch: sql<number>`max(CASE WHEN ${paperEntries.status} = 'mismatch' THEN 1 ELSE 0 END)`,
        })
        .from(paperEntries)
        .where(eq(paperEntries.roundId, roundId))
        .groupBy(paperEntries.serial)
      const mismatches = rows.filter((r) => r.mismatch === 1).length
      return { mismatches, awaitingSecondEntry: rows.length - mismatches }
    },
    async paperQueue(roundId: string, tx: Conn = db): Promise<PaperEntryRow[]> {
      return await tx
        .select()
        .from(paperEntries)
        .where(eq(paperEntries.roundId, roundId))
        .orderBy(asc(paperEntries.serial), asc(paperEntries.createdAt))
    },
  }
}
export type PaperRepo = ReturnType<typeof createPaperRepo>
