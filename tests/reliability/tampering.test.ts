import { spawnSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { closeDb, createDb, migrateDb } from '@app/db'
import { buildApp } from '@app/server'
import { fixedClock } from '@app/server/lib/clock.ts'
import { canonicalJson } from '@app/server/lib/hash.ts'
import { createTallyRepo } from '@app/server/modules/tally/repo.ts'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { allSatisfied } from '../helpers/rounds.js'
import { TEST_JWT_SECRET, testConfig } from '../helpers/test-config.js'
import { rechain, sealedRoundToTamper } from './helpers/tamper.js'

/**
 * TRUST §3.2: tampering, the way whoever holds a copy of the database file would, on a real sealed
 * round. `pnpm verify-ledger` (the CLI, in a child process) must exit non-zero and name what
 * differs, every time; the API shares its code.
 */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const TSX = join(ROOT, 'node_modules/.bin/tsx')
const tmp = mkdtempSync(join(tmpdir(), 'hailong-tamper-'))
const sealedFile = join(tmp, 'sealed.db')
let roundId = ''
let copies = 0

afterAll(() => rmSync(tmp, { recursive: true, force: true }))

beforeAll(async () => {
  const db = createDb(sealedFile)
  migrateDb(db)
  const app = await buildApp({
    config: testConfig({ DATABASE_PATH: sealedFile }),
    db,
    jwtSecret: TEST_JWT_SECRET,
    clock: fixedClock('2025-06-01T08:00:00Z'),
    logger: false,
  })
  roundId = await sealedRoundToTamper(app, db)
  await app.close()
  closeDb(db)
}, 60_000)

/** A fresh copy of the sealed file (its WAL was checkpointed at close). */
function copy(): string {
  const p = join(tmp, `copy-${++copies}.db`)
  copyFileSync(sealedFile, p)
  if (existsSync(`${sealedFile}-wal`)) copyFileSync(`${sealedFile}-wal`, `${p}-wal`)
  return p
}

function verifyCli(path: string) {
  const res = spawnSync(TSX, [join(ROOT, 'scripts/verify-ledger.ts'), roundId], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_PATH: path, LOG_LEVEL: 'silent' },
    encoding: 'utf8',
    timeout: 60_000,
  })
  return { code: res.status, out: `${res.stdout}${res.stderr}` }
}

function sql(path: string, f: (raw: Database.Database) => void) {
  const raw = new Database(path)
  try {
    raw.pragma('foreign_keys = OFF')
    raw.transaction(() => f(raw))()
  } finally {
    raw.close()
  }
}

/** Open the app on a file to compute what an attacker with our code would compute. */
async function withApp<T>(
  path: string,
  f: (app: Awaited<ReturnType<typeof buildApp>>, db: ReturnType<typeof createDb>) => T | Promise<T>,
): Promise<T> {
  const db = createDb(path)
  const app = await buildApp({ config: testConfig({ DATABASE_PATH: path }), db, jwtSecret: TEST_JWT_SECRET, logger: false })
  try {
    return await f(app, db)
  } finally {
    await app.close()
    closeDb(db)
  }
}

describe('verify-ledger on a tampered copy of a sealed round', () => {
  it('passes the untouched file, printing the sealed root', () => {
    const r = verifyCli(copy())
    expect(r.out).toMatch(/^ok\s/m)
    expect(r.out).toMatch(/sealed root [0-9a-f]{64}/)
    expect(r.code).toBe(0)
  })

  it('catches an edited sealed tally (everyone satisfied) and names the figure', () => {
    const p = copy()
    sql(p, (raw) => {
      const row = raw.prepare('SELECT tally_json FROM sealed_results WHERE round_id = ?').get(roundId) as { tally_json: string }
      const fake = JSON.parse(row.tally_json, (k, v) => (k === 'satisfied' && typeof v === 'number' ? v + 3 : v))
      raw.prepare('UPDATE sealed_results SET tally_json = ? WHERE round_id = ?').run(canonicalJson(fake), roundId)
    })
    const r = verifyCli(p)
    expect(r.code).toBe(1)
    expect(r.out).toMatch(/sealed_tally: sealed ≠ recount from ballots at \S*satisfied/)
  })

  it('catches flipped ballots with chain, sealed root, counters and sealed tally all recomputed, by the receipts left as they were', async () => {
    const p = copy()
    sql(p, (raw) => {
      const flipped = raw
        .prepare(`UPDATE ballots SET answers = ?, overall_satisfied = 1 WHERE round_id = ? AND overall_satisfied = 0`)
        .run(JSON.stringify(allSatisfied), roundId)
      expect(flipped.changes).toBeGreaterThanOrEqual(5)
      raw.prepare("DELETE FROM feedback WHERE round_id = ? AND kind = 'reason'").run(roundId)
      rechain(raw, roundId)
    })
    await withApp(p, async (app, db) => {
      const repo = createTallyRepo(app.db)
      await repo.replaceCounters(roundId, await repo.recountVillages(roundId), await repo.recountQuestions(roundId))
      const r = (await app.services.rounds.findById(roundId))!
      const tally = canonicalJson({ ...(await app.services.tally.fromBallots(r, 'closed')), status: 'sealed' })
      db.$client.prepare('UPDATE sealed_results SET tally_json = ? WHERE round_id = ?').run(tally, roundId)
      // the recount agrees: only the receipts still tell
      expect((await app.services.tally.recount(null, roundId)).matches).toBe(true)
      expect((await app.services.ballots.verifyLedger(roundId)).ok).toBe(true)
    })
    const r = verifyCli(p)
    expect(r.code).toBe(1)
    expect(r.out).toMatch(/receipts: ballot \S+ \(seq \d+\): receipt \S+ ≠ (ledger|content) \S+/)
    expect(r.out).not.toMatch(/chain:|sealed_root:|sealed_tally:|counters:/)
  })

  it('catches phantom participations even with the counters bumped to match', () => {
    const p = copy()
    sql(p, (raw) => {
      const free = raw
        .prepare(
          `SELECT h.id, h.village_id AS villageId FROM households h WHERE h.village_id IN (SELECT village_id FROM participations WHERE round_id = ?)
           AND h.id NOT IN (SELECT household_id FROM participations WHERE round_id = ?) LIMIT 3`,
        )
        .all(roundId, roundId) as { id: string; villageId: string }[]
      expect(free.length).toBe(3)
      for (const h of free) {
        raw
          .prepare("INSERT INTO participations (round_id, household_id, village_id, channel, day) VALUES (?, ?, ?, 'link', '2025-06-01')")
          .run(roundId, h.id, h.villageId)
        raw
          .prepare('UPDATE village_counters SET participated = participated + 1, link = link + 1 WHERE round_id = ? AND village_id = ?')
          .run(roundId, h.villageId)
      }
    })
    const r = verifyCli(p)
    expect(r.code).toBe(1)
    expect(r.out).toMatch(/participations: village\/channel \S+\/link: \d+ participations ≠ \d+ ballots/)
  })

  it('catches a deleted ballot', () => {
    const p = copy()
    sql(p, (raw) => raw.prepare('DELETE FROM ballots WHERE round_id = ? AND ledger_seq = 4').run(roundId))
    const r = verifyCli(p)
    expect(r.code).toBe(1)
    expect(r.out).toMatch(/chain: missing_ballot at ledger seq 4/)
  })

  it('catches one changed answer', () => {
    const p = copy()
    sql(p, (raw) =>
      raw
        .prepare(
          `UPDATE ballots SET answers = json_set(answers, '$.q1.satisfied', json('false'), '$.q1.reason', 'x') WHERE round_id = ? AND ledger_seq = 2`,
        )
        .run(roundId),
    )
    const r = verifyCli(p)
    expect(r.code).toBe(1)
    expect(r.out).toMatch(/chain: ballot_mismatch at ledger seq 2, ballot \S+/)
    expect(r.out).toMatch(/sealed_tally:/)
  })

  it('catches an edited audit entry (a reason rewritten after the fact)', () => {
    const p = copy()
    sql(p, (raw) => raw.prepare("UPDATE audit_log SET reason = 'đã sửa' WHERE action = 'round.close'").run())
    const r = verifyCli(p)
    expect(r.code).toBe(1)
    expect(r.out).toMatch(/audit: audit log chain broken at seq \d+/)
  })

  it('the API says the same: differences named on a sealed round', async () => {
    const p = copy()
    sql(p, (raw) => raw.prepare('DELETE FROM ballots WHERE round_id = ? AND ledger_seq = 3').run(roundId))
    await withApp(p, async (app) => {
      const report = await app.services.verify.verifyRound(roundId)
      expect(report).toMatchObject({ ok: false, status: 'sealed', reason: 'missing_ballot', seq: 3 })
      expect(report.differences.map((d) => d.check)).toContain('chain')
    })
  })
})
