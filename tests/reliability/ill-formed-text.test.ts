import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { closeDb, createDb, migrateDb } from '@app/db'
import { buildApp } from '@app/server'
import { fixedClock } from '@app/server/lib/clock.ts'
import Database from 'better-sqlite3'
import type { FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { allSatisfied, landNow, makeWorld, openRoundWithLinks, overallNo } from '../helpers/rounds.js'
import { TEST_JWT_SECRET, testConfig } from '../helpers/test-config.js'

/**
 * TRUST §2.7 / §3.3: a resident's ill-formed text never breaks verification or sealing. The
 * attack: a lone surrogate in a comment or reason used to be stored as U+FFFD while the ledger
 * hashed the escaped surrogate, so the ballot no longer matched its digest and the commune could
 * not be sealed. Run on a real SQLite file, the way a resident reaches it (HTTP).
 */
const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

async function fileApp() {
  const dir = mkdtempSync(join(tmpdir(), 'hailong-text-'))
  dirs.push(dir)
  const path = join(dir, 't.db')
  const db = createDb(path)
  migrateDb(db)
  const app = await buildApp({
    config: testConfig({ DATABASE_PATH: path }),
    db,
    jwtSecret: TEST_JWT_SECRET,
    clock: fixedClock('2025-06-01T08:00:00Z'),
    logger: false,
  })
  return { app, db, path }
}

const post = (app: FastifyInstance, token: string, payload: unknown) =>
  app.inject({ method: 'POST', url: `/api/ballots/${token}`, payload: payload as object })

const NFD = 'Đươ\u0300ng la\u0302\u0300y lô\u0323i' // "Đường lầy lội" typed with combining marks (Unikey "tổ hợp")
const NFC = 'Đường lầy lội'

describe('ill-formed resident text', () => {
  it('is refused with 400 validation_failed naming the field; the round still verifies and seals', async () => {
    const { app, db, path } = await fileApp()
    try {
      const w = await makeWorld(app, db)
      const { round, tokens } = await openRoundWithLinks(app, w)
      const [t0, t1, t2, t3, t4, t5] = tokens as [string, string, string, string, string, string]

      const loneComment = await post(app, t0, { answers: allSatisfied, comment: '\udfff' })
      expect(loneComment.statusCode).toBe(400)
      expect(loneComment.json().error.code).toBe('validation_failed')
      expect(loneComment.json().error.details.issues).toEqual([expect.objectContaining({ path: 'body/comment' })])

      const loneReason = await post(app, t0, { answers: { ...overallNo, q9: { satisfied: false, reason: 'xấu\ud800' } } })
      expect(loneReason.statusCode).toBe(400)
      expect(loneReason.json().error.details.issues).toEqual([expect.objectContaining({ path: 'body/answers/q9/reason' })])

      const nul = await post(app, t0, { answers: allSatisfied, comment: 'a\u0000b' })
      expect(nul.statusCode).toBe(400)
      expect(nul.json().error.code).toBe('validation_failed')

      // The refused link is still unused: the resident can answer properly.
      expect((await post(app, t0, { answers: allSatisfied, comment: 'Tốt' })).statusCode).toBe(201)
      // Valid but unusual Unicode is kept: NFD becomes NFC, RTL marks and zero-width joiners stay.
      expect((await post(app, t1, { answers: { ...overallNo, q9: { satisfied: false, reason: NFD } } })).statusCode).toBe(201)
      expect((await post(app, t2, { answers: allSatisfied, comment: 'abc \u200f\u202bשלום\u202c 👨\u200d👩\u200d👧' })).statusCode).toBe(
        201,
      )
      expect((await post(app, t3, { answers: allSatisfied, comment: '😀 emoji pair' })).statusCode).toBe(201)
      for (const t of [t4, t5]) expect((await post(app, t, { answers: allSatisfied })).statusCode).toBe(201)

      // Stored exactly as hashed: NFC in ballots and feedback, never U+FFFD (landed now, as a full batch would be).
      await landNow(app, round.id)
      const raw = new Database(path, { readonly: true })
      const texts = raw.prepare('SELECT text FROM feedback').pluck().all() as string[]
      const answers = raw.prepare('SELECT answers FROM ballots').pluck().all() as string[]
      raw.close()
      expect(texts).toContain(NFC)
      expect(texts.join('')).not.toContain('\ufffd')
      expect(answers.join('')).toContain(NFC)
      expect(answers.join('')).not.toContain('\u0300')

      const verify = await app.inject({ method: 'GET', url: `/api/rounds/${round.id}/ledger/verify`, headers: w.auth.xa })
      expect(verify.json()).toMatchObject({ ok: true })
      expect((await app.inject({ method: 'POST', url: `/api/rounds/${round.id}/close`, headers: w.auth.xa, payload: {} })).statusCode).toBe(
        200,
      )
      const seal = await app.inject({ method: 'POST', url: `/api/rounds/${round.id}/seal`, headers: w.auth.xa })
      expect(seal.statusCode).toBe(200)
    } finally {
      await app.close()
      closeDb(db)
    }
  })

  it('a paper ballot keyed with ill-formed text is refused naming the field', async () => {
    const { app, db } = await fileApp()
    try {
      const w = await makeWorld(app, db)
      const { round, links } = await openRoundWithLinks(app, w)
      const res = await app.inject({
        method: 'POST',
        url: `/api/rounds/${round.id}/paper-ballots`,
        headers: w.auth.xa,
        payload: { householdId: links[0]?.householdId, channel: 'paper', answers: allSatisfied, comment: 'ok\udbff' },
      })
      expect(res.statusCode).toBe(400)
      expect(res.json().error).toMatchObject({
        code: 'validation_failed',
        details: { issues: [expect.objectContaining({ path: 'body/comment' })] },
      })
    } finally {
      await app.close()
      closeDb(db)
    }
  })
})
