import type { DbOrTx } from '@app/db'
import { sql } from 'drizzle-orm'

export function createFollowUpRepo(db: DbOrTx) {
  return {
    /** Per village × question: valid ballots and satisfied (the live counters, equal to the ballots). */
    villageQuestions(roundId: string): { villageId: string; questionKey: string; valid: number; satisfied: number }[] {
      return db.all(sql`
        SELECT village_id AS villageId, question_key AS questionKey, valid, satisfied
        FROM tally_counters WHERE round_id = ${roundId} AND valid > 0`)
    },
    /** Per round × question, summed over villages, for some rounds. */
    roundQuestions(roundIds: readonly string[]): { roundId: string; questionKey: string; valid: number; satisfied: number }[] {
      if (roundIds.length === 0) return []
      return db.all(sql`
        SELECT round_id AS roundId, question_key AS questionKey, sum(valid) AS valid, sum(satisfied) AS satisfied
        FROM tally_counters
        WHERE round_id IN (${sql.join(
          roundIds.map((id) => sql`${id}`),
          sql`, `,
        )})
        GROUP BY round_id, question_key`)
    },
  }
}
