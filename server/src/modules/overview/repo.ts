import { type DbOrTx, rounds, sealedResults, tallyCounters, units, villageCounters } from '@app/db'
import { and, asc, desc, eq, inArray, sql } from 'drizzle-orm'
import type { RoundRow } from '../rounds/repo.js'
import type { QuestionCounts, VillageCounts } from '../tally/repo.js'
import type { UnitRow } from '../units/repo.js'

/** Bound on the ids bound into one `IN (…)` list. */
const CHUNK = 500

function chunked<T>(ids: readonly string[], read: (chunk: string[]) => T[]): T[] {
  const out: T[] = []
  for (let i = 0; i < ids.length; i += CHUNK) out.push(...read(ids.slice(i, i + CHUNK)))
  return out
}

/**
 * The overview reads many rounds at once: every method takes the whole set and answers with one query
 * per table (per 500 ids), never one query per commune (issue 10: 100 communes cost 400 queries, 85 ms).
 */
export function createOverviewRepo(db: DbOrTx) {
  return {
    /**
     * The communes at or under a unit, in insertion order. Walks down from the unit and stops at the
     * communes, so the villages (the bulk of the units table) are never read.
     */
    communesUnder(unitId: string, tx: DbOrTx = db): UnitRow[] {
      const sub = sql`WITH RECURSIVE sub(id, kind) AS (
          SELECT id, kind FROM units WHERE id = ${unitId}
          UNION ALL SELECT u.id, u.kind FROM units u JOIN sub ON u.parent_id = sub.id WHERE sub.kind IN ('province', 'district')
        ) SELECT id FROM sub WHERE kind = 'commune'`
      return tx.select().from(units).where(sql`${units.id} IN (${sub})`).orderBy(asc(sql`rowid`)).all()
    },
    /** The most recently created round of each commune (one query; rounds are few per commune). */
    latestByCommune(communeIds: string[], tx: DbOrTx = db): Map<string, RoundRow> {
      const out = new Map<string, RoundRow>()
      const rows = chunked(communeIds, (chunk) =>
        tx.select().from(rounds).where(inArray(rounds.communeId, chunk)).orderBy(desc(rounds.createdAt), desc(sql`rowid`)).all(),
      )
      for (const r of rows) if (!out.has(r.communeId)) out.set(r.communeId, r)
      return out
    },
    /** Every round of a commune in time order (collection window, then creation). */
    roundsOfCommune(communeId: string, tx: DbOrTx = db): RoundRow[] {
      return tx
        .select()
        .from(rounds)
        .where(eq(rounds.communeId, communeId))
        .orderBy(asc(rounds.opensAt), asc(rounds.createdAt), asc(sql`rowid`))
        .all()
    },
    /** The per-village counters of several rounds: round id → village id → counts. */
    villageCounters(roundIds: string[], tx: DbOrTx = db): Map<string, Map<string, VillageCounts>> {
      const out = new Map<string, Map<string, VillageCounts>>()
      const rows = chunked(roundIds, (chunk) => tx.select().from(villageCounters).where(inArray(villageCounters.roundId, chunk)).all())
      for (const r of rows) {
        let m = out.get(r.roundId)
        if (!m) {
          m = new Map()
          out.set(r.roundId, m)
        }
        m.set(r.villageId, { participated: r.participated, link: r.link, paper: r.paper, meeting: r.meeting, invalid: r.invalid })
      }
      return out
    },
    /**
     * The counters of one question (the overall one) for several rounds: round id → per-village counts.
     * `keyOf` maps each round to its question key; rounds sharing a key are read in one query.
     */
    questionCounters(keyOf: Map<string, string>, tx: DbOrTx = db): Map<string, QuestionCounts[]> {
      const byKey = new Map<string, string[]>()
      for (const [roundId, key] of keyOf) {
        const ids = byKey.get(key)
        if (ids) ids.push(roundId)
        else byKey.set(key, [roundId])
      }
      const out = new Map<string, QuestionCounts[]>()
      for (const [key, ids] of byKey) {
        const rows = chunked(ids, (chunk) =>
          tx
            .select({
              roundId: tallyCounters.roundId,
              villageId: tallyCounters.villageId,
              questionKey: tallyCounters.questionKey,
              valid: tallyCounters.valid,
              satisfied: tallyCounters.satisfied,
            })
            .from(tallyCounters)
            .where(and(inArray(tallyCounters.roundId, chunk), eq(tallyCounters.questionKey, key)))
            .all(),
        )
        for (const { roundId, ...c } of rows) {
          const list = out.get(roundId)
          if (list) list.push(c)
          else out.set(roundId, [c])
        }
      }
      return out
    },
    /**
     * The commune part of the sealed tally JSON of several rounds, as JSON text (SQLite extracts it, so
     * the per-village part of a large sealed record is never parsed in JS): round id → JSON text.
     */
    sealedCommuneJson(roundIds: string[], tx: DbOrTx = db): Map<string, string> {
      const rows = chunked(roundIds, (chunk) =>
        tx
          .select({ roundId: sealedResults.roundId, commune: sql<string>`json_extract(${sealedResults.tallyJson}, '$.commune')` })
          .from(sealedResults)
          .where(inArray(sealedResults.roundId, chunk))
          .all(),
      )
      return new Map(rows.map((r) => [r.roundId, r.commune]))
    },
  }
}
export type OverviewRepo = ReturnType<typeof createOverviewRepo>
