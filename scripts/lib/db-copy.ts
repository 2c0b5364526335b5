/**
 * Copying a SQLite database into an empty PostgreSQL one (`pnpm db:copy`): which tables, in which order, how each
 * value is converted, and a digest of every table that both sides must agree on.
 *
 * Everything is read from the SQLite tables of db/src/schema.ts (the one definition of the data model, from which
 * the PostgreSQL schema is built too): a table or column added there is copied with no list to keep here. A column
 * type with no conversion below stops the copy before anything is written.
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { MIGRATIONS_FOLDER, schema } from '@app/db'
import { canonicalJson } from '@app/server/lib/hash.ts'
import type Database from 'better-sqlite3'
import { getTableName, is } from 'drizzle-orm'
import { getTableConfig, type SQLiteColumn, SQLiteTable } from 'drizzle-orm/sqlite-core'
import type pg from 'pg'

/** How a column's values travel: SQLite storage → PostgreSQL column type (as db/src/schema-pg.ts maps them). */
export type ColumnKind = 'text' | 'integer' | 'boolean' | 'json' | 'real' | 'blob'

export interface ColumnPlan {
  name: string
  kind: ColumnKind
  notNull: boolean
}

export interface TablePlan {
  name: string
  columns: ColumnPlan[]
  /** Primary key columns, in key order. */
  primaryKey: string[]
  /** Columns referencing this same table (units.parent_id): rows are inserted parents first. */
  selfReferences: { column: string; references: string }[]
}

const KINDS: Record<string, ColumnKind> = {
  SQLiteText: 'text',
  SQLiteTextJson: 'json',
  SQLiteBlobJson: 'json',
  SQLiteInteger: 'integer',
  SQLiteBoolean: 'boolean',
  SQLiteReal: 'real',
  SQLiteBlobBuffer: 'blob',
}

/**
 * Every table of schema.ts in foreign-key order (a table after every table it references), ties in order of
 * name (a module namespace lists its exports alphabetically). A cycle between two tables would need deferred
 * constraints: it stops here, named.
 */
export function copyPlan(): TablePlan[] {
  const tables = (Object.values(schema) as unknown[]).filter((v): v is SQLiteTable => is(v, SQLiteTable))
  const plans = new Map<string, TablePlan & { dependsOn: Set<string> }>()
  for (const table of tables) {
    const config = getTableConfig(table)
    const columns = config.columns.map((c: SQLiteColumn) => {
      const kind = KINDS[c.columnType]
      if (!kind) throw new Error(`db-copy: no conversion for ${config.name}.${c.name} (${c.columnType}); add one in scripts/lib/db-copy.ts`)
      return { name: c.name, kind, notNull: c.notNull }
    })
    const composite = config.primaryKeys[0]
    const primaryKey = composite ? composite.columns.map((c) => c.name) : config.columns.filter((c) => c.primary).map((c) => c.name)
    if (primaryKey.length === 0) throw new Error(`db-copy: ${config.name} has no primary key to order and compare its rows by`)
    const dependsOn = new Set<string>()
    const selfReferences: TablePlan['selfReferences'] = []
    for (const fk of config.foreignKeys) {
      const ref = fk.reference()
      const target = getTableName(ref.foreignTable)
      if (target !== config.name) dependsOn.add(target)
      else
        ref.columns.forEach((c, i) => {
          selfReferences.push({ column: c.name, references: (ref.foreignColumns[i] as SQLiteColumn).name })
        })
    }
    plans.set(config.name, { name: config.name, columns, primaryKey, selfReferences, dependsOn })
  }
  const ordered: TablePlan[] = []
  const done = new Set<string>()
  while (done.size < plans.size) {
    const next = [...plans.values()].find((p) => !done.has(p.name) && [...p.dependsOn].every((d) => done.has(d) || !plans.has(d)))
    if (!next) {
      const left = [...plans.values()].filter((p) => !done.has(p.name)).map((p) => p.name)
      throw new Error(`db-copy: the foreign keys between ${left.join(', ')} form a cycle; no insertion order exists`)
    }
    done.add(next.name)
    const { dependsOn: _, ...plan } = next
    ordered.push(plan)
  }
  return ordered
}

export const quote = (name: string) => `"${name.replaceAll('"', '""')}"`

/**
 * Whether the SQLite file has exactly the migrations this code has (db/drizzle): the copy writes the current schema's
 * columns, and a file from an older version lacks some. Returns a message when it does not.
 */
export function sourceSchemaProblem(sqlite: Database.Database, path: string): string | null {
  const journal = JSON.parse(readFileSync(join(MIGRATIONS_FOLDER, 'meta', '_journal.json'), 'utf8')) as { entries: unknown[] }
  let applied = 0
  try {
    applied = (sqlite.prepare('SELECT count(*) AS n FROM __drizzle_migrations').get() as { n: number }).n
  } catch {
    return `${path} has no migrations table: not a database of this application`
  }
  if (applied < journal.entries.length)
    return `${path} has ${applied} of the ${journal.entries.length} migrations: bring it to the current schema first (pnpm db:migrate with DATABASE_PATH=${path}, or start the server on it once)`
  if (applied > journal.entries.length)
    return `${path} has ${applied} migrations, this version knows ${journal.entries.length}: copy it with the version that wrote it`
  return null
}

/** A SQLite value as the PostgreSQL driver should send it (integers read as BigInt, so none loses precision). */
function toPg(value: unknown, kind: ColumnKind, where: () => string): unknown {
  if (value === null) return null
  switch (kind) {
    case 'boolean':
      if (value === 0n || value === 0) return false
      if (value === 1n || value === 1) return true
      throw new Error(`db-copy: ${where()} is ${String(value)}, not a boolean 0/1`)
    case 'integer':
      if (typeof value === 'bigint' || typeof value === 'number') return value.toString()
      throw new Error(`db-copy: ${where()} holds ${typeof value} ${JSON.stringify(value)}, not an integer`)
    case 'json':
      // the text goes as it is; PostgreSQL checks it is JSON (and refuses it, naming the row's table, if not) and keeps it
      if (typeof value === 'string') return value
      throw new Error(`db-copy: ${where()} holds ${typeof value}, not JSON text`)
    default:
      return typeof value === 'bigint' ? value.toString() : value
  }
}

/** Rows per INSERT: one array parameter per column, so no parameter limit; this bounds the statement's memory. */
const ROWS_PER_INSERT = 5_000

/** The PostgreSQL type of each column of `table` in the target (int4 or int8, json…), for the arrays' casts. */
async function targetTypes(client: pg.ClientBase, table: TablePlan): Promise<Map<string, string>> {
  const res = await client.query<{ name: string; type: string }>(
    `SELECT attname AS name, format_type(atttypid, atttypmod) AS type FROM pg_attribute
      WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped`,
    [quote(table.name)],
  )
  const types = new Map(res.rows.map((r) => [r.name, r.type]))
  for (const c of table.columns) if (!types.has(c.name)) throw new Error(`db-copy: the target has no column ${table.name}.${c.name}`)
  return types
}

/**
 * INSERT … SELECT FROM unnest($1::type[], $2::type[], …): a batch is one array per column, inserted in array order. A
 * multi-row VALUES list needs a parameter per value (at most 65,535 per statement) and is no faster here: most of the
 * time goes to foreign-key checks and index upkeep on PostgreSQL's side.
 */
function insertSql(table: TablePlan, types: Map<string, string>): string {
  const arrays = table.columns.map((c, i) => `$${i + 1}::${types.get(c.name)}[]`)
  return `INSERT INTO ${quote(table.name)} (${table.columns.map((c) => quote(c.name)).join(',')}) SELECT * FROM unnest(${arrays.join(',')})`
}

/** SELECT of a table's columns in primary-key order (SQLite compares text bytewise, as PostgreSQL's "C" collation). */
export function selectInKeyOrder(table: TablePlan, dialect: 'sqlite' | 'pg'): string {
  const kinds = new Map(table.columns.map((c) => [c.name, c.kind]))
  const order = table.primaryKey.map((k) => (dialect === 'pg' && kinds.get(k) === 'text' ? `${quote(k)} COLLATE "C"` : quote(k)))
  return `SELECT ${table.columns.map((c) => quote(c.name)).join(',')} FROM ${quote(table.name)} ORDER BY ${order.join(',')}`
}

/**
 * Rows of a table with a self-reference, parents before the rows that point at them, ties in key order. Rows in a
 * reference cycle (A's successor B, B's successor A) come back in `cyclic`: inserted with those columns null, then
 * updated once all are in.
 */
function parentsFirst(table: TablePlan, rows: unknown[][]): { ordered: unknown[][]; cyclic: unknown[][] } {
  const at = (name: string) => table.columns.findIndex((c) => c.name === name)
  if (table.primaryKey.length !== 1) throw new Error(`db-copy: self-reference in ${table.name}, whose key has several columns`)
  const key = at(table.primaryKey[0] as string)
  const refs = table.selfReferences.map((r) => {
    if (r.references !== table.primaryKey[0]) throw new Error(`db-copy: ${table.name}.${r.column} references a column other than its key`)
    return at(r.column)
  })
  const present = new Set(rows.map((r) => String(r[key])))
  const placed = new Set<string>()
  const ordered: unknown[][] = []
  let waiting = rows
  for (;;) {
    const still: unknown[][] = []
    for (const row of waiting) {
      const ready = refs.every((i) => {
        const v = row[i]
        return v === null || v === undefined || !present.has(String(v)) || placed.has(String(v)) || String(v) === String(row[key])
      })
      if (ready) {
        ordered.push(row)
        placed.add(String(row[key]))
      } else still.push(row)
    }
    if (still.length === 0 || still.length === waiting.length) return { ordered, cyclic: still }
    waiting = still
  }
}

export interface TableCopied {
  table: string
  rows: number
  ms: number
}

/**
 * Copy every table, inside the caller's SQLite read transaction and PostgreSQL transaction. Rows go in primary-key
 * order: the tables whose rows a household or a ballot writes (ballots, participations, pending_ballots, invitations,
 * feedback) are keyed by random ids or by (round, household), so PostgreSQL's heap order (ctid, page order) is
 * random-key order and tells nothing about when anyone answered — never SQLite's rowid or a time column, which
 * would carry the answering order into the new heap (TRUST.md §2.1, §2.3).
 */
export async function copyTables(
  sqlite: Database.Database,
  client: pg.ClientBase,
  plan: TablePlan[],
  onTable: (t: TableCopied) => void = () => {},
): Promise<TableCopied[]> {
  const out: TableCopied[] = []
  for (const table of plan) {
    const started = performance.now()
    const sql = insertSql(table, await targetTypes(client, table))
    const statementName = `db_copy_${table.name}`.slice(0, 63)
    let inFlight: Promise<unknown> | null = null
    let rows = 0
    let batch: unknown[][] = table.columns.map(() => [])
    let batchRows = 0
    // one INSERT at a time in flight, the next batch built while PostgreSQL runs it
    const flush = async () => {
      if (batchRows === 0) return
      const q = client.query({ name: statementName, text: sql, values: batch })
      q.catch(() => {})
      if (inFlight) await inFlight
      inFlight = q
      batch = table.columns.map(() => [])
      batchRows = 0
    }
    /** Adds a row to the batch; true when the batch is full (then flush it). */
    const add = (row: unknown[]): boolean => {
      for (let c = 0; c < table.columns.length; c++) {
        const col = table.columns[c] as ColumnPlan
        ;(batch[c] as unknown[]).push(toPg(row[c], col.kind, () => `${table.name}.${col.name} (row ${rows + 1})`))
      }
      batchRows++
      rows++
      return batchRows === ROWS_PER_INSERT
    }
    const select = sqlite.prepare(selectInKeyOrder(table, 'sqlite')).raw(true).safeIntegers(true)
    if (table.selfReferences.length === 0) {
      for (const row of select.iterate() as Iterable<unknown[]>) if (add(row)) await flush()
    } else {
      const { ordered, cyclic } = parentsFirst(table, select.all() as unknown[][])
      const refIdx = table.selfReferences.map((r) => table.columns.findIndex((c) => c.name === r.column))
      for (const row of ordered) if (add(row)) await flush()
      for (const row of cyclic) {
        const cleared = [...row]
        for (const i of refIdx) {
          if ((table.columns[i] as ColumnPlan).notNull)
            throw new Error(`db-copy: rows of ${table.name} reference each other through a NOT NULL column`)
          cleared[i] = null
        }
        if (add(cleared)) await flush()
      }
      await flush()
      await inFlight
      inFlight = null
      const key = table.primaryKey[0] as string
      const keyIdx = table.columns.findIndex((c) => c.name === key)
      for (const row of cyclic) {
        const sets = table.selfReferences.map((r, j) => `${quote(r.column)} = $${j + 2}`)
        await client.query(`UPDATE ${quote(table.name)} SET ${sets.join(', ')} WHERE ${quote(key)} = $1`, [
          toPg(row[keyIdx], 'text', () => key),
          ...refIdx.map((i) => toPg(row[i], 'text', () => table.name)),
        ])
      }
    }
    await flush()
    if (inFlight) await inFlight
    const copied = { table: table.name, rows, ms: performance.now() - started }
    out.push(copied)
    onTable(copied)
  }
  return out
}

/** The rows of our tables that exist in the PostgreSQL database now (tables not created yet count as empty). */
export async function tablesWithRows(client: pg.ClientBase, plan: TablePlan[]): Promise<string[]> {
  const found: string[] = []
  for (const t of plan) {
    const exists = await client.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [quote(t.name)])
    if (exists.rows[0]?.t === null) continue
    const any = await client.query(`SELECT 1 FROM ${quote(t.name)} LIMIT 1`)
    if (any.rows.length > 0) found.push(t.name)
  }
  return found
}

/**
 * A value as both sides must agree on it: integers as decimal text, JSON canonical (a PostgreSQL database made before
 * migration 0001 held jsonb, which reorders keys), bytes as hex.
 */
function normalise(value: unknown, kind: ColumnKind): unknown {
  if (value === null || value === undefined) return null
  switch (kind) {
    case 'integer':
      return String(value)
    case 'boolean':
      return value === true || value === 1n || value === 1
    case 'json':
      return canonicalJson(typeof value === 'string' ? JSON.parse(value) : value)
    case 'real':
      return Number(value)
    case 'blob':
      return Buffer.isBuffer(value) ? value.toString('hex') : String(value)
    default:
      return typeof value === 'bigint' ? String(value) : value
  }
}

export interface TableDigest {
  table: string
  rows: number
  /** sha256 over the table's rows in primary-key order, each value normalised. */
  sha256: string
}

function digester(table: TablePlan) {
  const h = createHash('sha256')
  let rows = 0
  return {
    add(row: unknown[]) {
      h.update(JSON.stringify(table.columns.map((c, i) => normalise(row[i], c.kind))))
      h.update('\n')
      rows++
    },
    done: (): TableDigest => ({ table: table.name, rows, sha256: h.digest('hex') }),
  }
}

/** Digest of every table of a SQLite database (call it inside the read transaction the copy read). */
export function sqliteDigests(sqlite: Database.Database, plan: TablePlan[]): TableDigest[] {
  return plan.map((table) => {
    const d = digester(table)
    for (const row of sqlite.prepare(selectInKeyOrder(table, 'sqlite')).raw(true).safeIntegers(true).iterate() as Iterable<unknown[]>)
      d.add(row)
    return d.done()
  })
}

/** Digest of every table of the PostgreSQL copy, read through a cursor in one read-only snapshot. */
export async function pgDigests(client: pg.ClientBase, plan: TablePlan[]): Promise<TableDigest[]> {
  const out: TableDigest[] = []
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY')
  try {
    for (const table of plan) {
      const d = digester(table)
      await client.query(`DECLARE db_copy_digest NO SCROLL CURSOR FOR ${selectInKeyOrder(table, 'pg')}`)
      for (;;) {
        const page = await client.query<unknown[]>({ text: 'FETCH 5000 FROM db_copy_digest', rowMode: 'array' })
        for (const row of page.rows) d.add(row)
        if (page.rows.length < 5000) break
      }
      await client.query('CLOSE db_copy_digest')
      out.push(d.done())
    }
  } finally {
    await client.query('COMMIT')
  }
  return out
}
