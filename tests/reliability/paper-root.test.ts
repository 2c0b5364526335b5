import { spawnSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { closeDb, createDb, migrateDb } from '@app/db'
import { buildApp } from '@app/server'
import { fixedClock } from '@app/server/lib/clock.ts'
import { canonicalJson, GENESIS_HASH } from '@app/server/lib/hash.ts'
import { ballotDigest, entryHash, type LedgerEntry } from '@app/server/lib/ledger.ts'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
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

async function withApp<T>(path: string, f: (app: Awaited<ReturnType<typeof buildApp>>) => Promise<T>): Promise<T> {
  const db = createDb(path)
  const app = await buildApp({ config: testConfig({ DATABASE_PATH: path }), db, jwtSecret: TEST_JWT_SECRET, logger: false })
  try {
    return await f(app)
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

describe('the sealed root on paper against a rewritten copy of the database', () => {
  it('verify-ledger fails, the printed root differs from the stored one, and the QR address says so', async () => {
    const file = join(tmp, 'sealed.db')
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
    for (let i = 0; i < 14; i++) {
      const res = await app.inject({
        method: 'POST',
        url: `/api/ballots/${tokens[i]}`,
        payload: { answers: i % 3 === 0 ? overallNo : allSatisfied },
      })
      expect(res.statusCode).toBe(201)
    }
    expect((await app.inject({ method: 'POST', url: `/api/rounds/${round.id}/close`, headers: w.auth.xa, payload: {} })).statusCode).toBe(
      200,
    )
    expect((await app.inject({ method: 'POST', url: `/api/rounds/${round.id}/seal`, headers: w.auth.xa })).statusCode).toBe(200)
    const pdf = await app.inject({ method: 'GET', url: `/api/rounds/${round.id}/minutes.pdf`, headers: w.auth.xa })
    expect(pdf.statusCode).toBe(200)
    const paper = rootOnPaper(await pdfText(pdf.rawPayload, 'minutes-paper-root'))
    expect(paper).toBe(app.services.tally.sealedRecord(round.id)?.ledgerRootHash)
    await app.close()
    closeDb(db)

    // the copy: every dissatisfied ballot flipped, the chain rebuilt from the ballots and the sealed root with it
    const copy = join(tmp, 'copy.db')
    copyFileSync(file, copy)
    if (existsSync(`${file}-wal`)) copyFileSync(`${file}-wal`, `${copy}-wal`)
    const raw = new Database(copy)
    raw.pragma('foreign_keys = OFF')
    raw.transaction(() => {
      const flipped = raw
        .prepare('UPDATE ballots SET answers = ?, overall_satisfied = 1 WHERE round_id = ? AND overall_satisfied = 0')
        .run(JSON.stringify(allSatisfied), round.id)
      expect(flipped.changes).toBeGreaterThanOrEqual(4)
      const rows = raw.prepare('SELECT seq, entry FROM ledger WHERE round_id = ? ORDER BY seq').all(round.id) as {
        seq: number
        entry: string
      }[]
      const ballot = raw.prepare('SELECT id, round_id, village_id, channel, answers, comment, day FROM ballots WHERE id = ?')
      let prev = GENESIS_HASH
      for (const r of rows) {
        const e = JSON.parse(r.entry) as LedgerEntry
        if (e.kind === 'ballot') {
          const b = ballot.get(e.ballotId) as Record<string, string>
          e.digest = ballotDigest({
            id: b.id as string,
            roundId: b.round_id as string,
            villageId: b.village_id as string,
            channel: b.channel as string,
            answers: JSON.parse(b.answers as string),
            comment: b.comment ?? null,
            day: b.day as string,
          })
        }
        const hash = entryHash(prev, e)
        raw
          .prepare('UPDATE ledger SET entry = ?, prev_hash = ?, hash = ? WHERE round_id = ? AND seq = ?')
          .run(canonicalJson(e), prev, hash, round.id, r.seq)
        prev = hash
      }
      raw.prepare('UPDATE sealed_results SET ledger_root_hash = ? WHERE round_id = ?').run(prev, round.id)
    })()
    raw.close()

    const cli = spawnSync(TSX, [join(ROOT, 'scripts/verify-ledger.ts'), round.id], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_PATH: copy, LOG_LEVEL: 'silent' },
      encoding: 'utf8',
      timeout: 60_000,
    })
    expect(cli.status).toBe(1)

    await withApp(copy, async (tampered) => {
      const stored = tampered.services.tally.sealedRecord(round.id)?.ledgerRootHash
      expect(stored).toMatch(/^[0-9a-f]{64}$/)
      expect(stored).not.toBe(paper)
      // the QR code on the paper carries the printed root: the public page and its API say it does not match
      const res = await tampered.inject({ method: 'GET', url: `/api/public/rounds/${round.id}?root=${paper}` })
      expect(res.json().rootCheck).toEqual({ paperRoot: paper, result: 'none' })
      const page = await tampered.inject({ method: 'GET', url: `/v/${round.id}?root=${paper}` })
      expect(page.body).toContain('KHÔNG KHỚP')
    })
  }, 120_000)
})
