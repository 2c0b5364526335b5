/**
 * Double entry as a separation of duties (TRUST.md §2.1, §2.8): two different people key a paper form, a
 * mismatch is settled by a third who keyed neither entry, a round does not close while a form keyed
 * once or twice is unsettled, and the rows naming the household leave the database file once settled.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createDb, migrateDb, paperEntries } from '@app/db'
import { buildApp } from '@app/server'
import { fixedClock } from '@app/server/lib/clock.ts'
import type { FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it, onTestFinished } from 'vitest'
import { buildTestApp, loginAs } from '../helpers/build-test-app.js'
import { makeUser } from '../helpers/factories.js'
import { allSatisfied, makeWorld, openRoundWithLinks, overallNo, type World } from '../helpers/rounds.js'
import { testConfig } from '../helpers/test-config.js'

type Headers = { authorization: string }

async function doubleEntryRound(app: FastifyInstance, w: World) {
  const { round, links } = await openRoundWithLinks(app, w, { doubleEntry: true })
  const assign = await app.inject({
    method: 'PUT',
    url: `/api/rounds/${round.id}/collectors/${w.collector.id}`,
    headers: w.auth.xa,
    payload: { villageIds: w.villages.map((v) => v.id) },
  })
  expect(assign.statusCode).toBe(200)
  const key = (headers: Headers, serial: string, householdId: string, answers: object, comment?: string) =>
    app.inject({
      method: 'POST',
      url: `/api/rounds/${round.id}/paper-ballots`,
      headers,
      payload: { householdId, channel: 'paper', answers, serial, ...(comment ? { comment } : {}) },
    })
  const resolve = (headers: Headers, serial: string, householdId: string, answers: object, comment?: string) =>
    app.inject({
      method: 'POST',
      url: `/api/rounds/${round.id}/paper-entries/${serial}/resolve`,
      headers,
      payload: { householdId, channel: 'paper', answers, ...(comment ? { comment } : {}) },
    })
  const close = (headers: Headers = w.auth.xa) => app.inject({ method: 'POST', url: `/api/rounds/${round.id}/close`, headers, payload: {} })
  return { round, hh: links.map((l) => l.householdId), key, resolve, close }
}

describe('double entry: who may settle a mismatch', () => {
  it('neither keyer may resolve their own mismatch (403 resolver_keyed_entry); a third person does, once', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    await makeUser(db, { username: 'xa2', role: 'front_staff', unitId: w.commune.id })
    const xa2 = await loginAs(app, 'xa2')
    const { hh, key, resolve } = await doubleEntryRound(app, w)
    const h = hh[0] as string
    expect((await key(w.auth.xa, 'S-001', h, allSatisfied)).statusCode).toBe(202)
    const second = await key(w.auth.thuky, 'S-001', h, overallNo)
    expect(second.json().status).toBe('mismatch')

    // the attack of the issue: the first keyer settles "their" form with another household and answers
    const other = hh[1] as string
    const byFirst = await resolve(w.auth.xa, 'S-001', other, allSatisfied)
    expect(byFirst.statusCode).toBe(403)
    expect(byFirst.json().error.code).toBe('resolver_keyed_entry')
    expect(byFirst.json().error.message).toMatch(/người chưa nhập/)
    // the second keyer is a collector: resolving is for Front staff anyway, and a keyer never may
    expect((await resolve(w.auth.thuky, 'S-001', h, overallNo)).statusCode).toBeGreaterThanOrEqual(403)

    const ok = await resolve(xa2, 'S-001', h, overallNo)
    expect(ok.statusCode, ok.body).toBe(201)
    expect(ok.json().status).toBe('counted')
    expect(db.select().from(paperEntries).all()).toHaveLength(0)
    const again = await resolve(w.auth.tinh, 'S-001', h, overallNo)
    expect(again.statusCode).toBe(404)
  })

  it('a Front officer who keyed the second entry may not resolve either', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    const { hh, key, resolve } = await doubleEntryRound(app, w)
    const h = hh[2] as string
    await key(w.auth.thuky, 'S-010', h, allSatisfied)
    expect((await key(w.auth.xa, 'S-010', h, overallNo)).json().status).toBe('mismatch')
    const bySecond = await resolve(w.auth.xa, 'S-010', h, overallNo)
    expect(bySecond.statusCode).toBe(403)
    expect(bySecond.json().error.code).toBe('resolver_keyed_entry')
    expect((await resolve(w.auth.tinh, 'S-010', h, overallNo)).statusCode).toBe(201)
  })
})

describe('double entry: no close while a form is unsettled', () => {
  it('close answers 409 unresolved_mismatches naming how many forms (mismatched and waiting for the second keying)', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    const { hh, key, resolve, close } = await doubleEntryRound(app, w)
    await key(w.auth.xa, 'S-101', hh[0] as string, allSatisfied)
    await key(w.auth.thuky, 'S-101', hh[0] as string, overallNo)
    await key(w.auth.xa, 'S-102', hh[1] as string, allSatisfied)

    const refused = await close()
    expect(refused.statusCode).toBe(409)
    const err = refused.json().error
    expect(err.code).toBe('unresolved_mismatches')
    expect(err.details).toEqual({ unresolved: 2, mismatches: 1, awaitingSecondEntry: 1 })
    expect(err.message).toContain('2 phiếu')
    expect(err.message).toContain('1 phiếu lệch')
    expect(err.message).toContain('1 phiếu chờ nhập lần hai')
    // the province cannot force it either
    expect((await close(w.auth.tinh)).json().error.code).toBe('unresolved_mismatches')

    expect((await resolve(w.auth.tinh, 'S-101', hh[0] as string, overallNo)).statusCode).toBe(201)
    const one = await close()
    expect(one.json().error).toMatchObject({ code: 'unresolved_mismatches', details: { unresolved: 1 } })
    expect((await key(w.auth.thuky, 'S-102', hh[1] as string, allSatisfied)).statusCode).toBe(201)
    const closed = await close()
    expect(closed.statusCode, closed.body).toBe(200)
    expect(closed.json().status).toBe('closed')
    expect(db.select().from(paperEntries).all()).toHaveLength(0)
  })

  it('at the end of the window a round with unsettled forms stays open; they can still be settled, then it closes', async () => {
    const { app, db, clock } = await buildTestApp()
    const w = await makeWorld(app, db)
    const { round, hh, key, resolve } = await doubleEntryRound(app, w)
    await key(w.auth.xa, 'S-201', hh[0] as string, allSatisfied)
    await key(w.auth.thuky, 'S-201', hh[0] as string, overallNo)
    clock.set('2025-06-15T00:00:01Z')
    expect(await app.services.rounds.closeExpired()).toBe(0)
    expect((await app.services.rounds.findById(round.id))?.status).toBe('open')
    // no new form after the window, but the one keyed within it is settled
    expect((await key(w.auth.xa, 'S-202', hh[1] as string, allSatisfied)).json().error.code).toBe('round_closed')
    expect((await resolve(w.auth.tinh, 'S-201', hh[0] as string, overallNo)).statusCode).toBe(201)
    expect(await app.services.rounds.closeExpired()).toBe(1)
    expect((await app.services.rounds.findById(round.id))?.status).toBe('closed')
  })
})

describe('double-entry rows on the database file (TRUST.md §2.1)', () => {
  const dirs: string[] = []
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
  })

  it('the row naming the household and the serial is gone from the file once matched, and once resolved', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hailong-paper-'))
    dirs.push(dir)
    const path = join(dir, 'paper.db')
    const config = testConfig({ DATABASE_PATH: path })
    const db = createDb(path)
    migrateDb(db)
    const app = await buildApp({ config, db, clock: fixedClock('2025-06-01T08:00:00Z'), logger: false })
    await app.ready()
    onTestFinished(async () => {
      await app.close()
      db.$client.close()
    })
    const w = await makeWorld(app, db)
    const { hh, key, resolve } = await doubleEntryRound(app, w)
    /** The file as a database holder would copy it, with the WAL folded in. */
    const fileBytes = () => {
      db.$client.pragma('wal_checkpoint(TRUNCATE)')
      return readFileSync(path)
    }
    // a row of paper_entries holds the serial and the household id side by side (id, round_id, serial, household_id, …)
    const rowOf = (serial: string, householdId: string) => Buffer.from(serial + householdId, 'utf8')

    const [h1, h2, wrong] = hh as [string, string, string]
    expect((await key(w.auth.xa, 'SERIAL-MATCH-1', h1, allSatisfied)).statusCode).toBe(202)
    expect(fileBytes().includes(rowOf('SERIAL-MATCH-1', h1))).toBe(true) // the probe finds a live row
    expect((await key(w.auth.thuky, 'SERIAL-MATCH-1', h1, allSatisfied)).statusCode).toBe(201)
    expect(fileBytes().includes(rowOf('SERIAL-MATCH-1', h1))).toBe(false)

    // a mismatch where the second keyer picked the wrong household and typed a comment the form does not have
    await key(w.auth.xa, 'SERIAL-MISMATCH-2', h2, overallNo)
    await key(w.auth.thuky, 'SERIAL-MISMATCH-2', wrong, overallNo, 'GHI-CHU-NHAP-NHAM-7Q')
    const mid = fileBytes()
    expect(mid.includes(rowOf('SERIAL-MISMATCH-2', h2))).toBe(true)
    expect(mid.includes(rowOf('SERIAL-MISMATCH-2', wrong))).toBe(true)
    expect(mid.includes(Buffer.from('GHI-CHU-NHAP-NHAM-7Q'))).toBe(true)
    expect((await resolve(w.auth.tinh, 'SERIAL-MISMATCH-2', h2, overallNo)).statusCode).toBe(201)
    const after = fileBytes()
    expect(db.select().from(paperEntries).all()).toHaveLength(0)
    expect(after.includes(rowOf('SERIAL-MISMATCH-2', h2))).toBe(false)
    expect(after.includes(rowOf('SERIAL-MISMATCH-2', wrong))).toBe(false)
    expect(after.includes(Buffer.from('GHI-CHU-NHAP-NHAM-7Q'))).toBe(false)
  })
})
