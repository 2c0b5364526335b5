import { auditLog } from '@app/db'
import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { buildTestApp } from '../helpers/build-test-app.js'
import { makeCommune } from '../helpers/factories.js'
import { createRound, makeWorld } from '../helpers/rounds.js'

describe('rounds lifecycle', () => {
  it('creates a draft with threshold and coverage floor from the level configuration', async () => {
    const { app, db } = await buildTestApp({
      env: { LEVELS_JSON: JSON.stringify({ xa_ntm_nang_cao: { name: 'Nâng cao', thresholdBp: 9500, coverageBp: 8000 } }) },
    })
    const w = await makeWorld(app, db)
    const r = await createRound(app, w, { level: 'xa_ntm_nang_cao' })
    const got = (await app.inject({ method: 'GET', url: `/api/rounds/${r.id}`, headers: w.auth.xa })).json()
    expect(got).toMatchObject({
      status: 'draft',
      level: 'xa_ntm_nang_cao',
      thresholdBp: 9500,
      coverageBp: 8000,
      coverageScope: 'village',
      households: 10,
    })
    expect(got.questions.map((q: { key: string }) => q.key)).toEqual(['q1', 'q2', 'q9'])
    // a floor below the level's rule is the province's, with a reason (tests/server/rule-floor.test.ts)
    const custom = await createRound(
      app,
      w,
      { thresholdBp: 9200, coverageBp: 6000, coverageScope: 'commune', ruleOverrideReason: 'Xã có nhiều hộ đi làm ăn xa' },
      w.auth.tinh,
    )
    const c = (await app.inject({ method: 'GET', url: `/api/rounds/${custom.id}`, headers: w.auth.xa })).json()
    expect(c).toMatchObject({ thresholdBp: 9200, coverageBp: 6000, coverageScope: 'commune' })
  })

  it('rejects an unknown level, a reversed window and a foreign commune', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    const base = {
      communeId: w.commune.id,
      level: 'xa_ntm',
      templateId: w.template.id,
      opensAt: '2025-06-01T00:00:00Z',
      closesAt: '2025-06-15T00:00:00Z',
    }
    const bad = await app.inject({ method: 'POST', url: '/api/rounds', headers: w.auth.xa, payload: { ...base, level: 'huyen_xyz' } })
    expect(bad.statusCode).toBe(400)
    expect(bad.json().error.code).toBe('validation_failed')
    const rev = await app.inject({
      method: 'POST',
      url: '/api/rounds',
      headers: w.auth.xa,
      payload: { ...base, closesAt: '2025-05-01T00:00:00Z' },
    })
    expect(rev.statusCode).toBe(400)
    const foreign = await app.inject({ method: 'POST', url: '/api/rounds', headers: w.auth.khac, payload: base })
    expect(foreign.statusCode).toBe(404)
    const council = await app.inject({ method: 'POST', url: '/api/rounds', headers: w.auth.hoidong, payload: base })
    expect(council.statusCode).toBe(403)
  })

  it('edits only while draft, opens with snapshots, closes, and refuses invalid transitions with 409', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    const r = await createRound(app, w)
    const edit = await app.inject({ method: 'PATCH', url: `/api/rounds/${r.id}`, headers: w.auth.xa, payload: { title: 'Đợt 1' } })
    expect(edit.json().title).toBe('Đợt 1')
    const open = await app.inject({ method: 'POST', url: `/api/rounds/${r.id}/open`, headers: w.auth.xa })
    expect(open.statusCode).toBe(200)
    expect(open.json()).toMatchObject({ status: 'open', openedAt: '2025-06-01T08:00:00.000Z', households: 10 })
    const editOpen = await app.inject({ method: 'PATCH', url: `/api/rounds/${r.id}`, headers: w.auth.xa, payload: { title: 'x' } })
    expect(editOpen.statusCode).toBe(409)
    expect(editOpen.json().error.code).toBe('invalid_transition')
    const reopenOpen = await app.inject({ method: 'POST', url: `/api/rounds/${r.id}/open`, headers: w.auth.xa })
    expect(reopenOpen.statusCode).toBe(409)
    const close = await app.inject({
      method: 'POST',
      url: `/api/rounds/${r.id}/close`,
      headers: w.auth.xa,
      payload: { reason: 'đủ phiếu' },
    })
    expect(close.json().status).toBe('closed')
    const again = await app.inject({ method: 'POST', url: `/api/rounds/${r.id}/close`, headers: w.auth.xa, payload: {} })
    expect(again.statusCode).toBe(409)
    expect(again.json().error.code).toBe('invalid_transition')
  })

  it('the questionnaire snapshot does not change when the template is edited after opening', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    const r = await createRound(app, w)
    await app.inject({ method: 'POST', url: `/api/rounds/${r.id}/open`, headers: w.auth.xa })
    db.$client.prepare(`UPDATE questionnaire_templates SET questions = '[]' WHERE id = ?`).run(w.template.id)
    const got = (await app.inject({ method: 'GET', url: `/api/rounds/${r.id}`, headers: w.auth.xa })).json()
    expect(got.questions).toHaveLength(3)
  })

  it('refuses to open a commune with no households', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    const empty = makeCommune(db, { province: w.province, name: 'Xã Trống', code: 'XTR', perVillage: 0 })
    const r = await createRound(app, w, { communeId: empty.commune.id }, w.auth.tinh)
    const res = await app.inject({ method: 'POST', url: `/api/rounds/${r.id}/open`, headers: w.auth.tinh })
    expect(res.statusCode).toBe(409)
    expect(res.json().error.code).toBe('no_households')
  })

  it('reopens only by province Front staff with a reason, and logs every transition with who and why', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    const r = await createRound(app, w)
    await app.inject({ method: 'POST', url: `/api/rounds/${r.id}/open`, headers: w.auth.xa })
    await app.inject({ method: 'POST', url: `/api/rounds/${r.id}/close`, headers: w.auth.xa, payload: {} })
    const byCommune = await app.inject({
      method: 'POST',
      url: `/api/rounds/${r.id}/reopen`,
      headers: w.auth.xa,
      payload: { reason: 'thiếu phiếu ấp 2' },
    })
    expect(byCommune.statusCode).toBe(403)
    const noReason = await app.inject({ method: 'POST', url: `/api/rounds/${r.id}/reopen`, headers: w.auth.tinh, payload: {} })
    expect(noReason.statusCode).toBe(400)
    const foreign = await app.inject({
      method: 'POST',
      url: `/api/rounds/${r.id}/reopen`,
      headers: w.auth.khac,
      payload: { reason: 'thiếu phiếu' },
    })
    expect(foreign.statusCode).toBe(404)
    const ok = await app.inject({
      method: 'POST',
      url: `/api/rounds/${r.id}/reopen`,
      headers: w.auth.tinh,
      payload: { reason: 'thiếu phiếu ấp 2' },
    })
    expect(ok.statusCode).toBe(200)
    expect(ok.json().status).toBe('open')
    const log = db.select().from(auditLog).where(eq(auditLog.targetId, r.id)).all()
    expect(log.map((l) => l.action)).toEqual(['round.create', 'round.open', 'round.close', 'round.reopen'])
    expect(log.at(-1)?.reason).toBe('thiếu phiếu ấp 2')
    const tinhId = db.$client.prepare(`SELECT id FROM users WHERE username='tinh'`).get() as { id: string }
    expect(log.at(-1)?.actorId).toBe(tinhId.id)
    const { createAuditService } = await import('@app/server/modules/audit/service.ts')
    expect((await createAuditService({ clock: { now: () => new Date() } }).verify(app.db)).ok).toBe(true)
  })

  it('closes open rounds automatically at closesAt', async () => {
    const { app, db, clock } = await buildTestApp()
    const w = await makeWorld(app, db)
    const r = await createRound(app, w)
    await app.inject({ method: 'POST', url: `/api/rounds/${r.id}/open`, headers: w.auth.xa })
    expect(await app.services.rounds.closeExpired()).toBe(0)
    clock.set('2025-06-15T00:00:00Z')
    expect(await app.services.rounds.closeExpired()).toBe(1)
    const got = (await app.inject({ method: 'GET', url: `/api/rounds/${r.id}`, headers: w.auth.xa })).json()
    expect(got.status).toBe('closed')
  })

  it('lists only rounds in scope; a commune officer of another commune gets 404', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    const r = await createRound(app, w)
    expect((await app.inject({ method: 'GET', url: '/api/rounds', headers: w.auth.xa })).json().items).toHaveLength(1)
    expect((await app.inject({ method: 'GET', url: '/api/rounds', headers: w.auth.tinh })).json().items).toHaveLength(1)
    expect((await app.inject({ method: 'GET', url: '/api/rounds', headers: w.auth.khac })).json().items).toHaveLength(0)
    expect((await app.inject({ method: 'GET', url: `/api/rounds/${r.id}`, headers: w.auth.khac })).statusCode).toBe(404)
    expect((await app.inject({ method: 'GET', url: `/api/rounds/${r.id}`, headers: w.auth.thuky })).statusCode).toBe(404)
  })
})

describe('targeted follow-up rounds', () => {
  it('covers only the named villages: frame, invitations and tally', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    const v2 = w.villages[1]?.id as string
    const bad = await app.inject({
      method: 'POST',
      url: '/api/rounds',
      headers: w.auth.xa,
      payload: {
        communeId: w.commune.id,
        level: 'xa_ntm',
        templateId: w.template.id,
        opensAt: '2025-06-01T00:00:00Z',
        closesAt: '2025-06-15T00:00:00Z',
        villageIds: [w.other.villages[0]?.id],
      },
    })
    expect(bad.statusCode).toBe(400)
    const earlier = await createRound(app, w)
    const foreign = await app.inject({
      method: 'POST',
      url: '/api/rounds',
      headers: w.auth.tinh,
      payload: {
        communeId: w.commune.id,
        level: 'xa_ntm',
        templateId: w.template.id,
        opensAt: '2025-06-01T00:00:00Z',
        closesAt: '2025-06-15T00:00:00Z',
        previousRoundId: 'nope',
      },
    })
    expect(foreign.statusCode).toBe(404)
    const r = await createRound(app, w, { purpose: 'follow_up', villageIds: [v2], previousRoundId: earlier.id })
    const open = await app.inject({ method: 'POST', url: `/api/rounds/${r.id}/open`, headers: w.auth.xa })
    expect(open.json()).toMatchObject({ purpose: 'follow_up', villageIds: [v2], households: 5, previousRoundId: earlier.id })
    const inv = await app.inject({
      method: 'POST',
      url: `/api/rounds/${r.id}/invitations`,
      headers: w.auth.xa,
      payload: { channel: 'print' },
    })
    expect(inv.json().created).toBe(5)
    expect(inv.json().links.every((l: { villageId: string }) => l.villageId === v2)).toBe(true)
    const t = (await app.inject({ method: 'GET', url: `/api/rounds/${r.id}/coverage`, headers: w.auth.xa })).json()
    expect(t.villages.map((v: { unitId: string }) => v.unitId)).toEqual([v2])
  })
})

describe('sending preview', () => {
  it('states what a sending would do per village, writes nothing, and is refused outside the commune', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    const r = await createRound(app, w)
    await app.inject({ method: 'POST', url: `/api/rounds/${r.id}/open`, headers: w.auth.xa })
    const v1 = w.villages[0]?.id as string
    const ask = (channel: string, headers = w.auth.xa, villageIds?: string[]) =>
      app.inject({
        method: 'POST',
        url: `/api/rounds/${r.id}/invitations/preview`,
        headers,
        payload: { channel, ...(villageIds ? { villageIds } : {}) },
      })
    const all = await ask('zalo')
    expect(all.statusCode).toBe(200)
    const p = all.json()
    expect(p.households + p.skippedNoPhone).toBe(w.villages.length * 5)
    expect(p.villages.reduce((n: number, v: { households: number }) => n + v.households, 0)).toBe(p.households)
    expect(p.villages[0]).toMatchObject({ villageId: v1, name: w.villages[0]?.name })
    const one = (await ask('sms', w.auth.xa, [v1])).json()
    expect(one.villages.map((v: { villageId: string }) => v.villageId)).toEqual([v1])
    // the cost in đồng at SMS_COST_VND (800 by default): one SMS each; for Zalo, at most one fallback SMS each
    expect(one.sms).toEqual({ enabled: true, priceVnd: 800, maxMessages: one.households, maxCostVnd: one.households * 800 })
    expect(p.sms.maxCostVnd).toBe(p.households * 800)
    expect((await ask('print')).json().sms.maxCostVnd).toBe(0)
    // asking twice changes nothing: the real sending still reaches the same households
    const sent = await app.inject({
      method: 'POST',
      url: `/api/rounds/${r.id}/invitations`,
      headers: w.auth.xa,
      payload: { channel: 'zalo' },
    })
    expect(sent.json().created).toBe(p.households)
    expect((await ask('zalo')).json().households).toBe(0)
    expect((await ask('zalo', w.auth.khac)).statusCode).toBe(404)
    expect((await ask('zalo', w.auth.hoidong)).statusCode).toBe(403)
  })
})
