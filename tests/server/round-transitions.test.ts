import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { auditLog } from '@app/db'
import type { FastifyInstance } from 'fastify'
import { describe, expect, it } from 'vitest'
import { buildTestApp } from '../helpers/build-test-app.js'
import { allSatisfied, makeWorld, openRoundWithLinks, type World } from '../helpers/rounds.js'

const call = (app: FastifyInstance, headers: object, url: string, payload: object = {}) =>
  app.inject({ method: 'POST', url, headers: headers as Record<string, string>, payload })

async function answered(app: FastifyInstance, w: World) {
  const { round, tokens } = await openRoundWithLinks(app, w)
  for (const t of tokens.slice(0, 6)) expect((await call(app, {}, `/api/ballots/${t}`, { answers: allSatisfied })).statusCode).toBe(201)
  return round
}

describe('the round state machine on the server', () => {
  it('walks every edge through the API, each move audited once with its reason', async () => {
    const { app, db, clock } = await buildTestApp()
    const w = await makeWorld(app, db)
    const round = await answered(app, w)
    const u = `/api/rounds/${round.id}`
    expect((await call(app, w.auth.xa, `${u}/close`, { reason: 'đủ phiếu' })).json().status).toBe('closed')
    expect(
      (await call(app, w.auth.tinh, `${u}/reopen`, { reason: 'còn hộ chưa hỏi', closesAt: '2025-06-10T00:00:00Z' })).json().status,
    ).toBe('open')
    expect((await call(app, w.auth.xa, `${u}/close`)).json().status).toBe('closed')
    expect((await call(app, w.auth.xa, `${u}/seal`)).json().status).toBe('sealed')
    expect((await call(app, w.auth.admin, `${u}/unseal`, { reason: 'Sai sót cần sửa' })).json().status).toBe('closed')
    clock.advance(1000)
    expect((await call(app, w.auth.xa, `${u}/seal`)).json().status).toBe('sealed')
    const back = await call(app, w.auth.hoidong, `${u}/council-decisions`, {
      votesFor: 5,
      votesAgainst: 10,
      votesAbstain: 0,
      decision: 'return_for_resurvey',
      decidedAt: '2025-06-20',
    })
    expect(back.statusCode).toBe(201)
    expect((await app.services.rounds.findById(round.id))?.status).toBe('returned')
    const moves = db
      .select()
      .from(auditLog)
      .all()
      .filter((a) => a.targetId === round.id && /^round\.(open|close|reopen|seal|unseal)$/.test(a.action))
      .map((a) => [a.action, a.reason])
    expect(moves).toEqual([
      ['round.open', null],
      ['round.close', 'đủ phiếu'],
      ['round.reopen', 'còn hộ chưa hỏi'],
      ['round.close', null],
      ['round.seal', null],
      ['round.unseal', 'Sai sót cần sửa'],
      ['round.seal', null],
    ])
    // returned is terminal: nothing moves it again
    for (const [who, path] of [
      [w.auth.xa, 'close'],
      [w.auth.xa, 'seal'],
      [w.auth.admin, 'unseal'],
      [w.auth.tinh, 'reopen'],
    ] as const) {
      const res = await call(app, who, `${u}/${path}`, { reason: 'thử lại lần nữa', closesAt: '2025-06-10T00:00:00Z' })
      expect(res.statusCode, path).toBe(409)
      expect(res.json().error, path).toMatchObject({ code: 'invalid_transition' })
    }
  })

  it('refuses a move off the table with 409 invalid_transition, and a move from a stale read without writing', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    const round = await answered(app, w)
    const r = app.services.rounds
    const stale = (await r.findById(round.id))!
    await expect(app.db.transaction((tx) => r.transition(tx, stale, 'sealed', null, null))).rejects.toThrow(
      expect.objectContaining({ code: 'invalid_transition', statusCode: 409 }),
    )
    await expect(app.db.transaction((tx) => r.transition(tx, stale, 'draft', null, null))).rejects.toThrow(
      expect.objectContaining({ code: 'invalid_transition' }),
    )
    expect((await call(app, w.auth.xa, `/api/rounds/${round.id}/close`)).statusCode).toBe(200)
    // `stale` still says open; the machine reads the status inside the transaction
    const before = db.select().from(auditLog).all().length
    await expect(app.db.transaction((tx) => r.transition(tx, stale, 'closed', null, 'twice'))).rejects.toThrow(
      expect.objectContaining({ code: 'invalid_transition', details: { status: 'closed', action: 'close' } }),
    )
    expect(db.select().from(auditLog).all().length).toBe(before)
  })

  it('no module but rounds writes a round status: no repo of rounds outside its module, no status patch elsewhere', () => {
    const root = join(import.meta.dirname, '../../server/src')
    const files: string[] = []
    const walk = (d: string) => {
      for (const f of readdirSync(d)) {
        const p = join(d, f)
        if (statSync(p).isDirectory()) walk(p)
        else if (p.endsWith('.ts') && !p.endsWith('.test.ts')) files.push(p)
      }
    }
    walk(root)
    const offenders = files
      .filter((p) => !p.includes('/modules/rounds/'))
      .filter((p) => {
        const src = readFileSync(p, 'utf8')
        // Other modules may read rounds and write columns they own (messaging's halt), never `status`.
        return /createRoundRepo|rounds\.repo\b/.test(src) || /\.update\(rounds\)\s*\.set\(\{[^}]*\bstatus\b/.test(src)
      })
      .map((p) => p.slice(root.length))
    expect(offenders).toEqual([])
  })
})
