import { ballots, type DbOrTx } from '@app/db'
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
  }
}
export type ReportsRepo = ReturnType<typeof createReportsRepo>
