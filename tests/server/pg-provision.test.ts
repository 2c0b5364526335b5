import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import {
  cloneTemplate,
  createTemplate,
  dropTemplate,
  freshDatabase,
  migratedTemplate,
  PG_SKIP_REASON,
  provisionWorkerDatabase,
  type TestDatabase,
  testDatabaseUrl,
  workerDatabaseName,
} from '../helpers/pg-provision.js'

const url = testDatabaseUrl()
/** Without a server the tests are reported skipped, and their name says what they need. */
const title = (t: string) => (url ? t : `${t} (${PG_SKIP_REASON})`)
const ROOT = fileURLToPath(new URL('../..', import.meta.url))

async function query<R extends pg.QueryResultRow>(dbUrl: string, sql: string, params: unknown[] = []): Promise<R[]> {
  const c = new pg.Client({ connectionString: dbUrl })
  await c.connect()
  try {
    return (await c.query<R>(sql, params)).rows
  } finally {
    await c.end()
  }
}

async function exists(name: string): Promise<boolean> {
  const rows = await query<{ n: number }>(url as string, 'SELECT count(*)::int AS n FROM pg_database WHERE datname = $1', [name])
  return rows[0]?.n === 1
}

const tableExists = async (db: TestDatabase, table: string) =>
  (await query<{ t: string | null }>(db.url, 'SELECT to_regclass($1)::text AS t', [table]))[0]?.t !== null

const cleanup: Array<() => Promise<void>> = []
afterAll(async () => {
  for (const f of cleanup.reverse()) await f()
})

describe('PostgreSQL test databases (tests/helpers/pg-provision.ts)', () => {
  it.skipIf(!url)(title('one database per worker, named after the pool id, created afresh (a leftover is dropped first)'), async () => {
    const first = await provisionWorkerDatabase()
    cleanup.push(first.drop)
    expect(first.name).toBe(await workerDatabaseName())
    expect(first.name).toMatch(new RegExp(`^hailong_test_w${process.env.VITEST_POOL_ID ?? process.pid}(_p${process.pid})?$`))
    expect(new URL(first.url).pathname).toBe(`/${first.name}`)
    await query(first.url, 'CREATE TABLE leftover (id int)')

    const again = await provisionWorkerDatabase()
    expect(again.name).toBe(first.name)
    expect(await tableExists(again, 'leftover')).toBe(false)
  })

  it.skipIf(!url)(title('two databases are isolated: a write in one is not seen in the other; drop removes both'), async () => {
    const a = await freshDatabase('a')
    const b = await freshDatabase('b')
    cleanup.push(a.drop, b.drop)
    expect(a.name).not.toBe(b.name)
    await query(a.url, 'CREATE TABLE households (code text PRIMARY KEY)')
    await query(a.url, "INSERT INTO households VALUES ('H001')")
    expect(await query(a.url, 'SELECT code FROM households')).toEqual([{ code: 'H001' }])
    expect(await tableExists(b, 'households')).toBe(false)
    await query(b.url, 'CREATE TABLE households (code text PRIMARY KEY)')
    expect(await query(b.url, 'SELECT code FROM households')).toEqual([])

    // a session still open on the database (a test that failed before closing) does not block the drop
    const open = new pg.Client({ connectionString: a.url })
    open.on('error', () => {})
    await open.connect()
    await a.drop()
    await b.drop()
    await a.drop() // twice is fine
    expect(await exists(a.name)).toBe(false)
    expect(await exists(b.name)).toBe(false)
    await expect(open.query('SELECT 1')).rejects.toThrow()
  })

  it.skipIf(!url)(
    title('a template is migrated once even when workers ask at the same time, and clones are independent copies'),
    async () => {
      const key = `t${randomBytes(6).toString('hex')}`
      let migrations = 0
      const migrate = async (dbUrl: string) => {
        migrations++
        await new Promise((r) => setTimeout(r, 200)) // long enough for the others to be waiting on the lock
        await query(dbUrl, 'CREATE TABLE rounds (id text PRIMARY KEY)')
        await query(dbUrl, "INSERT INTO rounds VALUES ('r1')")
      }
      const names = await Promise.all([
        createTemplate(migrate, { key }),
        createTemplate(migrate, { key }),
        createTemplate(migrate, { key }),
      ])
      cleanup.push(() => dropTemplate(names[0]))
      expect(migrations).toBe(1)
      expect(new Set(names)).toEqual(new Set([`hailong_test_tpl_${key}`]))
      expect(await createTemplate(migrate, { key })).toBe(names[0])
      expect(migrations).toBe(1)

      const one = await cloneTemplate(names[0])
      const two = await cloneTemplate(names[0], 'two')
      cleanup.push(one.drop, two.drop)
      expect(await query(one.url, 'SELECT id FROM rounds')).toEqual([{ id: 'r1' }])
      await query(one.url, "INSERT INTO rounds VALUES ('r2')")
      expect(await query(two.url, 'SELECT id FROM rounds ORDER BY id')).toEqual([{ id: 'r1' }])
      // a fresh clone of the template still has only what the migration wrote
      await two.drop()
      const three = await cloneTemplate(names[0], 'two')
      expect(await query(three.url, 'SELECT id FROM rounds ORDER BY id')).toEqual([{ id: 'r1' }])
      await three.drop()

      await dropTemplate(names[0])
      expect(await exists(names[0])).toBe(false)
    },
  )

  it.skipIf(!url)(title('a migration that fails leaves no half-built template: the next call builds it'), async () => {
    const key = `t${randomBytes(6).toString('hex')}`
    const broken = async () => {
      throw new Error('migration failed')
    }
    await expect(createTemplate(broken, { key })).rejects.toThrow('migration failed')
    expect(await exists(`hailong_test_tpl_${key}`)).toBe(false)
    const name = await createTemplate(async (dbUrl) => void (await query(dbUrl, 'CREATE TABLE t (x int)')), { key })
    cleanup.push(() => dropTemplate(name))
    const c = await cloneTemplate(name)
    cleanup.push(c.drop)
    expect(await tableExists(c, 't')).toBe(true)
  })

  it.skipIf(!url)(title("the app's PostgreSQL migrations as a template: the worker's database is a clone with every table"), async () => {
    const template = await migratedTemplate()
    expect(template).toMatch(/^hailong_test_tpl_[0-9a-f]{16}$/)
    expect(await migratedTemplate()).toBe(template)
    const db = await provisionWorkerDatabase({ template })
    cleanup.push(db.drop)
    for (const t of ['ballots', 'households', 'rounds', 'units', 'drizzle.__drizzle_migrations'])
      expect(await tableExists(db, t)).toBe(true)
    await query(db.url, 'CREATE TABLE written_by_a_test (x int)')
    const again = await cloneTemplate(template)
    cleanup.push(again.drop)
    expect(await tableExists(again, 'ballots')).toBe(true)
    expect(await tableExists(again, 'written_by_a_test')).toBe(false)
  })

  it.skipIf(!url)(title("a second run with the same pool id does not take this worker's database: it gets its own"), async () => {
    const db = await provisionWorkerDatabase()
    cleanup.push(db.drop)
    const mine = db.name
    const script = [
      "const p = await import('./tests/helpers/pg-provision.ts')",
      'const db = await p.provisionWorkerDatabase()',
      'console.log(JSON.stringify({ name: db.name, pid: process.pid }))',
      'await db.drop()',
    ].join('\n')
    const out = await new Promise<string>((resolve, reject) =>
      execFile(
        process.execPath,
        ['--import', 'tsx', '--input-type=module', '-e', script],
        { cwd: ROOT, env: { ...process.env, VITEST_POOL_ID: mine.replace(/^hailong_test_w(\d+).*$/, '$1') }, timeout: 20_000 },
        (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)),
      ),
    )
    const other = JSON.parse(out.trim()) as { name: string; pid: number }
    expect(other.name).not.toBe(mine)
    // its own: the pool's plain name when that one is free (this worker may hold a `_p` one, another run the
    // plain one before), else the name with its own pid
    const plain = mine.replace(/_p\d+$/, '')
    expect([plain, `${plain}_p${other.pid}`]).toContain(other.name)
    expect(await exists(mine)).toBe(true)
    expect(await exists(other.name)).toBe(false)
  })
})
