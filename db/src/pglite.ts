/**
 * Embedded PostgreSQL (PGlite, in-process WebAssembly) for tests: '@app/db/pglite'. @electric-sql/pglite is a
 * development dependency, so nothing outside tests may import this module.
 */
import { PGlite } from '@electric-sql/pglite'
import { drizzle, type PgliteDatabase } from 'drizzle-orm/pglite'
import { PG_TYPE_PARSERS } from './engine-pg.js'
import { migratePglite } from './pg.js'
import { pgSchema } from './schema-pg.js'

export type PgliteDb = PgliteDatabase<typeof pgSchema> & { $client: PGlite }

/** A fresh in-memory PGlite database with the real PostgreSQL migrations applied. Close it with closePgliteDb. */
export async function createPgliteTestDb(): Promise<PgliteDb> {
  const client = new PGlite({ parsers: PG_TYPE_PARSERS })
  const db = drizzle(client, { schema: pgSchema }) as PgliteDb
  await migratePglite(db)
  return db
}

export async function closePgliteDb(db: PgliteDb): Promise<void> {
  if (!db.$client.closed) await db.$client.close()
}
