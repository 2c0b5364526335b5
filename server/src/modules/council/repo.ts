import { councilDecisions, type DbOrTx, rounds } from '@app/db'
import { asc, eq } from 'drizzle-orm'

export type CouncilDecisionRow = typeof councilDecisions.$inferSelect

export function createCouncilRepo(db: DbOrTx) {
  return {
    insert(row: typeof councilDecisions.$inferInsert, tx: DbOrTx = db): CouncilDecisionRow {
      return tx.insert(councilDecisions).values(row).returning().get()
    },
    listByRound(roundId: string, tx: DbOrTx = db): CouncilDecisionRow[] {
      return tx.select().from(councilDecisions).where(eq(councilDecisions.roundId, roundId)).orderBy(asc(councilDecisions.createdAt)).all()
    },
    /** The round created to re-survey `roundId`, if any. */
    resurveyOf(roundId: string, tx: DbOrTx = db): { id: string } | undefined {
      return tx.select({ id: rounds.id }).from(rounds).where(eq(rounds.previousRoundId, roundId)).get()
    },
  }
}
export type CouncilRepo = ReturnType<typeof createCouncilRepo>
