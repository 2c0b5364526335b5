/**
 * A fresh PostgreSQL database for one test (TEST_ENGINE=postgres): a clone of the migrated template on the server
 * at TEST_DATABASE_URL (pg-provision.ts), or, without one, an embedded PGlite shared by the test file and emptied
 * before each test (a new PGlite costs seconds; TRUNCATE milliseconds).
 */
import { type AppDb, type Db, pgAppDb } from '@app/db'
import { closePgDb, createPgDb } from '@app/db/pg'
import { createPgliteTestDb, type PgliteDb } from '@app/db/pglite'
import { sql } from 'drizzle-orm'
import { cloneTemplate, migratedTemplate, testDatabaseUrl } from './pg-provision.js'
import { syncPgDb } from './pg-sync.js'

export const onPostgres = process.env.TEST_ENGINE === 'postgres'

/** Why a test that needs the synchronous `db` handle cannot run on the embedded PostgreSQL. */
export const SYNC_DB_REASON =
  'this test reads or writes through the synchronous `db` handle, which on PostgreSQL needs a server: set TEST_DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/test)'

export interface PgTestDb {
  db: AppDb
  /** The synchronous SQLite-typed handle over the same database, when there is a server (pg-sync.ts). */
  sync: Db | undefined
  close(): Promise<void>
}

let template: Promise<string> | undefined
let pglite: Promise<PgliteDb> | undefined

export async function openPgTestDb(): Promise<PgTestDb> {
  if (testDatabaseUrl()) {
    template ??= migratedTemplate()
    const clone = await cloneTemplate(await template)
    const pgdb = createPgDb(clone.url, { max: 4 })
    const sync = syncPgDb(clone.url)
    return {
      db: pgAppDb(pgdb),
      sync,
      close: async () => {
        sync.$client.close()
        await closePgDb(pgdb)
        await clone.drop()
      },
    }
  }
  pglite ??= createPgliteTestDb()
  const lite = await pglite
  const tables = await lite.execute<{ name: string }>(sql`SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'`)
  const names = tables.rows.map((r) => `"${r.name}"`).join(', ')
  if (names) await lite.execute(sql.raw(`TRUNCATE ${names} RESTART IDENTITY CASCADE`))
  return { db: pgAppDb(lite), sync: undefined, close: async () => {} }
}

/** A stand-in for the synchronous handle that says why it is missing, at first use. */
export function missingSyncDb(): Db {
  return new Proxy({} as Db, {
    get(_t, prop) {
      if (prop === 'then') return undefined
      throw new Error(`TEST_ENGINE=postgres: ${SYNC_DB_REASON} (db.${String(prop)})`)
    },
  })
}
