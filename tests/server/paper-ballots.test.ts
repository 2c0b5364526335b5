import { auditLog, ballots, households, outbox, paperEntries, participations, tallyCounters, villageCounters } from '@app/db'
import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { buildTestApp } from '../helpers/build-test-app.js'
import { allSatisfied, createRound, landNow, makeWorld, openRoundWithLinks, overallNo } from '../helpers/rounds.js'

describe('POST /api/rounds/:id/paper-ballots', () => {
  it('front staff enter paper and meeting ballots; a household that already took part gets 409', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    const { round, tokens, links } = await openRoundWithLinks(app, w)
    const hh = links[0]?.householdId as string
    const res = await app.inject({
      method: 'POST',
      url: `/api/rounds/${round.id}/paper-ballots`,
      headers: w.auth.xa,
      payload: { householdId: hh, channel: 'paper', answers: overallNo },
    })
    expect(res.statusCode).toBe(201)
    expect(res.json()).toMatchObject({ status: 'counted', receipt: expect.any(String) })
    const twice = await app.inject({
      method: 'POST',
      url: `/api/rounds/${round.id}/paper-ballots`,
      headers: w.auth.xa,
      payload: { householdId: hh, channel: 'meeting', answers: allSatisfied },
    })
    expect(twice.statusCode).toBe(409)
    expect(twice.json().error.code).toBe('already_answered')
    // the household's link is now used too
    const link = await app.inject({ method: 'POST', url: `/api/ballots/${tokens[0]}`, payload: { answers: allSatisfied } })
    expect(link.statusCode).toBe(409)
    await landNow(app, round.id)
    const b = db.select().from(ballots).all()
    expect(b).toHaveLength(1)
    expect(b[0]?.channel).toBe('paper')
    expect(b[0]?.enteredBy).toBeTruthy()
  })

  it('collectors enter only for their assigned villages; others and foreign staff get 404', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    const { round, links } = await openRoundWithLinks(app, w)
    const [v1, v2] = w.villages
    const inV1 = links.find((l) => l.villageId === v1?.id)?.householdId
    const inV2 = links.find((l) => l.villageId === v2?.id)?.householdId
    const before = await app.inject({
      method: 'POST',
      url: `/api/rounds/${round.id}/paper-ballots`,
      headers: w.auth.thuky,
      payload: { householdId: inV1, channel: 'paper', answers: allSatisfied },
    })
    expect(before.statusCode).toBe(404)
    const assign = await app.inject({
      method: 'PUT',
      url: `/api/rounds/${round.id}/collectors/${w.collector.id}`,
      headers: w.auth.xa,
      payload: { villageIds: [v1?.id] },
    })
    expect(assign.statusCode).toBe(200)
    const ok = await app.inject({
      method: 'POST',
      url: `/api/rounds/${round.id}/paper-ballots`,
      headers: w.auth.thuky,
      payload: { householdId: inV1, channel: 'paper', answers: allSatisfied },
    })
    expect(ok.statusCode).toBe(201)
    const other = await app.inject({
      method: 'POST',
      url: `/api/rounds/${round.id}/paper-ballots`,
      headers: w.auth.thuky,
      payload: { householdId: inV2, channel: 'paper', answers: allSatisfied },
    })
    expect(other.statusCode).toBe(404)
    const foreignHh = w.other.households[0]?.id
    const foreign = await app.inject({
      method: 'POST',
      url: `/api/rounds/${round.id}/paper-ballots`,
      headers: w.auth.xa,
      payload: { householdId: foreignHh, channel: 'paper', answers: allSatisfied },
    })
    expect(foreign.statusCode).toBe(404)
    const foreignStaff = await app.inject({
      method: 'POST',
      url: `/api/rounds/${round.id}/paper-ballots`,
      headers: w.auth.khac,
      payload: { householdId: inV2, channel: 'paper', answers: allSatisfied },
    })
    expect(foreignStaff.statusCode).toBe(404)
    const council = await app.inject({
      method: 'POST',
      url: `/api/rounds/${round.id}/paper-ballots`,
      headers: w.auth.hoidong,
      payload: { householdId: inV2, channel: 'paper', answers: allSatisfied },
    })
    expect(council.statusCode).toBe(403)
    // the collector sees pending households of their village only, names but no answers
    const list = await app.inject({
      method: 'GET',
      url: `/api/rounds/${round.id}/households?villageId=${v1?.id}&status=pending`,
      headers: w.auth.thuky,
    })
    expect(list.json().total).toBe(4)
    expect(Object.keys(list.json().items[0]).sort()).toEqual(['code', 'headName', 'id', 'invited', 'participated', 'villageId'])
    expect(
      (await app.inject({ method: 'GET', url: `/api/rounds/${round.id}/households?villageId=${v2?.id}`, headers: w.auth.thuky }))
        .statusCode,
    ).toBe(404)
  })

  it('double entry: a matching second keying by someone else counts once; a mismatch waits until resolved', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    const { round, links } = await openRoundWithLinks(app, w, { doubleEntry: true })
    await app.inject({
      method: 'PUT',
      url: `/api/rounds/${round.id}/collectors/${w.collector.id}`,
      headers: w.auth.xa,
      payload: { villageIds: w.villages.map((v) => v.id) },
    })
    const url = `/api/rounds/${round.id}/paper-ballots`
    const [h1, h2] = [links[0]?.householdId, links[1]?.householdId]
    const noSerial = await app.inject({
      method: 'POST',
      url,
      headers: w.auth.xa,
      payload: { householdId: h1, channel: 'paper', answers: allSatisfied },
    })
    expect(noSerial.statusCode).toBe(400)
    const first = await app.inject({
      method: 'POST',
      url,
      headers: w.auth.xa,
      payload: { householdId: h1, channel: 'paper', answers: allSatisfied, serial: 'P-001' },
    })
    expect(first.statusCode).toBe(202)
    expect(first.json().status).toBe('pending')
    const sameUser = await app.inject({
      method: 'POST',
      url,
      headers: w.auth.xa,
      payload: { householdId: h1, channel: 'paper', answers: allSatisfied, serial: 'P-001' },
    })
    expect(sameUser.statusCode).toBe(409)
    expect(sameUser.json().error.code).toBe('same_enterer')
    await landNow(app, round.id)
    expect(db.select().from(ballots).all()).toHaveLength(0)
    const match = await app.inject({
      method: 'POST',
      url,
      headers: w.auth.thuky,
      payload: { householdId: h1, channel: 'paper', answers: allSatisfied, serial: 'P-001' },
    })
    expect(match.statusCode).toBe(201)
    await landNow(app, round.id)
    expect(db.select().from(ballots).all()).toHaveLength(1)
    expect(db.select().from(paperEntries).all()).toHaveLength(0)

    await app.inject({
      method: 'POST',
      url,
      headers: w.auth.xa,
      payload: { householdId: h2, channel: 'paper', answers: allSatisfied, serial: 'P-002' },
    })
    const mismatch = await app.inject({
      method: 'POST',
      url,
      headers: w.auth.thuky,
      payload: { householdId: h2, channel: 'paper', answers: overallNo, serial: 'P-002' },
    })
    expect(mismatch.statusCode).toBe(202)
    expect(mismatch.json().status).toBe('mismatch')
    await landNow(app, round.id)
    expect(db.select().from(ballots).all()).toHaveLength(1)
    const queue = await app.inject({ method: 'GET', url: `/api/rounds/${round.id}/paper-entries`, headers: w.auth.xa })
    expect(queue.json().items).toEqual([
      {
        serial: 'P-002',
        villageId: expect.any(String),
        status: 'mismatch',
        entries: 2,
        householdDiffers: false,
        differingQuestions: ['q9'],
        commentDiffers: false,
      },
    ])
    expect((await app.inject({ method: 'GET', url: `/api/rounds/${round.id}/paper-entries`, headers: w.auth.thuky })).statusCode).toBe(403)
    const resolve = await app.inject({
      method: 'POST',
      url: `/api/rounds/${round.id}/paper-entries/P-002/resolve`,
      // someone who keyed neither entry (tests/server/paper-separation.test.ts)
      headers: w.auth.tinh,
      payload: { householdId: h2, channel: 'paper', answers: overallNo },
    })
    expect(resolve.statusCode).toBe(201)
    await landNow(app, round.id)
    expect(db.select().from(ballots).all()).toHaveLength(2)
    expect(db.select().from(paperEntries).all()).toHaveLength(0)
    expect((await app.inject({ method: 'GET', url: `/api/rounds/${round.id}/paper-entries`, headers: w.auth.xa })).json().items).toEqual([])
  })

  it('zalo invitations queue one outbox row per household with a phone', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    db.update(households)
      .set({ phone: null })
      .where(eq(households.id, w.households[0]?.id as string))
      .run()
    const r = await createRound(app, w)
    const res = await app.inject({
      method: 'POST',
      url: `/api/rounds/${r.id}/invitations`,
      headers: w.auth.xa,
      payload: { channel: 'zalo' },
    })
    expect(res.statusCode).toBe(201)
    expect(res.json()).toEqual({ created: 9, skippedNoPhone: 1 })
    const rows = db.select().from(outbox).all()
    expect(rows).toHaveLength(9)
    expect(new Set(rows.map((o) => o.trackingId)).size).toBe(9)
    expect(rows.every((o) => o.status === 'pending' && o.channel === 'zalo')).toBe(true)
  })
})

describe('invalidation', () => {
  it('only Front staff above the commune (or admin) invalidate, with a reason code; counters drop it; audit records it', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    const { round, tokens } = await openRoundWithLinks(app, w)
    await app.inject({ method: 'POST', url: `/api/ballots/${tokens[0]}`, payload: { answers: overallNo } })
    await app.inject({ method: 'POST', url: `/api/ballots/${tokens[1]}`, payload: { answers: allSatisfied } })
    await landNow(app, round.id)
    const target = db.select().from(ballots).where(eq(ballots.overallSatisfied, false)).get()
    const url = `/api/rounds/${round.id}/ballots/${target?.id}/invalidate`
    expect((await app.inject({ method: 'POST', url, headers: w.auth.xa, payload: { reasonCode: 'not_resident' } })).statusCode).toBe(403)
    expect((await app.inject({ method: 'POST', url, headers: w.auth.khac, payload: { reasonCode: 'not_resident' } })).statusCode).toBe(404)
    expect((await app.inject({ method: 'POST', url, headers: w.auth.tinh, payload: { reasonCode: 'because' } })).statusCode).toBe(400)
    const ok = await app.inject({
      method: 'POST',
      url,
      headers: w.auth.tinh,
      payload: { reasonCode: 'not_resident', note: 'hộ đã chuyển đi' },
    })
    expect(ok.statusCode).toBe(200)
    expect((await app.inject({ method: 'POST', url, headers: w.auth.tinh, payload: { reasonCode: 'not_resident' } })).statusCode).toBe(409)
    const stored = db
      .select()
      .from(ballots)
      .where(eq(ballots.id, target?.id as string))
      .get()
    expect(stored).toMatchObject({ valid: false, invalidationReason: 'not_resident' })
    const q9 = db.select().from(tallyCounters).where(eq(tallyCounters.questionKey, 'q9')).all()
    expect(q9.reduce((a, r) => a + r.valid, 0)).toBe(1)
    expect(q9.reduce((a, r) => a + r.satisfied, 0)).toBe(1)
    const vc = db.select().from(villageCounters).all()
    expect(vc.reduce((a, r) => a + r.participated, 0)).toBe(2)
    expect(vc.reduce((a, r) => a + r.invalid, 0)).toBe(1)
    const log = db.select().from(auditLog).where(eq(auditLog.action, 'ballot.invalidate')).all()
    expect(log).toHaveLength(1)
    expect(log[0]?.reason).toBe('hộ đã chuyển đi')
    const verify = await app.inject({ method: 'GET', url: `/api/rounds/${round.id}/ledger/verify`, headers: w.auth.tinh })
    // the round is still open: the API says ok / not ok and nothing else (TRUST §2.2)
    expect(verify.json()).toEqual({ ok: true })
    expect(await app.services.verify.verifyRound(round.id)).toMatchObject({ ok: true, count: 3 })
    expect(db.select().from(participations).all()).toHaveLength(2)
  })
})

describe('collectors and levels for the staff app', () => {
  it('front staff list collectors in scope, assign one, and see the assignment; the collector sees only their own', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    const { round } = await openRoundWithLinks(app, w)
    const list = await app.inject({ method: 'GET', url: '/api/users?role=collector', headers: w.auth.xa })
    expect(list.statusCode).toBe(200)
    expect(list.json().items.map((u: { username: string }) => u.username)).toEqual(['thuky'])
    expect((await app.inject({ method: 'GET', url: '/api/users?role=collector', headers: w.auth.khac })).json().items).toEqual([])
    expect((await app.inject({ method: 'GET', url: '/api/users', headers: w.auth.hoidong })).statusCode).toBe(403)
    const notCollector = await app.inject({
      method: 'PUT',
      url: `/api/rounds/${round.id}/collectors/${w.collector.id}x`,
      headers: w.auth.xa,
      payload: { villageIds: [w.villages[0]?.id] },
    })
    expect(notCollector.statusCode).toBe(404)
    await app.inject({
      method: 'PUT',
      url: `/api/rounds/${round.id}/collectors/${w.collector.id}`,
      headers: w.auth.xa,
      payload: { villageIds: [w.villages[0]?.id] },
    })
    const staffView = await app.inject({ method: 'GET', url: `/api/rounds/${round.id}/collectors`, headers: w.auth.xa })
    expect(staffView.json().items).toEqual([{ userId: w.collector.id, username: 'thuky', villageIds: [w.villages[0]?.id] }])
    expect(
      (await app.inject({ method: 'GET', url: `/api/rounds/${round.id}/collectors`, headers: w.auth.thuky })).json().items,
    ).toHaveLength(1)
    expect((await app.inject({ method: 'GET', url: `/api/rounds/${round.id}/collectors`, headers: w.auth.khac })).statusCode).toBe(404)
  })

  it('lists the configured levels and searches a village household list without diacritics', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    const levels = (await app.inject({ method: 'GET', url: '/api/levels', headers: w.auth.xa })).json().items
    expect(levels.find((l: { key: string }) => l.key === 'xa_ntm')).toMatchObject({ thresholdBp: 9000, coverageBp: 7000 })
    const { round } = await openRoundWithLinks(app, w)
    const res = await app.inject({
      method: 'GET',
      url: `/api/rounds/${round.id}/households?villageId=${w.villages[0]?.id}&q=chu ho thu 3`,
      headers: w.auth.xa,
    })
    expect(res.json().items.map((h: { headName: string }) => h.headName)).toEqual(['Chủ Hộ Thử 3'])
  })
})
