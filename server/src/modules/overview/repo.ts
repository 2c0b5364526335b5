import { type Conn, insertionOrder, isPostgres, rawAll, rounds, sealedResults, tallyCounters, units, villageCounters } from '@app/db'
import { asc, eq, inArray, sql } from 'drizzle-orm'
import type { RoundRow } from '../rounds/repo.js'
import type { QuestionCounts, VillageCounts } from '../tally/repo.js'
import type { UnitRow } from '../units/repo.js'

/** Bound on the ids bound into one `IN (…)` list. */
const CHUNK = 500

async function chunked<T>(ids: readonly string[], read: (chunk: string[]) => Promise<T[]>): Promise<T[]> {
  const out: T[] = []
  for (let i = 0; i < ids.length; i += CHUNK) out.push(...(await read(ids.slice(i, i + CHUNK))))
  return out
}

/**
 * The overview reads many rounds at once: every method takes the whole set and answers with one query
 * per table (per 500 ids), never one query per commune (one per commune cost 400 queries, 85 ms, for 100 communes).
 */
export function createOverviewRepo(db: Conn) {
  return {
    /**
     * The communes at or under a unit, in insertion order. Walks down from the unit and stops at the
     * communes, so the villages (the bulk of the units table) are never read.
     */
    async communesUnder(unitId: string, tx: Conn = db): Promise<UnitRow[]> {
      const sub = sql`WITH RECURSIVE sub(id, kind) AS (
          SELECT id, kind FROM units WHERE id = ${unitId}
          UNION ALL SELECT u.id, u.kind FROM units u JOIN sub ON u.parent_id = sub.id WHERE sub.kind IN ('province', 'district')
        ) SELECT id FROM sub WHERE kind = 'commune'`
      return await tx
        .select()
        .from(units)
        .where(sql`${units.id} IN (${sub})`)
        .orderBy(...insertionOrder(tx, units))
    },
    /**
     * The rounds the overview shows per commune, newest first (two queries: the ids, then those rows): every
     * round still open or closed (unsealed), so none in progress is hidden behind another, and the most
     * recently created one.
     */
    async currentByCommune(communeIds: string[], tx: Conn = db): Promise<Map<string, RoundRow[]>> {
      const ids = (
        await chunked(communeIds, (chunk) =>
          rawAll<{ id: string }>(
            tx,
            sql`
            SELECT id FROM (
              SELECT id, status, row_number() OVER (PARTITION BY commune_id ORDER BY created_at DESC, ${isPostgres(tx) ? sql`ctid` : sql`rowid`} DESC) AS n
              FROM rounds WHERE ${inArray(rounds.communeId, chunk)}
            ) AS t WHERE n = 1 OR status IN ('open', 'closed')`,
          ),
        )
      ).map((r) => r.id)
      const rows = await chunked(ids, async (chunk) => await tx.select().from(rounds).where(inArray(rounds.id, chunk)))
      const out = new Map<string, RoundRow[]>()
      for (const r of rows.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id))) {
        const list = out.get(r.communeId)
        if (list) list.push(r)
        else out.set(r.communeId, [r])
      }
      return out
    },
    /** Every round of a commune in time order (collection window, then creation). */
    async roundsOfCommune(communeId: string, tx: Conn = db): Promise<RoundRow[]> {
      return await tx
        .select()
        .from(rounds)
        .where(eq(rounds.communeId, communeId))
        .orderBy(asc(rounds.opensAt), ...insertionOrder(tx, rounds))
    },
    /** The per-village counters of several rounds: round id → village id → counts. */
    async villageCounters(roundIds: string[], tx: Conn = db): Promise<Map<string, Map<string, VillageCounts>>> {
      const out = new Map<string, Map<string, VillageCounts>>()
      // plain rows (no per-row mapping): a province reads ~10 rows per commune
      const rows = await chunked(roundIds, (chunk) =>
        rawAll<VillageCounts & { roundId: string; villageId: string }>(
          tx,
          sql`
          SELECT round_id AS "roundId", village_id AS "villageId", participated, link, paper, meeting, invalid
          FROM village_counters WHERE ${inArray(villageCounters.roundId, chunk)}`,
        ),
      )
      for (const { roundId, villageId, ...c } of rows) {
        let m = out.get(roundId)
        if (!m) {
          m = new Map()
          out.set(roundId, m)
        }
        m.set(villageId, c)
      }
      return out
    },
    /**
     * The counters of one question (the overall one) for several rounds: round id → per-village counts.
     * `keyOf` maps each round to its question key; rounds sharing a key are read in one query.
     */
    async questionCounters(keyOf: Map<string, string>, tx: Conn = db): Promise<Map<string, QuestionCounts[]>> {
      const byKey = new Map<string, string[]>()
      for (const [roundId, key] of keyOf) {
        const ids = byKey.get(key)
        if (ids) ids.push(roundId)
        else byKey.set(key, [roundId])
      }
      const out = new Map<string, QuestionCounts[]>()
      for (const [key, ids] of byKey) {
        const rows = await chunked(ids, (chunk) =>
          rawAll<QuestionCounts & { roundId: string }>(
            tx,
            sql`
            SELECT round_id AS "roundId", village_id AS "villageId", question_key AS "questionKey", valid, satisfied
            FROM tally_counters WHERE ${inArray(tallyCounters.roundId, chunk)} AND question_key = ${key}`,
          ),
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
    async sealedCommuneJson(roundIds: string[], tx: Conn = db): Promise<Map<string, string>> {
      const rows = await chunked(
        roundIds,
        async (chunk) =>
          await tx
            .select({
              roundId: sealedResults.roundId,
              commune: isPostgres(tx)
                ? sql<string>`((${sealedResults.tallyJson})::jsonb -> 'commune')::text`
                : sql<string>`json_extract(${sealedResults.tallyJson}, '$.commune')`,
            })
            .from(sealedResults)
            .where(inArray(sealedResults.roundId, chunk)),
      )
      return new Map(rows.map((r) => [r.roundId, r.commune]))
    },
  }
}
export type OverviewRepo = ReturnType<typeof createOverviewRepo>
