/**
 * The bench on PostgreSQL (`pnpm bench --engine postgres|both`): temporary databases on the server at BENCH_PG_URL
 * (default postgres://postgres@127.0.0.1:5432/test), filled by copying a SQLite bench world with db:copy's library
 * (scripts/lib/db-copy.ts: the same tables, values and key order as `pnpm db:copy`), and dropped at the end, even
 * after a failure. The SQLite path does not go through this file.
 */
import { randomBytes } from 'node:crypto'
import { migratePg } from '@app/db/pg'
import Database from 'better-sqlite3'
import { drizzle } from 'drizzle-orm/node-postgres'
import pg from 'pg'
import { copyPlan, copyTables, sourceSchemaProblem } from '../lib/db-copy.js'

export const PG_ADMIN_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

/** The URL of database `name` on the same server as PG_ADMIN_URL. */
export function urlOf(name: string): string {
  const u = new URL(PG_ADMIN_URL)
  u.pathname = `/${name}`
  return u.toString()
}

const RUN = `bench_${randomBytes(3).toString('hex')}`
const created = new Set<string>()

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: PG_ADMIN_URL })
  await c.connect()
  try {
    return await fn(c)
  } finally {
    await c.end()
  }
}

/** A new empty database bench_<run>_<label> (or a copy of `template`); its URL. */
export async function createBenchDb(label: string, template?: string): Promise<{ name: string; url: string }> {
  const name = `${RUN}_${label}`.toLowerCase()
  await admin((c) => c.query(`CREATE DATABASE "${name}"${template ? ` TEMPLATE "${template}"` : ''}`))
  created.add(name)
  return { name, url: urlOf(name) }
}

export async function dropBenchDb(name: string): Promise<void> {
  await admin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`))
  created.delete(name)
}

/** Drop every database this run created (called at the end of the run, whatever happened). */
export async function dropAllBenchDbs(): Promise<string[]> {
  const names = [...created]
  for (const n of names) await dropBenchDb(n)
  return names
}

export async function pgVersion(): Promise<string> {
  const v = await admin(async (c) => (await c.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0]?.v)
  return v?.split(' ')[0] ?? 'unknown'
}

/**
 * Copy the SQLite file at `from` into the empty database at `url` as `pnpm db:copy` does (migrations, then every
 * table in one transaction, then ANALYZE), without its digest comparison (db:copy's own tests cover that).
 */
export async function copyWorld(from: string, url: string): Promise<{ rows: number; ms: number; ballots: number }> {
  const sqlite = new Database(from, { readonly: true, fileMustExist: true })
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    const problem = sourceSchemaProblem(sqlite, from)
    if (problem) throw new Error(problem)
    await migratePg(drizzle(client))
    const t0 = performance.now()
    sqlite.exec('BEGIN')
    let copied: Awaited<ReturnType<typeof copyTables>>
    try {
      await client.query('BEGIN')
      copied = await copyTables(sqlite, client, copyPlan())
      await client.query('COMMIT')
    } finally {
      sqlite.exec('COMMIT')
    }
    // the planner needs statistics: a table filled in one transaction has none until autovacuum comes by
    await client.query('ANALYZE')
    return {
      rows: copied.reduce((n, t) => n + t.rows, 0),
      ms: performance.now() - t0,
      ballots: copied.find((t) => t.table === 'ballots')?.rows ?? 0,
    }
  } finally {
    sqlite.close()
    await client.end()
  }
}
