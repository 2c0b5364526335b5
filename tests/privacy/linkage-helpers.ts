/**
 * The database holder's view (TRUST.md §1 "D", §3.1): a copy of the SQLite file (and its WAL) taken while the
 * real server runs on it, and the ways such a holder tries to pair each ballot with its household.
 */
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'

export interface Copy {
  db: Database.Database
  /** Every byte the holder has: the main file and the WAL. */
  bytes: Buffer
  dispose(): void
}

/** Copy the live file and its WAL as a thief would (no checkpoint, no cooperation), then open the copy. */
export function stealCopy(path: string): Copy {
  const dir = mkdtempSync(join(tmpdir(), 'hailong-stolen-'))
  const to = join(dir, 'copy.db')
  copyFileSync(path, to)
  const parts = [readFileSync(path)]
  if (existsSync(`${path}-wal`)) {
    copyFileSync(`${path}-wal`, `${to}-wal`)
    parts.push(readFileSync(`${path}-wal`))
  }
  const db = new Database(to)
  return {
    db,
    bytes: Buffer.concat(parts),
    dispose: () => {
      db.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

export function hasRowid(db: Database.Database, table: string): boolean {
  const row = db.prepare('SELECT wr FROM pragma_table_list WHERE name = ?').get(table) as { wr: number } | undefined
  return row !== undefined && row.wr === 0
}

/** Rows of a table in the orders a holder can read without any column: rowid (when there is one) and scan order. */
export function implicitOrders<T>(db: Database.Database, table: string, where: string, params: unknown[]): Record<string, T[]> {
  const out: Record<string, T[]> = { scan: db.prepare(`SELECT * FROM ${table} WHERE ${where}`).all(...params) as T[] }
  if (hasRowid(db, table)) out.rowid = db.prepare(`SELECT * FROM ${table} WHERE ${where} ORDER BY rowid`).all(...params) as T[]
  return out
}

/** Pair the i-th household of one order with the i-th ballot of another; how many pairs are right. */
export function pairByRank(households: readonly string[], ballotsTruth: readonly string[]): number {
  const n = Math.min(households.length, ballotsTruth.length)
  let right = 0
  for (let i = 0; i < n; i++) if (households[i] === ballotsTruth[i]) right++
  return right
}

/**
 * Tally of attacks over simulated rounds. A group is one (round, village, channel) batch of k ballots; a
 * perfect shuffle still gets about 1 of the k right by chance, so the mean number right per group must stay
 * under 1.5 (a mean correct-link rate under 1.5 / k).
 */
export class AttackScore {
  readonly byAttack = new Map<string, { right: number; groups: number; size: number }>()

  add(attack: string, right: number, size: number): void {
    const s = this.byAttack.get(attack) ?? { right: 0, groups: 0, size: 0 }
    s.right += right
    s.groups += 1
    s.size += size
    this.byAttack.set(attack, s)
  }

  /** Attacks whose mean right-per-group reached 1.5 (rate ≥ 1.5 / k), with their rates. */
  broken(): string[] {
    return [...this.byAttack.entries()]
      .filter(([, s]) => s.groups > 0 && s.right / s.groups >= 1.5)
      .map(([a, s]) => `${a}: ${s.right}/${s.size} linked over ${s.groups} batches (${(s.right / s.groups).toFixed(2)} per batch)`)
  }
}
