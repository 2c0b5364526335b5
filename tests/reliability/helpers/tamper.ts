/**
 * What a database holder with our code can recompute when tampering (TRUST.md §3.2), on either engine: `raw` is a
 * better-sqlite3 connection or pg-sync's stand-in for one over a PostgreSQL database (same prepare/all/get/run).
 */
import type { Db } from '@app/db'
import { canonicalJson, GENESIS_HASH } from '@app/server/lib/hash.ts'
import { ballotDigest, entryHash, type LedgerEntry } from '@app/server/lib/ledger.ts'
import type { FastifyInstance } from 'fastify'
import { expect } from 'vitest'
import { allSatisfied, makeWorld, openRoundWithLinks, overallNo } from '../../helpers/rounds.js'

interface RawStatement {
  all(...params: unknown[]): unknown[]
  get(...params: unknown[]): unknown
  run(...params: unknown[]): unknown
}
export interface RawDb {
  prepare(sql: string): RawStatement
}

/** Rewrite the whole chain from the ballots as they are now, and the sealed root with it. */
export function rechain(raw: RawDb, roundId: string): void {
  const rows = raw.prepare('SELECT seq, entry FROM ledger WHERE round_id = ? ORDER BY seq').all(roundId) as { seq: number; entry: string }[]
  const ballot = raw.prepare('SELECT id, round_id, village_id, channel, answers, comment, day FROM ballots WHERE id = ?')
  let prev = GENESIS_HASH
  for (const r of rows) {
    const e = JSON.parse(r.entry) as LedgerEntry
    if (e.kind === 'ballot') {
      const b = ballot.get(e.ballotId) as Record<string, string>
      e.digest = ballotDigest({
        id: b.id as string,
        roundId: b.round_id as string,
        villageId: b.village_id as string,
        channel: b.channel as string,
        answers: JSON.parse(b.answers as string),
        comment: b.comment ?? null,
        day: b.day as string,
      })
    }
    const hash = entryHash(prev, e)
    raw
      .prepare('UPDATE ledger SET entry = ?, prev_hash = ?, hash = ? WHERE round_id = ? AND seq = ?')
      .run(canonicalJson(e), prev, hash, roundId, r.seq)
    prev = hash
  }
  raw.prepare('UPDATE sealed_results SET ledger_root_hash = ? WHERE round_id = ?').run(prev, roundId)
}

/**
 * The sealed round both engines' tampering suites attack: 14 link ballots (every third not satisfied overall) and
 * one paper ballot, closed and sealed through the API. `db` is the synchronous handle for the fixtures. Its id.
 */
export async function sealedRoundToTamper(app: FastifyInstance, db: Db): Promise<string> {
  const w = await makeWorld(app, db, { perVillage: 10 })
  const { round, tokens, links } = await openRoundWithLinks(app, w)
  for (let i = 0; i < 14; i++) {
    const res = await app.inject({
      method: 'POST',
      url: `/api/ballots/${tokens[i]}`,
      payload: { answers: i % 3 === 0 ? overallNo : allSatisfied },
    })
    expect(res.statusCode).toBe(201)
  }
  const paper = await app.inject({
    method: 'POST',
    url: `/api/rounds/${round.id}/paper-ballots`,
    headers: w.auth.xa,
    payload: { householdId: links[15]?.householdId, channel: 'paper', answers: overallNo },
  })
  expect(paper.statusCode).toBe(201)
  expect((await app.inject({ method: 'POST', url: `/api/rounds/${round.id}/close`, headers: w.auth.xa, payload: {} })).statusCode).toBe(200)
  expect((await app.inject({ method: 'POST', url: `/api/rounds/${round.id}/seal`, headers: w.auth.xa })).statusCode).toBe(200)
  return round.id
}
