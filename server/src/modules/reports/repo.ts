import { ballots, type DbOrTx, roundMinutes } from '@app/db'
import { and, eq, sql } from 'drizzle-orm'

export function createReportsRepo(db: DbOrTx) {
  return {
    /** Invalidated ballots of a round per reason code (for the minutes). */
    invalidByReason(roundId: string, tx: DbOrTx = db): { reason: string; n: number }[] {
      return tx
        .select({ reason: sql<string>`coalesce(${ballots.invalidationReason}, 'other')`, n: sql<number>`count(*)` })
        .from(ballots)
        .where(and(eq(ballots.roundId, roundId), eq(ballots.valid, false)))
        .groupBy(ballots.invalidationReason)
        .all()
    },
    minutesMeta(roundId: string, tx: DbOrTx = db) {
      return tx.select().from(roundMinutes).where(eq(roundMinutes.roundId, roundId)).get()
    },
    upsertMinutesMeta(row: typeof roundMinutes.$inferInsert, tx: DbOrTx = db) {
      const { roundId: _r, ...set } = row
      return tx.insert(roundMinutes).values(row).onConflictDoUpdate({ target: roundMinutes.roundId, set }).returning().get()
    },
  }
}
export type ReportsRepo = ReturnType<typeof createReportsRepo>
