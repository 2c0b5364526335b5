import { type Conn, councilDecisions, first, insertionOrder, one, rounds, users } from '@app/db'
import { and, desc, eq, isNull } from 'drizzle-orm'

export type CouncilDecisionRow = typeof councilDecisions.$inferSelect

export function createCouncilRepo(db: Conn) {
  return {
    async insert(row: typeof councilDecisions.$inferInsert, tx: Conn = db): Promise<CouncilDecisionRow> {
      return await one(tx.insert(councilDecisions).values(row).returning())
    },
    async findById(id: string, tx: Conn = db): Promise<CouncilDecisionRow | undefined> {
      return await first(tx.select().from(councilDecisions).where(eq(councilDecisions.id, id)))
    },
    /** Every version on every seal of the round, in the order recorded (rowid: versions share a clock tick in tests). */
    async listByRound(roundId: string, tx: Conn = db): Promise<(CouncilDecisionRow & { recordedByName: string | null })[]> {
      const rows = await tx
        .select({ row: councilDecisions, recordedByName: users.username })
        .from(councilDecisions)
        .leftJoin(users, eq(users.id, councilDecisions.recordedBy))
        .where(eq(councilDecisions.roundId, roundId))
        .orderBy(...insertionOrder(tx, councilDecisions))
      return rows.map((r) => ({ ...r.row, recordedByName: r.recordedByName }))
    },
    /** The version in force on one seal: the latest, unless voided. */
    async current(roundId: string, sealId: string, tx: Conn = db): Promise<CouncilDecisionRow | undefined> {
      const last = await first(
        tx
          .select()
          .from(councilDecisions)
          .where(and(eq(councilDecisions.roundId, roundId), eq(councilDecisions.sealId, sealId)))
          .orderBy(desc(councilDecisions.version))
          .limit(1),
      )
      return last && last.voidedAt === null ? last : undefined
    },
    async markVoided(id: string, v: { voidedAt: string; voidedBy: string; voidReason: string }, tx: Conn = db): Promise<void> {
      await tx
        .update(councilDecisions)
        .set(v)
        .where(and(eq(councilDecisions.id, id), isNull(councilDecisions.voidedAt)))
    },
    /** The round created to re-survey `roundId`, if any. */
    async resurveyOf(roundId: string, tx: Conn = db): Promise<{ id: string } | undefined> {
      return await first(tx.select({ id: rounds.id }).from(rounds).where(eq(rounds.previousRoundId, roundId)))
    },
  }
}
export type CouncilRepo = ReturnType<typeof createCouncilRepo>
