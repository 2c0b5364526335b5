/**
 * The database holder's view (TRUST.md §1 "D", §3.1): a copy of the SQLite file (and its WAL) taken while the
 * real server runs on it, and the ways such a holder tries to pair each ballot with its household.
 */
import { accessSync, constants, copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Db } from '@app/db'
import Database from 'better-sqlite3'
import type { Holder, HolderView, Row } from './linkage-sim.js'

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

/** The holder of a SQLite file: a copy of the file and its WAL, taken at each look. */
export function sqliteHolder(path: string): Holder {
  return {
    take(): HolderView {
      const copy = stealCopy(path)
      return {
        all: (sql, params) => copy.db.prepare(sql).all(...params) as Row[],
        orders: (table, roundId, keep) => {
          const all = implicitOrders<Row>(copy.db, table, 'round_id = ?', [roundId])
          return Object.fromEntries(Object.entries(all).map(([name, rows]) => [name, rows.filter(keep)]))
        },
        bytes: () => copy.bytes,
        dispose: () => copy.dispose(),
      }
    },
  }
}

/**
 * The holder of a PostgreSQL database, as its superuser: the live database itself (SELECT without ORDER BY gives heap
 * order; ctid the physical slot; xmin the inserting transaction, so the order transactions wrote in), and, when this
 * process can read the server's data directory, the database's relation files and the WAL segments written since the
 * round opened, read as they lie on disk (no CHECKPOINT first). `sync` is a pg-sync handle on the database.
 */
export function pgHolder(sync: Db): Holder & { filesReadable: () => string | undefined } {
  const client = sync.$client
  const one = <T>(sql: string, params: unknown[] = []) => client.prepare(sql).get(...params) as T
  const dataDir = one<{ data_directory: string }>('SHOW data_directory').data_directory
  const dbOid = one<{ oid: string }>('SELECT oid::text AS oid FROM pg_database WHERE datname = current_database()').oid
  /** The WAL segment being written and the offset in it (what pg_current_wal_lsn points at). */
  const walNow = () => {
    const r = one<{ f: string; o: number }>('SELECT file_name AS f, file_offset AS o FROM pg_walfile_name_offset(pg_current_wal_lsn())')
    return { file: r.f, offset: Number(r.o) }
  }
  let openedAt: { file: string; offset: number } | undefined
  const unreadable = (() => {
    try {
      accessSync(join(dataDir, 'base', dbOid), constants.R_OK)
      accessSync(join(dataDir, 'pg_wal'), constants.R_OK)
      return undefined
    } catch (e) {
      return `the data directory ${dataDir} is not readable by this process (${(e as Error).message}): run the test as root or as the postgres user`
    }
  })()
  const walSince = (): Buffer => {
    const to = walNow()
    const from = openedAt ?? to
    const dir = join(dataDir, 'pg_wal')
    const names = readdirSync(dir)
      .filter((f) => /^[0-9A-F]{24}$/.test(f) && f >= from.file && f <= to.file)
      .sort()
    // the bytes between the two positions (a segment is 16 MB; a round writes far less), what lies on disk now
    return Buffer.concat(
      names.map((f) => {
        const b = readFileSync(join(dir, f))
        return b.subarray(f === from.file ? from.offset : 0, f === to.file ? Math.max(to.offset, from.offset) : b.length)
      }),
    )
  }
  return {
    filesReadable: () => unreadable,
    roundOpened() {
      openedAt = walNow()
    },
    take(): HolderView {
      // one read per table and order for the whole look: the database does not change while the holder looks
      const seen = new Map<string, Record<string, Row[]>>()
      const read = (table: string, roundId: string) => ({
        scan: client.prepare(`SELECT * FROM ${table} WHERE round_id = ?`).all(roundId) as Row[],
        ctid: client.prepare(`SELECT * FROM ${table} WHERE round_id = ? ORDER BY ctid`).all(roundId) as Row[],
        // a later update gives a row a new xmin: the order of the last write of each row
        xmin: client.prepare(`SELECT * FROM ${table} WHERE round_id = ? ORDER BY xmin::text::bigint, ctid`).all(roundId) as Row[],
      })
      return {
        all: (sql, params) => client.prepare(sql).all(...params) as Row[],
        orders: (table, roundId, keep) => {
          const key = `${table}:${roundId}`
          const all = seen.get(key) ?? read(table, roundId)
          seen.set(key, all)
          return Object.fromEntries(Object.entries(all).map(([name, rows]) => [name, rows.filter(keep)]))
        },
        sameTransaction(roundId) {
          const rows = client
            .prepare(
              `SELECT p.household_id, b.receipt, b.client_key FROM participations p
               JOIN pending_ballots b ON b.xmin = p.xmin AND b.round_id = p.round_id WHERE p.round_id = ?`,
            )
            .all(roundId) as { household_id: string; receipt: string; client_key: string | null }[]
          const out = new Map<string, string>()
          for (const r of rows) {
            out.set(r.receipt, r.household_id)
            if (r.client_key) out.set(r.client_key, r.household_id)
          }
          return out
        },
        bytes() {
          if (unreadable) return Buffer.alloc(0)
          const base = join(dataDir, 'base', dbOid)
          const files = readdirSync(base).map((f) => {
            try {
              return readFileSync(join(base, f))
            } catch {
              // a relation file dropped meanwhile (a temporary table's)
              return Buffer.alloc(0)
            }
          })
          return Buffer.concat([...files, walSince()])
        },
        walSinceOpen: () => (unreadable ? undefined : walSince()),
        dispose() {},
      }
    },
  }
}
