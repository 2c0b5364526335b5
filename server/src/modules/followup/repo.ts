import { type Conn, rawAll } from '@app/db'
import { sql } from 'drizzle-orm'

export function createFollowUpRepo(db: Conn) {
  return {
    /** Per village × question: valid ballots and satisfied (the live counters, equal to the ballots). */
    async villageQuestions(roundId: string): Promise<{ villageId: string; questionKey: string; valid: number; satisfied: number }[]> {
      return await rawAll(
        db,
        sql`
        SELECT village_id AS "villageId", question_key AS "questionKey", valid, satisfied
        FROM tally_counters WHERE round_id = ${roundId} AND valid > 0`,
      )
    },
    /** Per round × question, summed over villages, for some rounds. */
    async roundQuestions(
      roundIds: readonly string[],
    ): Promise<{ roundId: string; questionKey: string; valid: number; satisfied: number }[]> {
      if (roundIds.length === 0) return []
      return await rawAll(
        db,
        sql`
        SELECT round_id AS "roundId", question_key AS "questionKey", CAST(sum(valid) AS INTEGER) AS valid, CAST(sum(satisfied) AS INTEGER) AS satisfied
        FROM tally_counters
        WHERE round_id IN (${sql.join(
          roundIds.map((id) => sql`${id}`),
          sql`, `,
        )})
        GROUP BY round_id, question_key`,
      )
    },
  }
}
