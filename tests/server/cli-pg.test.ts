/**
 * The CLI scripts on PostgreSQL (DATABASE_URL): each run as a real child process against a real database on the server
 * at TEST_DATABASE_URL, a clone of the migrated template or an empty one (pg-provision.ts). The SQLite versions are in
 * cli.test.ts. The demo seed is made once, by `pnpm db:seed` itself, and the scripts that change data run on copies
 * of it (CREATE DATABASE … TEMPLATE).
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { MIGRATIONS_FOLDER_PG } from '@app/db/pg'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { makeCommune, makeUser } from '../helpers/factories.js'
import {
  cloneTemplate,
  freshDatabase,
  migratedTemplate,
  PG_SKIP_REASON,
  type TestDatabase,
  testDatabaseUrl,
} from '../helpers/pg-provision.js'
import { syncPgDb } from '../helpers/pg-sync.js'
import { TEST_PRIVACY_SECRET } from '../helpers/test-config.js'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const TSX = join(ROOT, 'node_modules/.bin/tsx')

const url = testDatabaseUrl()
/** Without a server the tests are reported skipped, and their name says how to start one. */
const title = (t: string) => (url ? t : `${t} (${PG_SKIP_REASON})`)

function run(script: string, args: string[], dbUrl: string, extra: Record<string, string | undefined> = {}) {
  const res = spawnSync(TSX, [join(ROOT, script), ...args], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DATABASE_URL: dbUrl,
      PRIVACY_SECRET: TEST_PRIVACY_SECRET,
      LOG_LEVEL: 'silent',
      ...extra,
    },
    encoding: 'utf8',
    timeout: 300_000,
  })
  return { code: res.status, out: `${res.stdout}${res.stderr}` }
}

async function query<T extends pg.QueryResultRow>(dbUrl: string, text: string, values: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: dbUrl })
  await c.connect()
  try {
    return (await c.query<T>(text, values)).rows
  } finally {
    await c.end()
  }
}

const count = async (dbUrl: string, table: string) => (await query<{ n: number }>(dbUrl, `SELECT count(*)::int AS n FROM ${table}`))[0]!.n

const cleanup: Array<() => Promise<void>> = []
// about ten databases to drop, each closing its sessions first: longer than a hook's default on a busy machine
afterAll(async () => {
  for (const f of cleanup.reverse()) await f()
}, 120_000)

async function fresh(suffix: string): Promise<TestDatabase> {
  const db = await freshDatabase(suffix)
  cleanup.push(db.drop)
  return db
}

async function copyOf(source: TestDatabase, suffix: string): Promise<TestDatabase> {
  const db = await cloneTemplate(source.name, suffix)
  cleanup.push(db.drop)
  return db
}

/** Takes one satisfied answer off a round's live counters, as an UPDATE by hand would. */
async function lowerACounter(dbUrl: string, roundId: string) {
  const [row] = await query<{ village_id: string; question_key: string; satisfied: number }>(
    dbUrl,
    'SELECT village_id, question_key, satisfied FROM tally_counters WHERE round_id = $1 AND satisfied > 0 ORDER BY village_id, question_key LIMIT 1',
    [roundId],
  )
  const key = [roundId, row!.village_id, row!.question_key]
  const where = 'WHERE round_id = $1 AND village_id = $2 AND question_key = $3'
  await query(dbUrl, `UPDATE tally_counters SET satisfied = satisfied - 1 ${where}`, key)
  const read = async () => (await query<{ satisfied: number }>(dbUrl, `SELECT satisfied FROM tally_counters ${where}`, key))[0]!.satisfied
  expect(await read()).toBe(row!.satisfied - 1)
  return { was: row!.satisfied, read }
}

// each run starts a process (tsx, the services, a pool): seconds apiece on a busy machine
describe.skipIf(!url)(title('CLI scripts on PostgreSQL (DATABASE_URL)'), { timeout: 120_000 }, () => {
  describe('pnpm db:migrate', () => {
    it('applies every PostgreSQL migration to an empty database, and again changes nothing', async () => {
      const db = await fresh('cli_migrate')
      const journal = JSON.parse(readFileSync(join(MIGRATIONS_FOLDER_PG, 'meta', '_journal.json'), 'utf8')) as { entries: unknown[] }
      const first = run('scripts/migrate.ts', [], db.url)
      expect(first.code, first.out).toBe(0)
      expect(first.out).toContain(`Migrated ${db.url}.`)
      expect(await count(db.url, 'drizzle.__drizzle_migrations')).toBe(journal.entries.length)
      expect(await count(db.url, 'ballots')).toBe(0)
      const again = run('scripts/migrate.ts', [], db.url)
      expect(again.code, again.out).toBe(0)
      expect(await count(db.url, 'drizzle.__drizzle_migrations')).toBe(journal.entries.length)
    })

    it('never prints the password of DATABASE_URL', async () => {
      const db = await fresh('cli_migrate_pw')
      const withPassword = new URL(db.url)
      withPassword.password = 'not-the-password-but-printed-if-leaked'
      // the test server trusts local connections, so any password is accepted
      const r = run('scripts/migrate.ts', [], withPassword.toString())
      expect(r.code, r.out).toBe(0)
      expect(r.out).not.toContain('not-the-password')
      expect(r.out).toContain(`Migrated ${db.url}.`)
    })

    it('refuses to write without PRIVACY_SECRET (a secret made on this machine seals ballots no instance opens), touching nothing', async () => {
      const db = await fresh('cli_migrate_nosecret')
      const r = run('scripts/migrate.ts', [], db.url, { PRIVACY_SECRET: undefined })
      expect(r.code, r.out).toBe(1)
      expect(r.out).toContain('set PRIVACY_SECRET')
      expect(await query(db.url, "SELECT 1 FROM pg_tables WHERE schemaname = 'public'")).toHaveLength(0)
    })
  })

  describe('pnpm db:seed, pnpm verify-ledger, pnpm recount', () => {
    let seeded: TestDatabase
    let rounds: { id: string; status: string }[]

    beforeAll(async () => {
      // an empty database: db:seed migrates it first, as it does a new SQLite file
      seeded = await fresh('cli_seeded')
      const r = run('scripts/seed.ts', [], seeded.url)
      expect(r.code, r.out).toBe(0)
      expect(r.out).toMatch(new RegExp(`Seeded ${seeded.url.replaceAll('.', '\\.')}: \\d+ units, 23935 households`))
      rounds = await query(seeded.url, 'SELECT id, status FROM rounds ORDER BY id COLLATE "C"')
    }, 240_000)

    const openRound = () => rounds.find((r) => r.status === 'open')!.id
    const sealedRound = () => rounds.find((r) => r.status === 'sealed')!.id

    it('db:seed fills the database through the services: households, rounds with ballots on the ledger', async () => {
      expect(await count(seeded.url, 'households')).toBe(23935)
      expect(rounds.map((r) => r.status).sort()).toEqual(['draft', 'open', 'open', 'sealed'])
      expect(await count(seeded.url, 'ballots')).toBeGreaterThan(1000)
      expect(await count(seeded.url, 'ledger')).toBe(await count(seeded.url, 'ballots'))
    })

    it('db:seed refuses a database that already holds data and changes nothing', async () => {
      const before = await count(seeded.url, 'households')
      const r = run('scripts/seed.ts', [], seeded.url)
      expect(r.code, r.out).toBe(1)
      expect(r.out).toContain(`Refusing to seed: ${seeded.url} already holds data`)
      expect(await count(seeded.url, 'households')).toBe(before)
    })

    it('verify-ledger passes every round of the seed, the sealed one with its root', () => {
      const r = run('scripts/verify-ledger.ts', [], seeded.url)
      expect(r.code, r.out).toBe(0)
      for (const round of rounds) expect(r.out).toMatch(new RegExp(`^ok {6}${round.id} `, 'm'))
      expect(r.out).toMatch(new RegExp(`^ok {6}${sealedRound()} .* sealed root [0-9a-f]{64}`, 'm'))
      expect(r.out).not.toContain('BROKEN')
      const one = run('scripts/verify-ledger.ts', [openRound()], seeded.url)
      expect(one.code, one.out).toBe(0)
      expect(one.out.trim().split('\n')).toHaveLength(1)
      const none = run('scripts/verify-ledger.ts', ['no-such-round'], seeded.url)
      expect(none.code, none.out).toBe(2)
      expect(none.out).toContain('no round no-such-round')
    })

    it('verify-ledger names a ballot answer changed with psql (exit 1), and only that round breaks', async () => {
      const db = await copyOf(seeded, 'cli_tampered')
      const [ballot] = await query<{ id: string; round_id: string; key: string }>(
        db.url,
        `SELECT b.id, b.round_id, (SELECT k FROM json_object_keys(b.answers) k ORDER BY k LIMIT 1) AS key
           FROM ballots b JOIN rounds r ON r.id = b.round_id WHERE r.status = 'open' ORDER BY b.id COLLATE "C" LIMIT 1`,
      )
      await query(
        db.url,
        `UPDATE ballots SET answers = jsonb_set(answers::jsonb, ARRAY[$2, 'satisfied'], to_jsonb(NOT (answers -> $2 ->> 'satisfied')::boolean)) WHERE id = $1`,
        [ballot!.id, ballot!.key],
      )
      const r = run('scripts/verify-ledger.ts', [], db.url)
      expect(r.code, r.out).toBe(1)
      expect(r.out).toMatch(new RegExp(`^BROKEN  ${ballot!.round_id}  open `, 'm'))
      expect(r.out).toMatch(new RegExp(`chain: ballot_mismatch at ledger seq \\d+, ballot ${ballot!.id}`))
      expect(r.out.match(/^BROKEN/gm)).toHaveLength(1)
      expect(r.out.match(/^ok {6}/gm)).toHaveLength(rounds.length - 1)
    })

    it('recount: matching counters exit 0; a counter changed exits 2 and stays; --repair replaces it (audited); a sealed round refuses', async () => {
      const db = await copyOf(seeded, 'cli_recount')
      const roundId = openRound()
      const ok = run('scripts/recount.ts', [roundId], db.url)
      expect(ok.code, ok.out).toBe(0)
      expect(ok.out).toContain(`round ${roundId}: counters match the ballots`)

      const counter = await lowerACounter(db.url, roundId)
      const differ = run('scripts/recount.ts', [roundId], db.url)
      expect(differ.code, differ.out).toBe(2)
      expect(differ.out).toContain('counters DIFFER from the ballots')
      expect(await counter.read()).toBe(counter.was - 1)

      const repaired = run('scripts/recount.ts', [roundId, '--repair'], db.url)
      expect(repaired.code, repaired.out).toBe(0)
      expect(repaired.out).toContain('counters differed and were replaced by the recount')
      expect(await counter.read()).toBe(counter.was)
      expect(await query(db.url, "SELECT 1 FROM audit_log WHERE action = 'tally.repair' AND target_id = $1", [roundId])).toHaveLength(1)
      expect(run('scripts/recount.ts', [roundId], db.url).code).toBe(0)

      const sealedCounter = await lowerACounter(db.url, sealedRound())
      const sealed = run('scripts/recount.ts', [sealedRound(), '--repair'], db.url)
      expect(sealed.code, sealed.out).toBe(1)
      expect(sealed.out).toContain('invalid_transition')
      expect(await sealedCounter.read()).toBe(sealedCounter.was - 1)
      const unknown = run('scripts/recount.ts', ['no-such-round'], db.url)
      expect(unknown.code, unknown.out).toBe(1)
      expect(unknown.out).toContain('not_found')
    })
  })

  describe('pnpm import-households', () => {
    /** A migrated database with two communes coded AA (in two provinces), one coded CC, and an admin. */
    async function fixture(suffix: string) {
      const target = await cloneTemplate(await migratedTemplate(), suffix)
      cleanup.push(target.drop)
      const db = syncPgDb(target.url)
      try {
        const cc = makeCommune(db, { code: 'CC', name: 'Tân Lộc' })
        makeCommune(db, { code: 'AA', province: cc.province })
        const aa2 = makeCommune(db, { code: 'AA', provinceName: 'Tỉnh Khác' })
        await makeUser(db, { username: 'root', role: 'admin', unitId: cc.province.id })
        return { url: target.url, aa2 }
      } finally {
        db.$client.close()
      }
    }

    function csv(content: string) {
      const dir = mkdtempSync(join(tmpdir(), 'hailong-cli-pg-'))
      onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
      const file = join(dir, 'ho.csv')
      writeFileSync(file, content)
      return file
    }

    it('imports a CSV into the commune named by its code, prints the counts and rejections, and is idempotent', async () => {
      const f = await fixture('cli_import')
      const file = csv(
        'Mã ấp,Mã hộ,Chủ hộ,SĐT\nCC-01,H1,Nguyễn Văn Một,0912345678\nCC-02,H2,Trần Thị Hai,\nXX-01,H3,Lê Ba,\nCC-01,H4,Võ Bốn,12\n',
      )
      const r = run('scripts/import-households.ts', [file, '--commune', 'CC'], f.url)
      expect(r.code, r.out).toBe(0)
      expect(r.out).toMatch(/2 created, 0 updated, 0 unchanged, 2 rejected/)
      expect(r.out).toMatch(/row 4: unknown_village/)
      expect(r.out).toMatch(/row 5: invalid_phone/)
      const names = await query<{ head_name: string }>(f.url, 'SELECT head_name FROM households ORDER BY head_name')
      expect(names.map((h) => h.head_name)).toEqual(['Nguyễn Văn Một', 'Trần Thị Hai'])
      expect(await query(f.url, "SELECT 1 FROM audit_log WHERE action = 'households.import'")).not.toHaveLength(0)
      const again = run('scripts/import-households.ts', [file, '--commune', 'CC'], f.url)
      expect(again.out).toMatch(/0 created, 0 updated, 2 unchanged/)
      expect(await count(f.url, 'households')).toBe(2)
    })

    it('refuses an ambiguous code (nothing written) and accepts the commune id instead', async () => {
      const f = await fixture('cli_import_ambiguous')
      const file = csv('village_code,household_code,head_name\nAA-01,H1,Hộ Một\n')
      const ambiguous = run('scripts/import-households.ts', [file, '--commune', 'AA'], f.url)
      expect(ambiguous.code, ambiguous.out).toBe(1)
      expect(ambiguous.out).toMatch(/names 2 communes/)
      expect(await count(f.url, 'households')).toBe(0)
      const byId = run('scripts/import-households.ts', [file, '--commune', f.aa2.commune.id], f.url)
      expect(byId.code, byId.out).toBe(0)
      expect((await query<{ village_id: string }>(f.url, 'SELECT village_id FROM households')).map((h) => h.village_id)).toEqual([
        f.aa2.villages[0]!.id,
      ])
    })
  })
})
