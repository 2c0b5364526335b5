import { closeDb, createDb, type Db, migrateDb } from './client.js'
import { type AppDb, asyncDb } from './engine.js'

export interface OpenedDatabase {
  kind: 'sqlite' | 'postgres'
  /** The asynchronous API every repository uses. */
  db: AppDb
  /** SQLite only: the synchronous connection (group commit, landing, checkpoints, pragmas). */
  sync?: Db
  close(): Promise<void>
  /** Apply the committed migrations of this engine (PostgreSQL: under an advisory lock, so instances take turns). */
  migrate(): Promise<void>
}

/**
 * Open the app's database: a SQLite file at `path`, or the PostgreSQL server at `url` (postgres://…). The pg
 * driver is loaded only for a URL, so an install on SQLite never loads it. Does not migrate.
 */
export async function openDatabase(target: { path: string } | { url: string }): Promise<OpenedDatabase> {
  if ('url' in target) {
    const { createPgDb, closePgDb, migratePg } = await import('./pg.js')
    const { pgAppDb } = await import('./engine-pg.js')
    const pgdb = createPgDb(target.url)
    return {
      kind: 'postgres',
      db: pgAppDb(pgdb),
      close: () => closePgDb(pgdb),
      migrate: () => migratePg(pgdb),
    }
  }
  const sync = createDb(target.path)
  return {
    kind: 'sqlite',
    db: asyncDb(sync),
    sync,
    close: async () => closeDb(sync),
    migrate: async () => migrateDb(sync),
  }
}

/** The synchronous SQLite connection when `db` is one (a better-sqlite3 drizzle database), else undefined. */
export function syncSqliteOf(db: Db | AppDb): Db | undefined {
  const client = (db as { $client?: { prepare?: unknown; pragma?: unknown } }).$client
  return client && typeof client.prepare === 'function' && typeof client.pragma === 'function' ? (db as Db) : undefined
}
