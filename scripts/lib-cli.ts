import { existsSync } from 'node:fs'
import { type AppDb, asyncDb, closeDb, createDb, type Db, migrateDb } from '@app/db'
import { type Config, ConfigError, loadConfig } from '@app/server/config.ts'
import { systemClock } from '@app/server/lib/clock.ts'
import { createServices, type Services } from '@app/server/services.ts'

export interface CliContext {
  config: Config
  db: Db
  /** The asynchronous query API over `db` (the one the services and repositories use). */
  adb: AppDb
  services: Services
  close: () => void
}

/**
 * The one way scripts start: loadConfig(env) → createDb → migrateDb → createServices (STYLE rule 22).
 * `migrate: false` opens a database as it is (backups, copies being checked, ledger verification).
 */
export function openContext(env: Record<string, string | undefined>, opts: { migrate?: boolean } = {}): CliContext {
  let config: Config
  try {
    config = loadConfig(env)
  } catch (e) {
    if (e instanceof ConfigError) fail(e.message)
    throw e
  }
  // opening a file as it is: a missing file is an error, not a new empty database
  if (opts.migrate === false && config.db.path !== ':memory:' && !existsSync(config.db.path))
    fail(`no database at ${config.db.path} (set DATABASE_PATH)`)
  const db = createDb(config.db.path)
  if (opts.migrate !== false) migrateDb(db)
  const services = createServices({ db, config, clock: systemClock })
  return { config, db, adb: asyncDb(db), services, close: () => closeDb(db) }
}

/** Print a message to stderr and exit 1. */
export function fail(message: string): never {
  console.error(message)
  process.exit(1)
}
