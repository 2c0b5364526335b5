import { auditLog, rounds } from '@app/db'
import { eq } from 'drizzle-orm'
import type { FastifyInstance } from 'fastify'
import { describe, expect, it } from 'vitest'
import { buildTestApp, loginAs } from '../helpers/build-test-app.js'
import { makeUser } from '../helpers/factories.js'
import { allSatisfied, makeWorld, openRoundWithLinks, type World } from '../helpers/rounds.js'

async function answeredRound(app: FastifyInstance, w: World) {
  const { round, tokens } = await openRoundWithLinks(app, w)
  for (const t of tokens.slice(0, 8))
    expect((await app.inject({ method: 'POST', url: `/api/ballots/${t}`, payload: { answers: allSatisfied } })).statusCode).toBe(201)
  await app.inject({ method: 'POST', url: `/api/rounds/${round.id}/close`, headers: w.auth.xa, payload: {} })
  return round
}
const seal = (app: FastifyInstance, w: World, id: string) =>
  app.inject({ method: 'POST', url: `/api/rounds/${id}/seal`, headers: w.auth.xa })

const decision = (over: Record<string, unknown> = {}) => ({
  votesFor: 20,
  votesAgainst: 0,
  votesAbstain: 0,
  decision: 'recognise',
  notes: 'Thống nhất 100 %',
  reason: 'Hội đồng xét thêm hồ sơ bổ sung',
  decidedAt: '2025-06-20',
  ...over,
})

describe('POST /api/rounds/:id/council-decisions', () => {
  it('records the vote of a council member in scope on a sealed round, once, and logs it', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    const round = await answeredRound(app, w)
    const url = `/api/rounds/${round.id}/council-decisions`
    const early = await app.inject({ method: 'POST', url, headers: w.auth.hoidong, payload: decision() })
    expect(early.statusCode).toBe(409)
    expect(early.json().error.code).toBe('invalid_transition')
    expect((await seal(app, w, round.id)).statusCode).toBe(200)
    // Front staff do not vote; a council member elsewhere cannot see the round
    expect((await app.inject({ method: 'POST', url, headers: w.auth.xa, payload: decision() })).statusCode).toBe(403)
    await makeUser(db, { username: 'hoidong2', role: 'council', unitId: w.other.province.id })
    const foreign = await app.inject({ method: 'POST', url, headers: await loginAs(app, 'hoidong2'), payload: decision() })
    expect(foreign.statusCode).toBe(404)
    const bad = await app.inject({ method: 'POST', url, headers: w.auth.hoidong, payload: decision({ votesFor: -1 }) })
    expect(bad.statusCode).toBe(400)
    expect(bad.json().error.code).toBe('validation_failed')
    const none = await app.inject({ method: 'POST', url, headers: w.auth.hoidong, payload: decision({ votesFor: 0 }) })
    expect(none.statusCode).toBe(400)

    const res = await app.inject({ method: 'POST', url, headers: w.auth.hoidong, payload: decision() })
    expect(res.statusCode).toBe(201)
    expect(res.json()).toMatchObject({
      roundId: round.id,
      votesFor: 20,
      votesAgainst: 0,
      votesAbstain: 0,
      decision: 'recognise',
      decidedAt: '2025-06-20',
    })
    const again = await app.inject({ method: 'POST', url, headers: w.auth.hoidong, payload: decision({ decision: 'reject' }) })
    expect(again.statusCode).toBe(409)
    expect(again.json().error.code).toBe('decision_exists')

    const list = await app.inject({ method: 'GET', url, headers: w.auth.xa })
    expect(list.statusCode).toBe(200)
    expect(list.json().items).toHaveLength(1)
    expect((await app.inject({ method: 'GET', url, headers: w.auth.khac })).statusCode).toBe(404)
    expect((await app.services.rounds.findById(round.id))?.status).toBe('sealed')
    const logged = db.select().from(auditLog).where(eq(auditLog.action, 'council.decide')).all()
    expect(logged).toHaveLength(1)
    expect(JSON.parse(logged[0]?.data ?? '{}')).toMatchObject({ decision: 'recognise', votesFor: 20 })
  })
})

describe('return_for_resurvey → POST /api/rounds/:id/resurvey', () => {
  it('marks the round returned and lets Front staff open one new round linked to it', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    const round = await answeredRound(app, w)
    expect((await seal(app, w, round.id)).statusCode).toBe(200)
    const body = { opensAt: '2025-07-01T00:00:00Z', closesAt: '2025-07-10T00:00:00Z' }
    const tooEarly = await app.inject({ method: 'POST', url: `/api/rounds/${round.id}/resurvey`, headers: w.auth.xa, payload: body })
    expect(tooEarly.statusCode).toBe(409)
    const d = await app.inject({
      method: 'POST',
      url: `/api/rounds/${round.id}/council-decisions`,
      headers: w.auth.hoidong,
      payload: decision({ votesFor: 8, votesAgainst: 11, votesAbstain: 1, decision: 'return_for_resurvey' }),
    })
    expect(d.statusCode).toBe(201)
    expect((await app.services.rounds.findById(round.id))?.status).toBe('returned')
    // the sealed documents stay available for the dossier
    expect((await app.inject({ method: 'GET', url: `/api/rounds/${round.id}/minutes.pdf`, headers: w.auth.hoidong })).statusCode).toBe(200)

    expect(
      (await app.inject({ method: 'POST', url: `/api/rounds/${round.id}/resurvey`, headers: w.auth.hoidong, payload: body })).statusCode,
    ).toBe(403)
    expect(
      (await app.inject({ method: 'POST', url: `/api/rounds/${round.id}/resurvey`, headers: w.auth.khac, payload: body })).statusCode,
    ).toBe(404)
    const res = await app.inject({ method: 'POST', url: `/api/rounds/${round.id}/resurvey`, headers: w.auth.xa, payload: body })
    expect(res.statusCode).toBe(201)
    const next = res.json()
    expect(next).toMatchObject({ status: 'draft', communeId: w.commune.id, level: 'xa_ntm', thresholdBp: 9000, coverageBp: 7000 })
    expect(next.title).toContain('lấy ý kiến lại')
    const row = db.select().from(rounds).where(eq(rounds.id, next.id)).get()
    expect(row?.previousRoundId).toBe(round.id)
    const twice = await app.inject({ method: 'POST', url: `/api/rounds/${round.id}/resurvey`, headers: w.auth.xa, payload: body })
    expect(twice.statusCode).toBe(409)
    expect(twice.json().error.code).toBe('already_exists')
    expect(db.select().from(auditLog).where(eq(auditLog.action, 'round.resurvey')).all()).toHaveLength(1)
    // the new round opens like any other
    expect((await app.inject({ method: 'POST', url: `/api/rounds/${next.id}/open`, headers: w.auth.xa })).statusCode).toBe(200)
  })
})
