/**
 * Databases on a PostgreSQL server for tests: one per vitest worker, more on demand, and clones of a migrated
 * template. The server is TEST_DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/test, which `.ci/run` sets when
 * the machine has PostgreSQL); its database is only the administration connection, tests never write there.
 *
 * Several test runs may share one server (CI beside a developer, or two checkouts), and VITEST_POOL_ID restarts at 1
 * in each run. So a worker first takes a session advisory lock on its name, held until the process exits; a worker
 * that finds the name taken by a live run uses `…_p<pid>` instead, and never drops a database another run is using.
 * A database left over by a run that died is dropped and created afresh.
 */
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { closePgDb, createPgDb, MIGRATIONS_FOLDER_PG, migratePg } from '@app/db/pg'
import pg from 'pg'

/** How a skipped PostgreSQL test says what it needs, in its name. */
export const PG_SKIP_REASON =
  'needs TEST_DATABASE_URL: start PostgreSQL with `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`, then TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test'

export interface TestDatabase {
  /** Connection string of this database (the server's URL with the database name replaced). */
  readonly url: string
  readonly name: string
  /** Drops the database, closing any connection still open on it. Safe to call twice. */
  drop(): Promise<void>
}

/** TEST_DATABASE_URL, or undefined when the suite runs without a PostgreSQL server. */
export function testDatabaseUrl(): string | undefined {
  const url = process.env.TEST_DATABASE_URL?.trim()
  return url ? url : undefined
}

/** Templates are named after what they were built from, so runs of different migrations never share one. */
const TEMPLATE_PREFIX = 'hailong_test_tpl_'
/** PostgreSQL truncates longer identifiers; we refuse them instead. */
const MAX_NAME = 63
const NAME = /^[a-z_][a-z0-9_]*$/
/** "source database is being accessed by other users": a connection to the template is still closing. */
const OBJECT_IN_USE = '55006'

function serverUrl(): string {
  const url = testDatabaseUrl()
  if (!url) throw new Error(`no PostgreSQL server for tests: ${PG_SKIP_REASON}`)
  return url
}

function urlFor(name: string): string {
  const u = new URL(serverUrl())
  u.pathname = `/${name}`
  return u.toString()
}

function ident(name: string): string {
  if (!NAME.test(name) || name.length > MAX_NAME)
    throw new Error(`invalid database name "${name}": lower-case letters, digits and _, at most ${MAX_NAME} characters`)
  return `"${name}"`
}

/** A 64-bit advisory lock key per name (as text: pg reads it as bigint). */
function lockKey(name: string): string {
  return createHash('sha256').update(`hailong-test-db:${name}`).digest().readBigInt64BE(0).toString()
}

async function withAdmin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: serverUrl() })
  await c.connect()
  try {
    return await fn(c)
  } finally {
    await c.end()
  }
}

async function dropDatabase(c: pg.Client, name: string): Promise<void> {
  const row = await c.query<{ datistemplate: boolean }>('SELECT datistemplate FROM pg_database WHERE datname = $1', [name])
  if (row.rows[0]?.datistemplate) await c.query(`ALTER DATABASE ${ident(name)} WITH IS_TEMPLATE false ALLOW_CONNECTIONS true`)
  // sessions still closing (a pool that has just ended sent its Terminate) get a moment to go: FORCE would answer
  // them with a FATAL 57P01 that a client already ending raises as an uncaught error in the test process
  for (let i = 0; i < 50; i++) {
    const open = await c.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1', [name])
    if ((open.rows[0]?.n ?? 0) === 0) break
    await new Promise((r) => setTimeout(r, 20))
  }
  // FORCE (PostgreSQL ≥ 13) ends the sessions still on it: a test that failed half-way must not block the drop
  await c.query(`DROP DATABASE IF EXISTS ${ident(name)} WITH (FORCE)`)
}

async function createDatabase(c: pg.Client, name: string, template?: string): Promise<void> {
  await dropDatabase(c, name)
  const sql = `CREATE DATABASE ${ident(name)}${template ? ` TEMPLATE ${ident(template)}` : ''}`
  for (let attempt = 1; ; attempt++) {
    try {
      await c.query(sql)
      return
    } catch (e) {
      if ((e as { code?: string }).code !== OBJECT_IN_USE || attempt >= 50) throw e
      await new Promise((r) => setTimeout(r, 100))
    }
  }
}

function handle(name: string): TestDatabase {
  return { name, url: urlFor(name), drop: () => withAdmin((c) => dropDatabase(c, name)) }
}

let workerName: Promise<string> | undefined

/**
 * This worker's database name, `hailong_test_w<VITEST_POOL_ID or pid>`, locked for the life of the process (the
 * lock's connection does not keep the process alive). Another live run holding it: `…_p<pid>`.
 */
export function workerDatabaseName(): Promise<string> {
  workerName ??= (async () => {
    const wanted = `hailong_test_w${process.env.VITEST_POOL_ID ?? process.pid}`
    const lock = new pg.Client({ connectionString: serverUrl() })
    await lock.connect()
    lock.on('error', () => {})
    for (const name of [wanted, `${wanted}_p${process.pid}`]) {
      const r = await lock.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS ok', [lockKey(name)])
      if (r.rows[0]?.ok) {
        // held as long as this session: it ends with the process (a dead run's lock with it), which it does not keep alive
        ;(lock as unknown as { connection: { stream: { unref?(): void } } }).connection.stream.unref?.()
        return name
      }
    }
    await lock.end()
    throw new Error(`could not lock a test database name for worker ${wanted} (pid ${process.pid})`)
  })()
  return workerName
}

/**
 * This worker's database, empty (or a clone of `template`), dropped first if it exists. Call it once per worker,
 * e.g. in a `beforeAll`; `drop()` in `afterAll`.
 */
export async function provisionWorkerDatabase(options: { template?: string } = {}): Promise<TestDatabase> {
  const name = await workerDatabaseName()
  await withAdmin((c) => createDatabase(c, name, options.template))
  return handle(name)
}

/**
 * A further empty database for this worker, `<worker name>_<suffix>` (a suffix is scoped to the worker, so two
 * workers asking for "a" get two databases), dropped first if it exists.
 */
export async function freshDatabase(suffix: string): Promise<TestDatabase> {
  const name = `${await workerDatabaseName()}_${suffix}`
  ident(name)
  await withAdmin((c) => createDatabase(c, name))
  return handle(name)
}

/** A stable fingerprint of whatever the template is built from (e.g. the migration files' contents). */
export function fingerprint(...parts: readonly string[]): string {
  const h = createHash('sha256')
  for (const p of parts) h.update(`${p.length}:${p}`)
  return h.digest('hex').slice(0, 16)
}

/**
 * A migrated template database, built at most once per `key` on the server: `migrate(url)` runs against an empty
 * database, which then becomes a template (no connections allowed, so clones never wait on it). Workers starting
 * at once serialise on an advisory lock; the first builds, the others find it ready. A template left half-built by
 * a crashed run is rebuilt. `migrate` must close its connections before it resolves. Returns the template's name.
 *
 * `key` names the template: pass a fingerprint of the migrations (`fingerprint(...)`), so a changed migration
 * builds a new template while a run on older code keeps its own. Old templates stay until `dropTemplate`.
 */
export async function createTemplate(migrate: (url: string) => Promise<void>, options: { key: string }): Promise<string> {
  const name = `${TEMPLATE_PREFIX}${options.key}`
  ident(name)
  return withAdmin(async (c) => {
    await c.query('SELECT pg_advisory_lock($1::bigint)', [lockKey(name)])
    try {
      const row = await c.query<{ datistemplate: boolean }>('SELECT datistemplate FROM pg_database WHERE datname = $1', [name])
      if (row.rows[0]?.datistemplate) return name
      await createDatabase(c, name)
      try {
        await migrate(urlFor(name))
      } catch (e) {
        await dropDatabase(c, name)
        throw e
      }
      // marks it ready; ALLOW_CONNECTIONS false keeps stray sessions (autovacuum, a debugging psql) from blocking clones
      await c.query(`ALTER DATABASE ${ident(name)} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false`)
      return name
    } finally {
      await c.query('SELECT pg_advisory_unlock($1::bigint)', [lockKey(name)])
    }
  })
}

/**
 * The template of the app's PostgreSQL schema: db/drizzle-pg applied by `migratePg`, keyed by those files' contents
 * (a new or changed migration builds a new template). Clone it per worker or per test:
 * `provisionWorkerDatabase({ template: await migratedTemplate() })`, `cloneTemplate(await migratedTemplate())`.
 */
export async function migratedTemplate(): Promise<string> {
  const files = (readdirSync(MIGRATIONS_FOLDER_PG, { recursive: true }) as string[]).filter((f) => /\.(sql|json)$/.test(f)).sort()
  const key = fingerprint(...files.flatMap((f) => [f, readFileSync(join(MIGRATIONS_FOLDER_PG, f), 'utf8')]))
  return createTemplate(
    async (url) => {
      const db = createPgDb(url, { max: 1 })
      try {
        await migratePg(db)
      } finally {
        await closePgDb(db)
      }
    },
    { key },
  )
}

let clones = 0

/**
 * A new database copied from `template` (CREATE DATABASE … TEMPLATE: a file copy, no migrations run), named
 * `<worker name>_<suffix>` or `<worker name>_c<n>`; dropped first if it exists.
 */
export async function cloneTemplate(template: string, suffix?: string): Promise<TestDatabase> {
  const name = `${await workerDatabaseName()}_${suffix ?? `c${++clones}`}`
  ident(name)
  await withAdmin((c) => createDatabase(c, name, template))
  return handle(name)
}

/** Drops a template built by `createTemplate` (tests of this helper; stale templates after a migration change). */
export async function dropTemplate(template: string): Promise<void> {
  if (!template.startsWith(TEMPLATE_PREFIX)) throw new Error(`not a test template: ${template}`)
  await withAdmin(async (c) => {
    await c.query('SELECT pg_advisory_lock($1::bigint)', [lockKey(template)])
    try {
      await dropDatabase(c, template)
    } finally {
      await c.query('SELECT pg_advisory_unlock($1::bigint)', [lockKey(template)])
    }
  })
}
