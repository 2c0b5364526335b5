import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { closeDb, createDb, households, migrateDb } from '@app/db'
import { describe, expect, it, onTestFinished } from 'vitest'
import { makeCommune, makeUser } from '../helpers/factories.js'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const TSX = join(ROOT, 'node_modules/.bin/tsx')

function run(script: string, args: string[], dbPath: string, extra: Record<string, string> = {}) {
  const res = spawnSync(TSX, [join(ROOT, script), ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_PATH: dbPath, LOG_LEVEL: 'silent', ...extra },
    encoding: 'utf8',
    timeout: 60_000,
  })
  return { code: res.status, out: `${res.stdout}${res.stderr}` }
}

/** A database file with two communes coded AA (in two provinces), one coded CC, and an admin. */
async function fixture(opts: { admin?: boolean } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'hailong-cli-'))
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
  const path = join(dir, 'test.db')
  const db = createDb(path)
  migrateDb(db)
  const cc = makeCommune(db, { code: 'CC', name: 'Tân Lộc' })
  const aa1 = makeCommune(db, { code: 'AA', province: cc.province })
  const aa2 = makeCommune(db, { code: 'AA', provinceName: 'Tỉnh Khác' })
  if (opts.admin !== false) await makeUser(db, { username: 'root', role: 'admin', unitId: cc.province.id })
  closeDb(db)
  const count = () => {
    const d = createDb(path)
    try {
      return d.select().from(households).all()
    } finally {
      closeDb(d)
    }
  }
  return { dir, path, cc, aa1, aa2, count }
}

describe('pnpm import-households', () => {
  it('imports a CSV into the commune named by its code and prints the counts and rejections', async () => {
    const f = await fixture()
    const file = join(f.dir, 'ho.csv')
    writeFileSync(
      file,
      'Mã ấp,Mã hộ,Chủ hộ,SĐT\nCC-01,H1,Nguyễn Văn Một,0912345678\nCC-02,H2,Trần Thị Hai,\nXX-01,H3,Lê Ba,\nCC-01,H4,Võ Bốn,12\n',
    )
    const r = run('scripts/import-households.ts', [file, '--commune', 'CC'], f.path)
    expect(r.out).toMatch(/2 created, 0 updated, 0 unchanged, 2 rejected/)
    expect(r.out).toMatch(/row 4: unknown_village/)
    expect(r.out).toMatch(/row 5: invalid_phone/)
    expect(r.code).toBe(0)
    const rows = f.count()
    expect(rows.map((h) => h.headName).sort()).toEqual(['Nguyễn Văn Một', 'Trần Thị Hai'])
    // idempotent through the CLI too
    expect(run('scripts/import-households.ts', [file, '--commune', 'CC'], f.path).out).toMatch(/0 created, 0 updated, 2 unchanged/)
  })

  it('refuses an ambiguous code and accepts the commune id instead', async () => {
    const f = await fixture()
    const file = join(f.dir, 'ho.csv')
    writeFileSync(file, 'village_code,household_code,head_name\nAA-01,H1,Hộ Một\n')
    const ambiguous = run('scripts/import-households.ts', [file, '--commune', 'AA'], f.path)
    expect(ambiguous.code).toBe(1)
    expect(ambiguous.out).toMatch(/names 2 communes/)
    expect(f.count()).toHaveLength(0)
    const byId = run('scripts/import-households.ts', [file, '--commune', f.aa2.commune.id], f.path)
    expect(byId.code).toBe(0)
    expect(f.count().map((h) => h.villageId)).toEqual([f.aa2.villages[0]!.id])
  })

  it('fails with a clear message for a malformed file, an unknown commune, a missing admin or missing arguments', async () => {
    const f = await fixture({ admin: false })
    const file = join(f.dir, 'bad.csv')
    writeFileSync(file, 'name,phone\nA,1\n')
    const noAdmin = run('scripts/import-households.ts', [file, '--commune', 'CC'], f.path)
    expect(noAdmin.code).toBe(1)
    expect(noAdmin.out).toMatch(/No active admin/)
    const g = await fixture()
    const bad = run('scripts/import-households.ts', [file, '--commune', 'CC'], g.path)
    expect(bad.code).toBe(1)
    expect(bad.out).toMatch(/invalid_file/)
    const unknown = run('scripts/import-households.ts', [file, '--commune', 'ZZ'], g.path)
    expect(unknown.code).toBe(1)
    expect(unknown.out).toMatch(/No commune/)
    const usage = run('scripts/import-households.ts', [file], g.path)
    expect(usage.code).toBe(1)
    expect(usage.out).toMatch(/Usage/)
  })
})

describe('pnpm db:seed', () => {
  it('refuses a database that already holds data and changes nothing', async () => {
    const f = await fixture()
    const before = f.count().length
    const r = run('scripts/seed.ts', [], f.path)
    expect(r.code).toBe(1)
    expect(r.out).toMatch(/Refusing to seed/)
    expect(f.count()).toHaveLength(before)
  })
})

describe('scripts that open a database as it is', () => {
  it('verify-ledger and backup refuse a missing database file instead of creating an empty one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hailong-cli-'))
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
    const missing = join(dir, 'missing.db')
    for (const script of ['scripts/verify-ledger.ts', 'scripts/backup.ts']) {
      const r = run(script, [], missing)
      expect(r.code).toBe(1)
      expect(r.out).toContain(`no database at ${missing}`)
    }
    expect(existsSync(missing)).toBe(false)
  })
})

// two script runs each, seconds apiece on a busy machine
describe('pnpm backup and pnpm restore with DATABASE_URL (PostgreSQL)', { timeout: 90_000 }, () => {
  // an address nothing answers at: the scripts must not try it, only print what to run
  const DATABASE_URL = 'postgres://hailong:s3cr%40t-pw@db.invalid:5433/hailong'
  const PASSWORD = /s3cr/

  it('backup prints the pg_dump command (no password), points to deploy/README.md, exits 3 and writes nothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hailong-cli-'))
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
    const path = join(dir, 'hailong.db')
    const dest = join(dir, 'out', 'nightly.dump')
    const r = run('scripts/backup.ts', [dest], path, { DATABASE_URL })
    expect(r.code, r.out).toBe(3)
    expect(r.out).toContain("SQLite's backup API does not apply. Nothing was done.")
    expect(r.out).toContain(`pg_dump -Fc -d 'postgres://hailong@db.invalid:5433/hailong' -f '${dest}'`)
    expect(r.out).toContain('PGPASSWORD')
    expect(r.out).toContain('deploy/README.md')
    expect(r.out).not.toMatch(PASSWORD)
    // without a destination: a dated file named after the database
    const dated = run('scripts/backup.ts', [], path, { DATABASE_URL })
    expect(dated.code, dated.out).toBe(3)
    expect(dated.out).toMatch(/-f 'hailong-\d{4}-\d\d-\d\dT[\d-]+Z\.dump'/)
    expect(existsSync(path)).toBe(false)
    expect(existsSync(dirname(dest))).toBe(false)
    expect(existsSync(join(dir, 'backups'))).toBe(false)
  })

  it('restore prints pg_restore into a fresh database and verify-ledger on it (no password), exits 3 and creates nothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hailong-cli-'))
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
    const path = join(dir, 'hailong.db')
    const to = join(dir, 'restored')
    const r = run('scripts/restore.ts', ['/var/backups/hailong/hailong-2026-12-01.dump', to], path, { DATABASE_URL })
    expect(r.code, r.out).toBe(3)
    expect(r.out).toContain("createdb -h 'db.invalid' -p 5433 -O 'hailong' 'hailong_drill'")
    expect(r.out).toContain(
      "pg_restore --no-owner --role='hailong' -d 'postgres://hailong@db.invalid:5433/hailong_drill' '/var/backups/hailong/hailong-2026-12-01.dump'",
    )
    expect(r.out).toContain("DATABASE_URL='postgres://hailong@db.invalid:5433/hailong_drill' pnpm verify-ledger")
    expect(r.out).toContain('deploy/README.md')
    expect(r.out).not.toMatch(PASSWORD)
    // the usage error of SQLite does not come first: on PostgreSQL the guidance is what the operator needs
    expect(run('scripts/restore.ts', [], path, { DATABASE_URL }).code).toBe(3)
    expect(existsSync(to)).toBe(false)
    expect(existsSync(path)).toBe(false)
  })
})
