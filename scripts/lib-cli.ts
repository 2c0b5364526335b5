import { existsSync } from 'node:fs'
import { type AppDb, type Db, openDatabase } from '@app/db'
import { type Config, ConfigError, loadConfig } from '@app/server/config.ts'
import { systemClock } from '@app/server/lib/clock.ts'
import { createServices, type Services } from '@app/server/services.ts'

/** What every script gets, on either engine: only the asynchronous API and the services. */
export interface CliContext {
  config: Config
  engine: 'sqlite' | 'postgres'
  /** The asynchronous query API (the one the services and repositories use). */
  adb: AppDb
  services: Services
  /** Closes the database (PostgreSQL: ends the pool, so the process can exit). */
  close: () => Promise<void>
}

/** A context on a SQLite file, with its synchronous connection (SQLite's backup API, read transactions). */
export interface SqliteCliContext extends CliContext {
  engine: 'sqlite'
  db: Db
}

export interface OpenOptions {
  /**
   * false: open the database as it is, to read it (verification, backups, a copy being checked): a missing SQLite
   * file is an error rather than a new empty database, and nothing is migrated.
   */
  migrate?: boolean
}

/** loadConfig(env), or exit 1 naming what is wrong. */
export function cliConfig(env: Record<string, string | undefined>): Config {
  try {
    return loadConfig(env)
  } catch (e) {
    if (e instanceof ConfigError) fail(e.message)
    throw e
  }
}

/**
 * The one way scripts start: loadConfig(env) → openDatabase (SQLite at DATABASE_PATH, or PostgreSQL at DATABASE_URL)
 * → migrate (PostgreSQL: under the advisory lock the servers take, so a script and starting instances take turns)
 * → createServices (STYLE rule 22).
 */
export async function openContext(env: Record<string, string | undefined>, opts: OpenOptions = {}): Promise<CliContext> {
  const config = cliConfig(env)
  if (config.db.url) {
    // Pending ballots are sealed with PRIVACY_SECRET and the instances open them with theirs: a script writing with a
    // secret generated on this machine would seal ballots no instance can land.
    if (opts.migrate !== false && !config.privacy.secret)
      fail('DATABASE_URL is set: set PRIVACY_SECRET too (the same as the instances on this database, ≥ 32 characters)')
    const database = await openDatabase({ url: config.db.url })
    try {
      if (opts.migrate !== false) await database.migrate()
    } catch (e) {
      await database.close()
      fail(`cannot open ${shownUrl(config.db.url)}: ${(e as Error).message}`)
    }
    const services = createServices({ db: database.db, config, clock: systemClock })
    return { config, engine: 'postgres', adb: database.db, services, close: () => database.close() }
  }
  return openSqlite(config, opts)
}

/**
 * A context on the SQLite file at DATABASE_PATH, for the scripts that need SQLite itself (backup, restore). They
 * check DATABASE_URL first and say what to do on PostgreSQL; reaching here with it set is a bug.
 */
export async function openSqliteContext(env: Record<string, string | undefined>, opts: OpenOptions = {}): Promise<SqliteCliContext> {
  const config = cliConfig(env)
  if (config.db.url) throw new Error('openSqliteContext: DATABASE_URL is set; this script works on a SQLite file only')
  return openSqlite(config, opts)
}

async function openSqlite(config: Config, opts: OpenOptions): Promise<SqliteCliContext> {
  // opening a file as it is: a missing file is an error, not a new empty database
  if (opts.migrate === false && config.db.path !== ':memory:' && !existsSync(config.db.path))
    fail(`no database at ${config.db.path} (set DATABASE_PATH)`)
  const database = await openDatabase({ path: config.db.path })
  if (opts.migrate !== false) await database.migrate()
  const db = database.sync as Db
  const services = createServices({ db, config, clock: systemClock })
  return { config, engine: 'sqlite', db, adb: database.db, services, close: () => database.close() }
}

/** Where the script works, as printed: the SQLite file, or the PostgreSQL URL without its password. */
export function shownTarget(ctx: Pick<CliContext, 'config'>, resolvePath: (p: string) => string = (p) => p): string {
  return ctx.config.db.url ? shownUrl(ctx.config.db.url) : resolvePath(ctx.config.db.path)
}

/** A postgres:// URL as printed: user, host, port, database and options, never the password. */
export function shownUrl(url: string): string {
  const u = new URL(url)
  if (u.password) u.password = ''
  return u.toString()
}

/** Print a message to stderr and exit 1. */
export function fail(message: string): never {
  console.error(message)
  process.exit(1)
}
