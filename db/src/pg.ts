/**
 * PostgreSQL: the committed migrations (drizzle-pg/, generated from schema-pg.ts, itself built from schema.ts) and
 * how to apply them, with node-postgres (a server) or PGlite (embedded, for tests). Imported as '@app/db/pg' so an
 * install on SQLite never loads the pg driver.
 */
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres'
import { migrate as migrateNodePg } from 'drizzle-orm/node-postgres/migrator'
import type { PgliteDatabase } from 'drizzle-orm/pglite'
import { migrate as migratePgliteDb } from 'drizzle-orm/pglite/migrator'
import pg from 'pg'
import { PG_LOCK_KEYS } from './cluster-locks.js'
import { PG_TYPE_PARSERS } from './engine-pg.js'
import { pgSchema } from './schema-pg.js'

// drizzle's node-postgres session reads pg's global parsers (it overrides only the date types per query), so they
// are set there, once, for every pool of the process
for (const [oid, parse] of Object.entries(PG_TYPE_PARSERS)) pg.types.setTypeParser(Number(oid), parse)

export { pgSchema } from './schema-pg.js'

export const MIGRATIONS_FOLDER_PG = resolve(dirname(fileURLToPath(import.meta.url)), '../drizzle-pg')

/**
 * The advisory lock (pg_advisory_lock's bigint key) held while migrations run, so instances starting together
 * migrate one after the other: drizzle reads the last applied migration before its transaction, and two
 * instances reading it at once would both apply the next one. Every fixed key is listed in cluster-locks.ts.
 */
export const PG_MIGRATION_LOCK_KEY = PG_LOCK_KEYS.migration

export type PgDb = NodePgDatabase<typeof pgSchema> & { $client: pg.Pool }

/** A pool on `url` (postgres://…) with the schema's tables. Does not migrate. */
export function createPgDb(url: string, config: Omit<pg.PoolConfig, 'connectionString'> = {}): PgDb {
  const pool = new pg.Pool({ connectionString: url, ...config })
  return drizzle(pool, { schema: pgSchema }) as PgDb
}

export async function closePgDb(db: PgDb): Promise<void> {
  await db.$client.end()
}

/**
 * Apply the committed PostgreSQL migrations, under PG_MIGRATION_LOCK_KEY on one connection of the pool (or on
 * the given client). Each run of pending migrations is one transaction: PostgreSQL's DDL is transactional.
 */
export async function migratePg(db: NodePgDatabase<any> & { $client: pg.Pool | pg.PoolClient | pg.Client }): Promise<void> {
  const source = db.$client
  const client = source instanceof pg.Pool ? await source.connect() : source
  try {
    await client.query('SELECT pg_advisory_lock($1)', [PG_MIGRATION_LOCK_KEY])
    try {
      await migrateNodePg(drizzle(client), { migrationsFolder: MIGRATIONS_FOLDER_PG })
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [PG_MIGRATION_LOCK_KEY])
    }
  } finally {
    if (source instanceof pg.Pool) (client as pg.PoolClient).release()
  }
}

/** Apply the committed PostgreSQL migrations to an embedded PGlite database (one connection: no lock needed). */
export async function migratePglite(db: PgliteDatabase<any>): Promise<void> {
  await migratePgliteDb(db, { migrationsFolder: MIGRATIONS_FOLDER_PG })
}
