import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { closeDb, createDb, migrateDb } from '@app/db'
import { buildApp } from '@app/server'
import { fixedClock } from '@app/server/lib/clock.ts'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { loginAs } from '../helpers/build-test-app.js'
import { allSatisfied, landNow, makeWorld, openRoundWithLinks, overallNo } from '../helpers/rounds.js'
import { TEST_JWT_SECRET, testConfig } from '../helpers/test-config.js'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

/** A round with 6 ballots written to a real SQLite file, then closed; returns the path and round id. */
async function fileRound() {
  const dir = mkdtempSync(join(tmpdir(), 'hailong-ledger-'))
  dirs.push(dir)
  const path = join(dir, 'l.db')
  const db = createDb(path)
  migrateDb(db)
  const app = await buildApp({
    config: testConfig({ DATABASE_PATH: path }),
    db,
    jwtSecret: TEST_JWT_SECRET,
    clock: fixedClock('2025-06-01T08:00:00Z'),
    logger: false,
  })
  const w = await makeWorld(app, db)
  const { round, tokens } = await openRoundWithLinks(app, w)
  for (let i = 0; i < 6; i++) {
    const res = await app.inject({
      method: 'POST',
      url: `/api/ballots/${tokens[i]}`,
      payload: { answers: i % 3 === 0 ? overallNo : allSatisfied },
    })
    expect(res.statusCode).toBe(201)
  }
  void loginAs
  await landNow(app, round.id)
  await app.close()
  closeDb(db)
  return { path, roundId: round.id }
}

async function verify(path: string, roundId: string) {
  const db = createDb(path)
  const app = await buildApp({ config: testConfig({ DATABASE_PATH: path }), db, jwtSecret: TEST_JWT_SECRET, logger: false })
  try {
    return app.services.ballots.verifyLedger(roundId)
  } finally {
    await app.close()
    closeDb(db)
  }
}

function tamper(path: string, sql: string) {
  const raw = new Database(path)
  raw.exec(sql)
  raw.close()
}

describe('ballot ledger', () => {
  it('verifies an untouched chain and exposes its root hash', async () => {
    const { path, roundId } = await fileRound()
    const res = await verify(path, roundId)
    expect(res).toMatchObject({ ok: true, count: 6, rootHash: expect.stringMatching(/^[0-9a-f]{64}$/) })
  })

  it('detects an edited answer written straight into the SQLite file', async () => {
    const { path, roundId } = await fileRound()
    tamper(
      path,
      `UPDATE ballots SET answers = json_set(answers, '$.q9.satisfied', json('true'), '$.q9.reason', null), overall_satisfied = 1 WHERE overall_satisfied = 0 AND id = (SELECT min(id) FROM ballots WHERE overall_satisfied = 0)`,
    )
    expect(await verify(path, roundId)).toMatchObject({ ok: false, reason: 'ballot_mismatch' })
  })

  it('detects a deleted ballot', async () => {
    const { path, roundId } = await fileRound()
    tamper(path, 'PRAGMA foreign_keys=OFF; DELETE FROM ballots WHERE ledger_seq = 3')
    expect(await verify(path, roundId)).toMatchObject({ ok: false, reason: 'missing_ballot', seq: 3 })
  })

  it('detects a deleted ledger entry together with its ballot (a gap)', async () => {
    const { path, roundId } = await fileRound()
    tamper(path, 'DELETE FROM ballots WHERE ledger_seq = 2; DELETE FROM ledger WHERE seq = 2')
    expect(await verify(path, roundId)).toMatchObject({ ok: false, reason: 'gap' })
  })

  it('detects reordered entries', async () => {
    const { path, roundId } = await fileRound()
    tamper(
      path,
      'UPDATE ledger SET seq = -1 WHERE seq = 2; UPDATE ledger SET seq = 2 WHERE seq = 3; UPDATE ledger SET seq = 3 WHERE seq = -1; UPDATE ballots SET ledger_seq = -1 WHERE ledger_seq = 2; UPDATE ballots SET ledger_seq = 2 WHERE ledger_seq = 3; UPDATE ballots SET ledger_seq = 3 WHERE ledger_seq = -1',
    )
    const res = await verify(path, roundId)
    expect(res.ok).toBe(false)
  })

  it('detects an inserted ballot that never went through the ledger, and a validity flip without an entry', async () => {
    const { path, roundId } = await fileRound()
    tamper(
      path,
      `INSERT INTO ballots (id, round_id, village_id, channel, answers, overall_satisfied, content_hash, day, receipt, ledger_seq, valid)
      SELECT 'forged', round_id, village_id, channel, answers, overall_satisfied, content_hash, day, 'ZZZZ-ZZZZ-ZZZZ', 99, 1 FROM ballots LIMIT 1`,
    )
    expect(await verify(path, roundId)).toMatchObject({ ok: false, reason: 'unledgered_ballot', ballotId: 'forged' })
    const second = await fileRound()
    tamper(second.path, 'UPDATE ballots SET valid = 0 WHERE ledger_seq = 4')
    expect(await verify(second.path, second.roundId)).toMatchObject({ ok: false, reason: 'validity_mismatch' })
  })
})
