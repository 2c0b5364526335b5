import { councilDecisions, type DbOrTx, rounds, users } from '@app/db'
import { and, desc, eq, isNull, sql } from 'drizzle-orm'

export type CouncilDecisionRow = typeof councilDecisions.$inferSelect

export function createCouncilRepo(db: DbOrTx) {
  return {
    insert(row: typeof councilDecisions.$inferInsert, tx: DbOrTx = db): CouncilDecisionRow {
      return tx.insert(councilDecisions).values(row).returning().get()
    },
    findById(id: string, tx: DbOrTx = db): CouncilDecisionRow | undefined {
      return tx.select().from(councilDecisions).where(eq(councilDecisions.id, id)).get()
    },
    /** Every version on every seal of the round, in the order recorded (rowid: versions share a clock tick in tests). */
    listByRound(roundId: string, tx: DbOrTx = db): (CouncilDecisionRow & { recordedByName: string | null })[] {
      return tx
        .select({ row: councilDecisions, recordedByName: users.username })
        .from(councilDecisions)
        .leftJoin(users, eq(users.id, councilDecisions.recordedBy))
        .where(eq(councilDecisions.roundId, roundId))
        .orderBy(sql`${councilDecisions}.rowid`)
        .all()
        .map((r) => ({ ...r.row, recordedByName: r.recordedByName }))
    },
    /** The version in force on one seal: the latest, unless voided. */
    current(roundId: string, sealId: string, tx: DbOrTx = db): CouncilDecisionRow | undefined {
      const last = tx
        .select()
        .from(councilDecisions)
        .where(and(eq(councilDecisions.roundId, roundId), eq(councilDecisions.sealId, sealId)))
        .orderBy(desc(councilDecisions.version))
        .limit(1)
        .get()
      return last && last.voidedAt === null ? last : undefined
    },
    markVoided(id: string, v: { voidedAt: string; voidedBy: string; voidReason: string }, tx: DbOrTx = db): void {
      tx.update(councilDecisions)
        .set(v)
        .where(and(eq(councilDecisions.id, id), isNull(councilDecisions.voidedAt)))
        .run()
    },
    /** The round created to re-survey `roundId`, if any. */
    resurveyOf(roundId: string, tx: DbOrTx = db): { id: string } | undefined {
      return tx.select({ id: rounds.id }).from(rounds).where(eq(rounds.previousRoundId, roundId)).get()
    },
  }
}
export type CouncilRepo = ReturnType<typeof createCouncilRepo>
