/**
 * What a database holder with our code can recompute when tampering (TRUST.md §3.2), on either engine: `raw` is a
 * better-sqlite3 connection or pg-sync's stand-in for one over a PostgreSQL database (same prepare/all/get/run).
 */
import { canonicalJson, GENESIS_HASH } from '@app/server/lib/hash.ts'
import { ballotDigest, entryHash, type LedgerEntry } from '@app/server/lib/ledger.ts'

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
