import { mkdirSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import { type BetterSQLite3Database, drizzle } from 'drizzle-orm/better-sqlite3'
import { migrate } from 'drizzle-orm/better-sqlite3/migrator'
import * as schema from './schema.js'

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database }
/** A transaction handle; repositories accept either. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0]
export type DbOrTx = Db | Tx

export const MIGRATIONS_FOLDER = resolve(dirname(fileURLToPath(import.meta.url)), '../drizzle')

function open(path: string): Db {
  const sqlite = new Database(path)
  sqlite.pragma('foreign_keys = ON')
  sqlite.pragma('busy_timeout = 5000')
  if (path !== ':memory:') sqlite.pragma('journal_mode = WAL')
  // NORMAL in WAL mode: a committed transaction survives a process crash (kill -9); only an OS crash
  // or power loss can lose the last commits.
  sqlite.pragma('synchronous = NORMAL')
  // Deleted rows (pending ballots once landed, cleared open times) are overwritten, not left readable in free pages.
  sqlite.pragma('secure_delete = ON')
  // Savepoint sub-journals (one per group-commit job, one per landed batch) stay in memory: written to temp
  // files they cost several times the WAL's own bytes per ballot, and they held page images of households'
  // participations and sealed ballots on disk outside the database file.
  sqlite.pragma('temp_store = MEMORY')
  const db = drizzle(sqlite, { schema }) as Db
  // Write transactions take the write lock up front (BEGIN IMMEDIATE). A deferred transaction that
  // reads first and writes later fails at once with SQLITE_BUSY_SNAPSHOT when another process (a CLI
  // script beside the server) wrote in between; an immediate one waits busy_timeout for the lock.
  const transaction = db.transaction.bind(db)
  db.transaction = ((fn, config) => transaction(fn, { behavior: 'immediate', ...config })) as Db['transaction']
  return db
}

/** Open (creating the folder when needed) the SQLite file with production pragmas. Does not migrate. */
export function createDb(path: string): Db {
  if (path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true })
  return open(path)
}

/**
 * Apply the committed SQL migrations. Foreign keys are off while they run: some rebuild a table (create the new
 * one, copy, drop the old, rename), which SQLite allows only so, and a check after catches any dangling row. When
 * anything was applied, VACUUM rewrites the file so no page keeps the old tables' order (it cannot run inside
 * the migrations' transaction).
 */
export function migrateDb(db: Db): void {
  const sqlite = db.$client
  const applied = () => {
    try {
      return (sqlite.prepare('SELECT count(*) AS n FROM __drizzle_migrations').get() as { n: number }).n
    } catch {
      return 0
    }
  }
  const before = applied()
  sqlite.pragma('foreign_keys = OFF')
  try {
    migrate(db, { migrationsFolder: MIGRATIONS_FOLDER })
    // the check reads every row of every table with a foreign key: only after a migration that may have left one
    // (on a 1,000,000-ballot file it is most of a start-up that applies nothing)
    if (applied() > before) {
      const dangling = sqlite.pragma('foreign_key_check') as unknown[]
      if (dangling.length > 0) throw new Error(`migration left ${dangling.length} rows with a dangling foreign key`)
    }
  } finally {
    sqlite.pragma('foreign_keys = ON')
  }
  if (before > 0 && applied() > before && sqlite.name !== ':memory:') sqlite.exec('VACUUM')
}

/** A fresh in-memory database with the real migrations applied (one per test). */
export function createTestDb(): Db {
  const db = open(':memory:')
  migrateDb(db)
  return db
}

export function closeDb(db: Db): void {
  if (db.$client.open) db.$client.close()
}
