import { createHash } from 'node:crypto'
import type { Db } from '@app/db'

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
