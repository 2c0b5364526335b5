import { ballots, type Conn, first, isPostgres, participations, rawAll, sealedResults, tallyCounters, villageCounters } from '@app/db'
import { and, eq, sql } from 'drizzle-orm'

export type SealedRow = typeof sealedResults.$inferSelect

/** Raw counts for one village of a round. */
export interface VillageCounts {
  participated: number
  link: number
  paper: number
  meeting: number
  assisted: number
  invalid: number
}
export interface QuestionCounts {
  villageId: string
  questionKey: string
  valid: number
  satisfied: number
}

export function createTallyRepo(db: Conn) {
  return {
    /** O(villages) rows: the per-village counters kept by the ballot transaction. */
    async villageCounters(roundId: string, tx: Conn = db): Promise<Map<string, VillageCounts>> {
      const rows = await tx.select().from(villageCounters).where(eq(villageCounters.roundId, roundId))
      return new Map(
        rows.map((r) => [
          r.villageId,
          { participated: r.participated, link: r.link, paper: r.paper, meeting: r.meeting, assisted: r.assisted, invalid: r.invalid },
        ]),
      )
    },
    /** O(villages × questions) rows. */
    async questionCounters(roundId: string, tx: Conn = db): Promise<QuestionCounts[]> {
      return await tx
        .select({
          villageId: tallyCounters.villageId,
          questionKey: tallyCounters.questionKey,
          valid: tallyCounters.valid,
          satisfied: tallyCounters.satisfied,
        })
        .from(tallyCounters)
        .where(eq(tallyCounters.roundId, roundId))
    },
    /** Recount from the source rows (participations and ballots): slow, for checks and sealing. */
    async recountVillages(roundId: string, tx: Conn = db): Promise<Map<string, VillageCounts>> {
      const out = new Map<string, VillageCounts>()
      const get = (v: string) => {
        let c = out.get(v)
        if (!c) {
          c = { participated: 0, link: 0, paper: 0, meeting: 0, assisted: 0, invalid: 0 }
          out.set(v, c)
        }
        return c
      }
      const byChannel = await tx
        .select({ villageId: participations.villageId, channel: participations.channel, n: sql<number>`CAST(count(*) AS INTEGER)` })
        .from(participations)
        .where(eq(participations.roundId, roundId))
        .groupBy(participations.villageId, participations.channel)
      for (const r of byChannel) {
        const c = get(r.villageId)
        c.participated += r.n
        c[r.channel] += r.n
      }
      const invalid = await tx
        .select({ villageId: ballots.villageId, n: sql<number>`CAST(count(*) AS INTEGER)` })
        .from(ballots)
        .where(and(eq(ballots.roundId, roundId), eq(ballots.valid, false)))
        .groupBy(ballots.villageId)
      for (const r of invalid) {
        get(r.villageId).invalid = r.n
      }
      return out
    },
    /** Per village × question counts recomputed from the valid ballots (json_each over answers). */
    async recountQuestions(roundId: string, tx: Conn = db): Promise<QuestionCounts[]> {
      const pg = isPostgres(tx)
      const satisfied = pg ? sql`coalesce((j.value->>'satisfied')::boolean, false)` : sql`json_extract(j.value, '$.satisfied')`
      return await rawAll<QuestionCounts>(
        tx,
        sql`
        SELECT b.village_id AS "villageId", j.key AS "questionKey", CAST(count(*) AS INTEGER) AS valid,
               CAST(sum(CASE WHEN ${satisfied} THEN 1 ELSE 0 END) AS INTEGER) AS satisfied
        FROM ballots b, json_each(b.answers) j
        WHERE b.round_id = ${roundId} AND b.valid = true
        GROUP BY b.village_id, j.key`,
      )
    },
    async replaceCounters(
      roundId: string,
      villages: Map<string, VillageCounts>,
      questions: QuestionCounts[],
      tx: Conn = db,
    ): Promise<void> {
      await tx.delete(villageCounters).where(eq(villageCounters.roundId, roundId))
      await tx.delete(tallyCounters).where(eq(tallyCounters.roundId, roundId))
      const vrows = [...villages.entries()].map(([villageId, c]) => ({ roundId, villageId, ...c }))
      if (vrows.length) await tx.insert(villageCounters).values(vrows)
      for (let i = 0; i < questions.length; i += 500) {
        const chunk = questions.slice(i, i + 500).map((q) => ({ roundId, ...q }))
        if (chunk.length) await tx.insert(tallyCounters).values(chunk)
      }
    },
    async sealed(roundId: string, tx: Conn = db): Promise<SealedRow | undefined> {
      return await first(tx.select().from(sealedResults).where(eq(sealedResults.roundId, roundId)))
    },
    async insertSealed(row: typeof sealedResults.$inferInsert, tx: Conn = db): Promise<void> {
      await tx.insert(sealedResults).values(row)
    },
    async deleteSealed(roundId: string, tx: Conn = db): Promise<void> {
      await tx.delete(sealedResults).where(eq(sealedResults.roundId, roundId))
    },
  }
}
export type TallyRepo = ReturnType<typeof createTallyRepo>
