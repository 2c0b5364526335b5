import { type AppDb, createTestDb, type Db, pgAppDb } from '@app/db'
import { closePgDb, createPgDb } from '@app/db/pg'
import type pg from 'pg'
import { cloneTemplate, migratedTemplate, testDatabaseUrl } from '../../helpers/pg-provision.js'
import { syncPgDb } from '../../helpers/pg-sync.js'
import { onPostgres } from '../../helpers/pg-test-db.js'
import { nestAppTransactions, openCase, rollBackCase } from './case-savepoint.js'
import { hashPgTables, hashTables } from './db-hash.js'
import { nestPgAppTransactions, openPgCase, rollBackPgCase } from './pg-case-savepoint.js'

/**
 * The database of a security suite that runs each request as a case rolled back afterwards, on the engine
 * TEST_ENGINE names: SQLite in memory, or a clone of the migrated PostgreSQL template whose app pool has one
 * connection (each case is a transaction on it, pg-case-savepoint.ts).
 */
export interface CaseDb {
  engine: 'sqlite' | 'postgres'
  /** What the app is built on. */
  appDb: Db | AppDb
  /** The synchronous handle the world is built with (outside any case: on PostgreSQL it commits at once). */
  db: Db
  openCase(name: string): Promise<void>
  rollBackCase(name: string): Promise<void>
  /** Something that changes once the open case has written a row (compare with !==). */
  writeMark(): Promise<unknown>
  /** Every table's rows hashed, seen from inside the open case. */
  hash(skip?: readonly string[]): Promise<Record<string, string>>
  close(): Promise<void>
}

export async function openCaseDb(): Promise<CaseDb> {
  if (!onPostgres) {
    const db = createTestDb()
    // each case runs in a savepoint rolled back afterwards: the app's transactions nest in it
    nestAppTransactions(db.$client)
    return {
      engine: 'sqlite',
      appDb: db,
      db,
      openCase: (name) => openCase(db.$client, name),
      rollBackCase: (name) => rollBackCase(db.$client, name),
      writeMark: async () => (db.$client.prepare('SELECT total_changes() AS n').get() as { n: number }).n,
      hash: async (skip) => hashTables(db, skip),
      close: async () => {
        db.$client.close()
      },
    }
  }
  const url = testDatabaseUrl()
  if (!url) throw new Error('TEST_ENGINE=postgres: this suite needs TEST_DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/test)')
  const clone = await cloneTemplate(await migratedTemplate())
  // one connection: every statement of the app, and each case's transaction, run on it
  const pgdb = createPgDb(clone.url, { max: 1, idleTimeoutMillis: 0 })
  const pool: pg.Pool = pgdb.$client
  nestPgAppTransactions(pool)
  const sync = syncPgDb(clone.url)
  return {
    engine: 'postgres',
    appDb: pgAppDb(pgdb),
    db: sync,
    openCase: () => openPgCase(pool),
    rollBackCase: () => rollBackPgCase(pool),
    // a transaction gets an id at its first write (in any savepoint), none before
    writeMark: async () => (await pool.query<{ x: string | null }>('SELECT txid_current_if_assigned()::text AS x')).rows[0]?.x ?? null,
    hash: (skip) => hashPgTables(pool, skip),
    close: async () => {
      sync.$client.close()
      await closePgDb(pgdb)
      await clone.drop()
    },
  }
}
