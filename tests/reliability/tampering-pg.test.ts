/**
 * TRUST §3.2 on PostgreSQL: a real sealed round on a PostgreSQL database; the holder (the server's superuser) edits
 * rows with SQL, each tamper on its own copy (CREATE DATABASE … TEMPLATE the sealed one), and `pnpm verify-ledger`
 * (the CLI, in a child process, DATABASE_URL on that copy) must exit non-zero and name what differs, every time; the
 * API's verification (services.verify.verifyRound) says the same. The same cases as tampering.test.ts (SQLite),
 * plus an edited ledger entry and sealed root.
 */
import { spawn } from 'node:child_process'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type Db, pgAppDb, rawRun } from '@app/db'
import { closePgDb, createPgDb } from '@app/db/pg'
import { buildApp } from '@app/server'
import { fixedClock } from '@app/server/lib/clock.ts'
import { canonicalJson } from '@app/server/lib/hash.ts'
import { createTallyRepo } from '@app/server/modules/tally/repo.ts'
import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cloneTemplate, migratedTemplate, PG_SKIP_REASON, type TestDatabase, testDatabaseUrl } from '../helpers/pg-provision.js'
import { syncPgDb } from '../helpers/pg-sync.js'
import { allSatisfied } from '../helpers/rounds.js'
import { TEST_JWT_SECRET, testConfig } from '../helpers/test-config.js'
import { rechain, sealedRoundToTamper } from './helpers/tamper.js'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const TSX = join(ROOT, 'node_modules/.bin/tsx')
const server = testDatabaseUrl()
const skipped = server ? '' : ` (skipped: ${PG_SKIP_REASON})`

/** The app on a database, closed (with its connections) before returning. */
async function withApp<T>(url: string, f: (app: Awaited<ReturnType<typeof buildApp>>) => T | Promise<T>): Promise<T> {
  const pool = createPgDb(url, { max: 2 })
  const app = await buildApp({ config: testConfig(), db: pgAppDb(pool), jwtSecret: TEST_JWT_SECRET, logger: false })
  try {
    return await f(app)
  } finally {
    await app.close()
    await closePgDb(pool)
  }
}

// the cases run side by side: each waits mostly on its own CLI process starting
describe.skipIf(!server)(
  `verification on a tampered copy of a sealed round on PostgreSQL${skipped}`,
  { concurrent: true, timeout: 120_000 },
  () => {
    let sealed: TestDatabase
    let roundId = ''
    let copies = 0
    const made: TestDatabase[] = []

    beforeAll(async () => {
      sealed = await cloneTemplate(await migratedTemplate(), 'tamper_sealed')
      const pool = createPgDb(sealed.url, { max: 4 })
      const sync = syncPgDb(sealed.url)
      const app = await buildApp({
        config: testConfig(),
        db: pgAppDb(pool),
        jwtSecret: TEST_JWT_SECRET,
        clock: fixedClock('2025-06-01T08:00:00Z'),
        logger: false,
      })
      try {
        roundId = await sealedRoundToTamper(app, sync)
      } finally {
        // no connection may stay on the sealed database: it is the template of every copy
        await app.close()
        sync.$client.close()
        await closePgDb(pool)
      }
    }, 60_000)

    afterAll(async () => {
      for (const copy of made) await copy.drop()
      await sealed?.drop()
    }, 120_000)

    /** A fresh copy of the sealed database, dropped after the file; `tamper` runs in one transaction on it. */
    async function tampered(tamper?: (raw: Db['$client']) => void): Promise<string> {
      const copy = await cloneTemplate(sealed.name, `tamper_${++copies}`)
      made.push(copy)
      if (tamper) {
        const sync = syncPgDb(copy.url)
        try {
          // as the superuser, past the foreign keys (SQLite's `foreign_keys = OFF` in tampering.test.ts)
          sync.$client.exec('SET session_replication_role = replica')
          sync.$client.transaction(() => tamper(sync.$client))()
        } finally {
          sync.$client.close()
        }
      }
      return copy.url
    }

    /** `pnpm verify-ledger <round>` on a database: its exit code and what it prints. */
    function verifyCli(url: string): Promise<{ code: number | null; out: string }> {
      return new Promise((res, rej) => {
        const child = spawn(TSX, [join(ROOT, 'scripts/verify-ledger.ts'), roundId], {
          cwd: ROOT,
          env: { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: url, LOG_LEVEL: 'silent' },
        })
        let out = ''
        child.stdout.on('data', (d) => {
          out += d
        })
        child.stderr.on('data', (d) => {
          out += d
        })
        child.once('error', rej)
        child.once('close', (code) => res({ code, out }))
      })
    }

    it('passes the untouched copy, with its sealed root', async () => {
      const r = await verifyCli(await tampered())
      expect(r.out).toMatch(/^ok\s/m)
      expect(r.out).toMatch(/sealed root [0-9a-f]{64}/)
      expect(r.code).toBe(0)
    })

    it('catches an edited sealed tally (everyone satisfied) and names the figure', async () => {
      const url = await tampered((raw) => {
        const row = raw.prepare('SELECT tally_json FROM sealed_results WHERE round_id = ?').get(roundId) as { tally_json: string }
        const fake = JSON.parse(row.tally_json, (k, v) => (k === 'satisfied' && typeof v === 'number' ? v + 3 : v))
        raw.prepare('UPDATE sealed_results SET tally_json = ? WHERE round_id = ?').run(canonicalJson(fake), roundId)
      })
      const r = await verifyCli(url)
      expect(r.code).toBe(1)
      expect(r.out).toMatch(/sealed_tally: sealed ≠ recount from ballots at \S*satisfied/)
    })

    it('catches flipped ballots with chain, sealed root, counters and sealed tally all recomputed, by the receipts left as they were', async () => {
      const url = await tampered((raw) => {
        const flipped = raw
          .prepare(`UPDATE ballots SET answers = ?::jsonb, overall_satisfied = true WHERE round_id = ? AND overall_satisfied = false`)
          .run(JSON.stringify(allSatisfied), roundId)
        expect(flipped.changes).toBeGreaterThanOrEqual(5)
        raw.prepare("DELETE FROM feedback WHERE round_id = ? AND kind = 'reason'").run(roundId)
        rechain(raw, roundId)
      })
      await withApp(url, async (app) => {
        const repo = createTallyRepo(app.db)
        await repo.replaceCounters(roundId, await repo.recountVillages(roundId), await repo.recountQuestions(roundId))
        const r = (await app.services.rounds.findById(roundId))!
        const tally = canonicalJson({ ...(await app.services.tally.fromBallots(r, 'closed')), status: 'sealed' })
        await rawRun(app.db, sql`UPDATE sealed_results SET tally_json = ${tally} WHERE round_id = ${roundId}`)
        // the recount agrees: only the receipts still tell
        expect((await app.services.tally.recount(null, roundId)).matches).toBe(true)
        expect((await app.services.ballots.verifyLedger(roundId)).ok).toBe(true)
      })
      const r = await verifyCli(url)
      expect(r.code).toBe(1)
      expect(r.out).toMatch(/receipts: ballot \S+ \(seq \d+\): receipt \S+ ≠ (ledger|content) \S+/)
      expect(r.out).not.toMatch(/chain:|sealed_root:|sealed_tally:|counters:/)
    })

    it('catches phantom participations even with the counters bumped to match', async () => {
      const url = await tampered((raw) => {
        const free = raw
          .prepare(
            `SELECT h.id, h.village_id AS "villageId" FROM households h WHERE h.village_id IN (SELECT village_id FROM participations WHERE round_id = ?)
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
      const r = await verifyCli(url)
      expect(r.code).toBe(1)
      expect(r.out).toMatch(/participations: village\/channel \S+\/link: \d+ participations ≠ \d+ ballots/)
    })

    it('catches a deleted ballot', async () => {
      const url = await tampered((raw) => {
        expect(raw.prepare('DELETE FROM ballots WHERE round_id = ? AND ledger_seq = 4').run(roundId).changes).toBe(1)
      })
      const r = await verifyCli(url)
      expect(r.code).toBe(1)
      expect(r.out).toMatch(/chain: missing_ballot at ledger seq 4/)
    })

    it('catches one changed answer', async () => {
      const url = await tampered((raw) => {
        const changed = raw
          .prepare(
            `UPDATE ballots SET answers = jsonb_set(answers::jsonb, '{q1}', '{"satisfied": false, "reason": "x"}'::jsonb) WHERE round_id = ? AND ledger_seq = 2`,
          )
          .run(roundId)
        expect(changed.changes).toBe(1)
      })
      const r = await verifyCli(url)
      expect(r.code).toBe(1)
      expect(r.out).toMatch(/chain: ballot_mismatch at ledger seq 2, ballot \S+/)
      expect(r.out).toMatch(/sealed_tally:/)
    })

    it('catches an edited ledger entry (its receipt replaced) with the chain and the sealed root rewritten to match', async () => {
      const url = await tampered((raw) => {
        const row = raw.prepare('SELECT entry FROM ledger WHERE round_id = ? AND seq = 5').get(roundId) as { entry: string }
        const entry = JSON.parse(row.entry) as { receipt?: string }
        expect(entry.receipt).toBeTruthy()
        entry.receipt = 'AAAA-BBBB-CCCC'
        raw.prepare('UPDATE ledger SET entry = ? WHERE round_id = ? AND seq = 5').run(canonicalJson(entry), roundId)
        rechain(raw, roundId)
      })
      const r = await verifyCli(url)
      expect(r.code).toBe(1)
      expect(r.out, r.out).toMatch(/receipts: ballot \S+ \(seq 5\): receipt \S+ ≠ ledger AAAA-BBBB-CCCC/)
      // the chain holds together, but its entry no longer matches the ballot's receipt
      expect(r.out, r.out).toMatch(/chain: ballot_mismatch at ledger seq 5/)
      expect(r.out, r.out).not.toMatch(/sealed_root:/)
    })

    it('catches a rewritten sealed root', async () => {
      const url = await tampered((raw) => {
        raw.prepare('UPDATE sealed_results SET ledger_root_hash = ? WHERE round_id = ?').run('0'.repeat(64), roundId)
      })
      const r = await verifyCli(url)
      expect(r.code).toBe(1)
      expect(r.out).toMatch(/sealed_root: ledger root [0-9a-f]{64} ≠ sealed root 0{64}/)
    })

    it('catches an edited audit entry (a reason rewritten after the fact)', async () => {
      const url = await tampered((raw) => {
        expect(raw.prepare("UPDATE audit_log SET reason = 'đã sửa' WHERE action = 'round.close'").run().changes).toBe(1)
      })
      const r = await verifyCli(url)
      expect(r.code).toBe(1)
      expect(r.out).toMatch(/audit: audit log chain broken at seq \d+/)
    })

    it('the API says the same: differences named on a sealed round', async () => {
      const url = await tampered((raw) => {
        raw.prepare('DELETE FROM ballots WHERE round_id = ? AND ledger_seq = 3').run(roundId)
      })
      await withApp(url, async (app) => {
        const report = await app.services.verify.verifyRound(roundId)
        expect(report).toMatchObject({ ok: false, status: 'sealed', reason: 'missing_ballot', seq: 3 })
        expect(report.differences.map((d) => d.check)).toContain('chain')
      })
    })
  },
)
