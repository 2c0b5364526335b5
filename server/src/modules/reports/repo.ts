import { ballots, type Conn, first, roundMinutes } from '@app/db'
import { and, eq, sql } from 'drizzle-orm'

export function createReportsRepo(db: Conn) {
  return {
    /** Invalidated ballots of a round per reason code (for the minutes). */
    async invalidByReason(roundId: string, tx: Conn = db): Promise<{ reason: string; n: number }[]> {
      return await tx
        .select({ reason: sql<string>`coalesce(${ballots.invalidationReason}, 'other')`, n: sql<number>`CAST(count(*) AS INTEGER)` })
        .from(ballots)
        .where(and(eq(ballots.roundId, roundId), eq(ballots.valid, false)))
        .groupBy(ballots.invalidationReason)
    },
    async minutesMeta(roundId: string, tx: Conn = db) {
      return await first(tx.select().from(roundMinutes).where(eq(roundMinutes.roundId, roundId)))
    },
    async upsertMinutesMeta(row: typeof roundMinutes.$inferInsert, tx: Conn = db) {
      const { roundId: _r, ...set } = row
      return await first(tx.insert(roundMinutes).values(row).onConflictDoUpdate({ target: roundMinutes.roundId, set }).returning())
    },
  }
}
export type ReportsRepo = ReturnType<typeof createReportsRepo>
