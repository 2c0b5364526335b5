import { createHash } from 'node:crypto'
import type { Db } from '@app/db'
import type pg from 'pg'

/** SHA-256 of every row of every table (audit_log included), per table, in a stable order. */
export function hashTables(db: Db, skip: readonly string[] = []): Record<string, string> {
  const raw = db.$client
  const tables = raw.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as {
    name: string
  }[]
  const out: Record<string, string> = {}
  for (const { name } of tables) {
    if (skip.includes(name)) continue
    // Rows sorted by their serialisation: works for WITHOUT ROWID tables too.
    const rows = (raw.prepare(`SELECT * FROM "${name}"`).all() as unknown[])
      .map((row) => JSON.stringify(row, (_k, v) => (Buffer.isBuffer(v) ? v.toString('hex') : typeof v === 'bigint' ? String(v) : v)))
      .sort()
    out[name] = createHash('sha256').update(rows.join('\n')).digest('hex')
  }
  return out
}

/** Names of the tables whose content differs between two hashTables() snapshots. */
export function changedTables(before: Record<string, string>, after: Record<string, string>): string[] {
  const names = new Set([...Object.keys(before), ...Object.keys(after)])
  return [...names].filter((n) => before[n] !== after[n])
}

/**
 * hashTables on PostgreSQL, through `pool` (on a one-connection pool inside a case: what the case sees). Each
 * table's rows as text, sorted bytewise (COLLATE "C"), hashed by the server: the same content gives the same hash
 * whatever the heap order.
 */
export async function hashPgTables(pool: Pick<pg.Pool, 'query'>, skip: readonly string[] = []): Promise<Record<string, string>> {
  const tables = (
    await pool.query<{ name: string }>(`SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename COLLATE "C"`)
  ).rows.filter((t) => !skip.includes(t.name))
  if (tables.length === 0) return {}
  const q = tables
    .map(
      (t, i) =>
        `SELECT ${i} AS i, encode(sha256(convert_to(coalesce(string_agg(r::text, E'\\n' ORDER BY r::text COLLATE "C"), ''), 'UTF8')), 'hex') AS h FROM "${t.name}" r`,
    )
    .join(' UNION ALL ')
  const { rows } = await pool.query<{ i: number; h: string }>(q)
  const out: Record<string, string> = {}
  for (const r of rows) out[(tables[r.i] as { name: string }).name] = r.h
  return out
}
