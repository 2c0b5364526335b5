import { type Db, type DbOrTx, paperEntries } from '@app/db'
import { and, asc, eq, sql } from 'drizzle-orm'

export type PaperEntryRow = typeof paperEntries.$inferSelect

/** Paper forms keyed but not counted yet (double entry): one row per keying, by serial. */
export function createPaperRepo(db: Db) {
  return {
    paperEntriesFor(roundId: string, serial: string, tx: DbOrTx = db): PaperEntryRow[] {
      return tx
        .select()
        .from(paperEntries)
        .where(and(eq(paperEntries.roundId, roundId), eq(paperEntries.serial, serial)))
        .orderBy(asc(paperEntries.createdAt))
        .all()
    },
    insertPaperEntry(row: typeof paperEntries.$inferInsert, tx: DbOrTx = db): PaperEntryRow {
      return tx.insert(paperEntries).values(row).returning().get()
    },
    markPaperMismatch(roundId: string, serial: string, tx: DbOrTx = db): void {
      tx.update(paperEntries)
        .set({ status: 'mismatch' })
        .where(and(eq(paperEntries.roundId, roundId), eq(paperEntries.serial, serial)))
        .run()
    },
    deletePaperEntries(roundId: string, serial: string, tx: DbOrTx = db): void {
      tx.delete(paperEntries)
        .where(and(eq(paperEntries.roundId, roundId), eq(paperEntries.serial, serial)))
        .run()
    },
    /** Paper forms of a round keyed but not settled: mismatched ones, and ones waiting for their second keying. */
    unsettledPaper(roundId: string, tx: DbOrTx = db): { mismatches: number; awaitingSecondEntry: number } {
      const rows = tx
        .select({ serial: paperEntries.serial, mismatch: sql<number>`max(${paperEntries.status} = 'mismatch')` })
        .from(paperEntries)
        .where(eq(paperEntries.roundId, roundId))
        .groupBy(paperEntries.serial)
        .all()
      const mismatches = rows.filter((r) => r.mismatch === 1).length
      return { mismatches, awaitingSecondEntry: rows.length - mismatches }
    },
    paperQueue(roundId: string, tx: DbOrTx = db): PaperEntryRow[] {
      return tx
        .select()
        .from(paperEntries)
        .where(eq(paperEntries.roundId, roundId))
        .orderBy(asc(paperEntries.serial), asc(paperEntries.createdAt))
        .all()
    },
  }
}
export type PaperRepo = ReturnType<typeof createPaperRepo>
