import { spawnSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { closeDb, createDb, migrateDb } from '@app/db'
import { buildApp } from '@app/server'
import { fixedClock } from '@app/server/lib/clock.ts'
import { canonicalJson, GENESIS_HASH, sha256Hex } from '@app/server/lib/hash.ts'
import { ballotDigest, entryHash, type LedgerEntry } from '@app/server/lib/ledger.ts'
import { canonicalBallot, receiptFor } from '@app/server/lib/privacy.ts'
import { createTallyRepo } from '@app/server/modules/tally/repo.ts'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pdfText } from '../helpers/pdf-text.js'
import { allSatisfied, makeWorld, openRoundWithLinks, overallNo } from '../helpers/rounds.js'
import { TEST_JWT_SECRET, testConfig } from '../helpers/test-config.js'

/**
 * TRUST §2.6: the sealed root is printed on paper (the minutes, and in the QR code's address), so whoever rewrites
 * a copy of the whole database — answers, chain and sealed root made consistent — is caught twice: verify-ledger
 * fails, and the root on paper no longer matches the one the public page serves.
 */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const TSX = join(ROOT, 'node_modules/.bin/tsx')
const tmp = mkdtempSync(join(tmpdir(), 'hailong-paper-root-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

async function withApp<T>(
  path: string,
  f: (app: Awaited<ReturnType<typeof buildApp>>, db: ReturnType<typeof createDb>) => Promise<T>,
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

/** The root as the signed page of the minutes prints it: after its label, two lines of four groups of 8 hex digits. */
function rootOnPaper(text: string): string {
  const m = text.match(/Mã niêm phong kết quả[^\n]*\n([0-9a-f]{8}(?: [0-9a-f]{8}){3})\n([0-9a-f]{8}(?: [0-9a-f]{8}){3})/)
  if (!m) throw new Error(`no sealed root on the minutes:\n${text.slice(0, 4000)}`)
  return `${m[1]}${m[2]}`.replace(/ /g, '')
}

const file = join(tmp, 'sealed.db')
let roundId = ''
/** The root as read back from the minutes PDF. */
let paper = ''

beforeAll(async () => {
  const db = createDb(file)
  migrateDb(db)
  const app = await buildApp({
    config: testConfig({ DATABASE_PATH: file, PUBLIC_BASE_URL: 'https://hailong.example.vn' }),
    db,
    jwtSecret: TEST_JWT_SECRET,
    clock: fixedClock('2025-06-01T08:00:00Z'),
    logger: false,
  })
  const w = await makeWorld(app, db, { perVillage: 10 })
  const { round, tokens } = await openRoundWithLinks(app, w)
  roundId = round.id
  for (let i = 0; i < 14; i++) {
    const res = await app.inject({
      method: 'POST',
      url: `/api/ballots/${tokens[i]}`,
      payload: { answers: i % 3 === 0 ? overallNo : allSatisfied },
    })
    expect(res.statusCode).toBe(201)
  }
  expect((await app.inject({ method: 'POST', url: `/api/rounds/${round.id}/close`, headers: w.auth.xa, payload: {} })).statusCode).toBe(200)
  expect((await app.inject({ method: 'POST', url: `/api/rounds/${round.id}/seal`, headers: w.auth.xa })).statusCode).toBe(200)
  const pdf = await app.inject({ method: 'GET', url: `/api/rounds/${round.id}/minutes.pdf`, headers: w.auth.xa })
  expect(pdf.statusCode).toBe(200)
  paper = rootOnPaper(await pdfText(pdf.rawPayload, 'minutes-paper-root'))
  expect(paper).toBe((await app.services.tally.sealedRecord(round.id))?.ledgerRootHash)
  await app.close()
  closeDb(db)
}, 120_000)

function copyOf(name: string): string {
  const copy = join(tmp, name)
  copyFileSync(file, copy)
  if (existsSync(`${file}-wal`)) copyFileSync(`${file}-wal`, `${copy}-wal`)
  return copy
}

/** Flip every dissatisfied ballot to satisfied and rebuild the chain from the ballots (receipts too with `receipts`); returns the new root. */
function rewrite(raw: Database.Database, opts: { receipts: boolean }): string {
  const flipped = raw
    .prepare('UPDATE ballots SET answers = ?, overall_satisfied = 1 WHERE round_id = ? AND overall_satisfied = 0')
    .run(JSON.stringify(allSatisfied), roundId)
  expect(flipped.changes).toBeGreaterThanOrEqual(4)
  raw.prepare("DELETE FROM feedback WHERE round_id = ? AND kind = 'reason'").run(roundId)
  const rows = raw.prepare('SELECT seq, entry FROM ledger WHERE round_id = ? ORDER BY seq').all(roundId) as { seq: number; entry: string }[]
  const ballot = raw.prepare('SELECT id, round_id, village_id, channel, answers, comment, day, receipt_nonce FROM ballots WHERE id = ?')
  let prev = GENESIS_HASH
  for (const r of rows) {
    const e = JSON.parse(r.entry) as LedgerEntry
    if (e.kind === 'ballot') {
      const b = ballot.get(e.ballotId) as Record<string, string>
      const answers = JSON.parse(b.answers as string)
      e.digest = ballotDigest({
        id: b.id as string,
        roundId: b.round_id as string,
        villageId: b.village_id as string,
        channel: b.channel as string,
        answers,
        comment: b.comment ?? null,
        day: b.day as string,
      })
      if (opts.receipts && e.v === 2 && b.receipt_nonce) {
        e.receipt = receiptFor(
          b.receipt_nonce,
          canonicalBallot(roundId, b.village_id as string, b.channel as string, answers, b.comment ?? null),
        )
        raw.prepare('UPDATE ballots SET receipt = ? WHERE id = ?').run(e.receipt, b.id)
      }
    }
    const hash = entryHash(prev, e)
    raw
      .prepare('UPDATE ledger SET entry = ?, prev_hash = ?, hash = ? WHERE round_id = ? AND seq = ?')
      .run(canonicalJson(e), prev, hash, roundId, r.seq)
    prev = hash
  }
  raw.prepare('UPDATE sealed_results SET ledger_root_hash = ? WHERE round_id = ?').run(prev, roundId)
  return prev
}

/** The public page and its API, on a copy, asked with the root printed on paper (what the QR code carries). */
async function paperCheck(app: Awaited<ReturnType<typeof buildApp>>) {
  const stored = (await app.services.tally.sealedRecord(roundId))?.ledgerRootHash
  expect(stored).toMatch(/^[0-9a-f]{64}$/)
  expect(stored).not.toBe(paper)
  const res = await app.inject({ method: 'GET', url: `/api/public/rounds/${roundId}?root=${paper}` })
  expect(res.json().rootCheck).toEqual({ paperRoot: paper, result: 'none' })
  const page = await app.inject({ method: 'GET', url: `/v/${roundId}?root=${paper}` })
  expect(page.body).toContain('KHÔNG KHỚP')
}

describe('the sealed root on paper against a rewritten copy of the database', () => {
  it('answers flipped, chain and sealed root rebuilt: verify-ledger fails, and the printed root differs from the stored one', async () => {
    const copy = copyOf('copy-chain.db')
    const raw = new Database(copy)
    raw.pragma('foreign_keys = OFF')
    raw.transaction(() => rewrite(raw, { receipts: false }))()
    raw.close()
    const cli = spawnSync(TSX, [join(ROOT, 'scripts/verify-ledger.ts'), roundId], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_PATH: copy, LOG_LEVEL: 'silent' },
      encoding: 'utf8',
      timeout: 60_000,
    })
    expect(cli.status).toBe(1)
    await withApp(copy, paperCheck)
  }, 120_000)

  it('the whole file rewritten consistently (receipts, counters, sealed tally, audit chain): nothing inside it disagrees any more, the paper still does', async () => {
    const copy = copyOf('copy-all.db')
    const raw = new Database(copy)
    raw.pragma('foreign_keys = OFF')
    raw.transaction(() => {
      const root = rewrite(raw, { receipts: true })
      // the seal's audit entry names the root: rewrite it and every audit hash after it
      const seal = raw.prepare("SELECT seq, data FROM audit_log WHERE action = 'round.seal' AND target_id = ?").get(roundId) as {
        seq: number
        data: string
      }
      raw
        .prepare('UPDATE audit_log SET data = ? WHERE seq = ?')
        .run(canonicalJson({ ...JSON.parse(seal.data), ledgerRootHash: root }), seal.seq)
      const entries = raw.prepare('SELECT * FROM audit_log ORDER BY seq').all() as Record<string, string | number | null>[]
      let prev = GENESIS_HASH
      for (const e of entries) {
        const hash = sha256Hex(
          prev +
            canonicalJson({
              seq: e.seq,
              at: e.at,
              actorId: e.actor_id,
              action: e.action,
              targetType: e.target_type,
              targetId: e.target_id ?? null,
              reason: e.reason ?? null,
              data: e.data ? JSON.parse(e.data as string) : null,
            }),
        )
        raw.prepare('UPDATE audit_log SET prev_hash = ?, hash = ? WHERE seq = ?').run(prev, hash, e.seq)
        prev = hash
      }
    })()
    raw.close()
    await withApp(copy, async (app, db) => {
      const repo = createTallyRepo(app.db)
      await repo.replaceCounters(roundId, await repo.recountVillages(roundId), await repo.recountQuestions(roundId))
      const r = await app.services.rounds.findById(roundId)
      if (!r) throw new Error('round gone')
      const tally = canonicalJson({ ...(await app.services.tally.fromBallots(r, 'closed')), status: 'sealed' })
      db.$client.prepare('UPDATE sealed_results SET tally_json = ? WHERE round_id = ?').run(tally, roundId)
      // the database alone can no longer tell (everything in it agrees: TRUST.md §1, actor D with our code) ...
      const report = await app.services.verify.verifyRound(roundId)
      expect(report.differences).toEqual([])
      expect(report.ok).toBe(true)
      expect(JSON.parse((await app.services.tally.sealedRecord(roundId))?.tallyJson ?? '{}').commune.notSatisfied).toBe(0)
      // ... the paper can: the root printed on the minutes and carried by its QR code is not the stored one
      await paperCheck(app)
    })
  }, 120_000)
})
