import { canonicalJson } from '@app/server/lib/hash.ts'
import { describe, expect, it } from 'vitest'
import { buildTestApp } from '../helpers/build-test-app.js'
import { makeCommune } from '../helpers/factories.js'
import { allSatisfied, bulkBallots, closeRound, createRound, landNow, makeWorld, openRoundWithLinks } from '../helpers/rounds.js'

async function openRound(
  app: Awaited<ReturnType<typeof buildTestApp>>['app'],
  w: Awaited<ReturnType<typeof makeWorld>>,
  communeId: string,
  body: Record<string, unknown> = {},
) {
  const r = await createRound(app, w, { communeId, ...body }, w.auth.tinh)
  const open = await app.inject({ method: 'POST', url: `/api/rounds/${r.id}/open`, headers: w.auth.tinh })
  expect(open.statusCode).toBe(200)
  return r
}

describe('GET /api/rounds/:id/tally', () => {
  it('reproduces Tân Phước: 16,226 households, 11,683 ballots, 11,679 satisfied → 0.9997 and coverage 0.7200', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    const big = makeCommune(db, { province: w.province, name: 'Tân Phước', code: 'TPC', villages: 2, perVillage: 8113 })
    const r = await openRound(app, w, big.commune.id, { coverageBp: 7000, coverageScope: 'commune' })
    await bulkBallots(app, db, r.id, big.households, 11_683, 11_679)
    await closeRound(app, r.id, w.auth.tinh)
    const t = (await app.inject({ method: 'GET', url: `/api/rounds/${r.id}/tally`, headers: w.auth.tinh })).json()
    expect(t.commune).toMatchObject({
      households: 16_226,
      participated: 11_683,
      valid: 11_683,
      satisfied: 11_679,
      notSatisfied: 4,
      verdict: 'meets',
      robustness: 'clear',
    })
    expect(t.commune.rate.toFixed(4)).toBe('0.9997')
    expect(t.commune.coverage.toFixed(4)).toBe('0.7200')
    expect(t.commune.interval.low).toBeLessThanOrEqual(t.commune.rate)
    expect(t.commune.interval.high).toBeGreaterThanOrEqual(t.commune.rate)
    expect(t.questions.find((q: { key: string }) => q.key === 'q9')).toMatchObject({ valid: 11_683, satisfied: 11_679 })
    expect(t.byChannel).toEqual({ link: 5842, paper: 5841, meeting: 0, assisted: 0 })
    expect((await app.services.tally.recount(null, r.id)).matches).toBe(true)
  })

  it('reproduces Thăng Bình: 76 households, 72 ballots, 71 satisfied → 0.9861 and coverage 0.9474', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    const c = makeCommune(db, { province: w.province, name: 'Thăng Bình', code: 'TBI', villages: 1, perVillage: 76 })
    const r = await openRound(app, w, c.commune.id)
    await bulkBallots(app, db, r.id, c.households, 72, 71)
    await closeRound(app, r.id, w.auth.tinh)
    const t = (await app.inject({ method: 'GET', url: `/api/rounds/${r.id}/tally`, headers: w.auth.tinh })).json()
    expect(t.commune.rate.toFixed(4)).toBe('0.9861')
    expect(t.commune.coverage.toFixed(4)).toBe('0.9474')
    expect(t.villages[0]).toMatchObject({ households: 76, participated: 72, verdict: 'meets_coverage', robustness: null })
    expect(t.commune.verdict).toBe('meets')
  })

  it('compares in integers at the threshold: 90.00 % meets, just below does not', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    const c = makeCommune(db, { province: w.province, name: 'Biên', code: 'BIEN', villages: 1, perVillage: 1000 })
    const r1 = await openRound(app, w, c.commune.id)
    await bulkBallots(app, db, r1.id, c.households, 1000, 900)
    await closeRound(app, r1.id, w.auth.tinh)
    expect((await app.inject({ method: 'GET', url: `/api/rounds/${r1.id}/tally`, headers: w.auth.tinh })).json().commune.verdict).toBe(
      'meets',
    )
    // one open round per commune, purpose and scope: the first closes before the second opens
    await app.inject({ method: 'POST', url: `/api/rounds/${r1.id}/close`, headers: w.auth.tinh, payload: {} })
    const r2 = await openRound(app, w, c.commune.id)
    await bulkBallots(app, db, r2.id, c.households, 1000, 899)
    await closeRound(app, r2.id, w.auth.tinh)
    const t2 = (await app.inject({ method: 'GET', url: `/api/rounds/${r2.id}/tally`, headers: w.auth.tinh })).json()
    expect(t2.commune.verdict).toBe('below_threshold')
    expect(t2.commune.rate).toBeCloseTo(0.899, 10)
  })

  it('a village below the coverage floor blocks the verdict (village scope), not in commune scope', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    const c = makeCommune(db, { province: w.province, name: 'Phủ', code: 'PHU', villages: 2, perVillage: 10 })
    const v1 = c.households.filter((h) => h.villageId === c.villages[0]?.id)
    const v2 = c.households.filter((h) => h.villageId === c.villages[1]?.id)
    const households = [...v1, ...v2.slice(0, 6)] // village 1: 10/10, village 2: 6/10 (60 % < 70 %)
    const r = await openRound(app, w, c.commune.id)
    await bulkBallots(app, db, r.id, households, 16, 16)
    await closeRound(app, r.id, w.auth.tinh)
    const t = (await app.inject({ method: 'GET', url: `/api/rounds/${r.id}/tally`, headers: w.auth.tinh })).json()
    expect(t.villages.map((v: { verdict: string }) => v.verdict)).toEqual(['meets_coverage', 'insufficient_coverage'])
    expect(t.commune.verdict).toBe('insufficient_coverage')
    await app.inject({ method: 'POST', url: `/api/rounds/${r.id}/close`, headers: w.auth.tinh, payload: {} })
    const r2 = await openRound(app, w, c.commune.id, { coverageScope: 'commune' })
    await bulkBallots(app, db, r2.id, households, 16, 16)
    await closeRound(app, r2.id, w.auth.tinh)
    expect((await app.inject({ method: 'GET', url: `/api/rounds/${r2.id}/tally`, headers: w.auth.tinh })).json().commune.verdict).toBe(
      'meets',
    )
  })

  it('no ballots → no_data; council cannot read before sealing, collectors never', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    const { round } = await openRoundWithLinks(app, w)
    await closeRound(app, round.id, w.auth.xa)
    const t = (await app.inject({ method: 'GET', url: `/api/rounds/${round.id}/tally`, headers: w.auth.xa })).json()
    expect(t.commune).toMatchObject({ verdict: 'no_data', robustness: null, rate: null, interval: null })
    expect((await app.inject({ method: 'GET', url: `/api/rounds/${round.id}/tally`, headers: w.auth.hoidong })).statusCode).toBe(403)
    expect((await app.inject({ method: 'GET', url: `/api/rounds/${round.id}/tally`, headers: w.auth.khac })).statusCode).toBe(404)
  })
})

describe('seal', () => {
  it('freezes the tally; recomputing from the ballots gives the same bytes; nothing changes afterwards', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    const { round, tokens } = await openRoundWithLinks(app, w)
    for (const t of tokens.slice(0, 7))
      expect((await app.inject({ method: 'POST', url: `/api/ballots/${t}`, payload: { answers: allSatisfied } })).statusCode).toBe(201)
    const early = await app.inject({ method: 'POST', url: `/api/rounds/${round.id}/seal`, headers: w.auth.xa })
    expect(early.statusCode).toBe(409)
    await app.inject({ method: 'POST', url: `/api/rounds/${round.id}/close`, headers: w.auth.xa, payload: {} })
    const [a, b] = await Promise.all([
      app.inject({ method: 'POST', url: `/api/rounds/${round.id}/seal`, headers: w.auth.xa }),
      app.inject({ method: 'POST', url: `/api/rounds/${round.id}/seal`, headers: w.auth.tinh }),
    ])
    expect([a.statusCode, b.statusCode].sort()).toEqual([200, 409])
    const rec = await app.services.tally.sealedRecord(round.id)
    const r = await app.services.rounds.findById(round.id)
    expect(rec?.tallyJson).toBe(canonicalJson(await app.services.tally.fromBallots(r as NonNullable<typeof r>, 'sealed')))
    expect(rec?.ledgerRootHash).toMatch(/^[0-9a-f]{64}$/)
    expect(rec?.config).toMatchObject({ thresholdBp: 9000, coverageBp: 7000, coverageScope: 'village' })
    const t = (await app.inject({ method: 'GET', url: `/api/rounds/${round.id}/tally`, headers: w.auth.hoidong })).json()
    expect(t).toMatchObject({ status: 'sealed', commune: { participated: 7, satisfied: 7 } })
    // nothing about the round can change now
    expect((await app.inject({ method: 'POST', url: `/api/ballots/${tokens[8]}`, payload: { answers: allSatisfied } })).statusCode).toBe(
      410,
    )
    expect(
      (await app.inject({ method: 'POST', url: `/api/rounds/${round.id}/reopen`, headers: w.auth.tinh, payload: { reason: 'thử mở lại' } }))
        .statusCode,
    ).toBe(409)
    expect(
      (await app.inject({ method: 'PATCH', url: `/api/rounds/${round.id}`, headers: w.auth.xa, payload: { title: 'x' } })).statusCode,
    ).toBe(409)
    expect(
      (await app.inject({ method: 'POST', url: `/api/rounds/${round.id}/invitations`, headers: w.auth.xa, payload: { channel: 'print' } }))
        .statusCode,
    ).toBe(409)
    // unseal: admin only, with a reason
    expect(
      (await app.inject({ method: 'POST', url: `/api/rounds/${round.id}/unseal`, headers: w.auth.tinh, payload: { reason: 'sai sót' } }))
        .statusCode,
    ).toBe(403)
    const un = await app.inject({
      method: 'POST',
      url: `/api/rounds/${round.id}/unseal`,
      headers: w.auth.admin,
      payload: { reason: 'nhập sai phiếu ấp 1' },
    })
    expect(un.statusCode).toBe(200)
    expect(un.json().status).toBe('closed')
    expect(await app.services.tally.sealedRecord(round.id)).toBeUndefined()
  })

  it('recount detects counters that drifted from the ballots and repairs them', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    const { round, tokens } = await openRoundWithLinks(app, w)
    for (const t of tokens.slice(0, 3)) await app.inject({ method: 'POST', url: `/api/ballots/${t}`, payload: { answers: allSatisfied } })
    await landNow(app, round.id)
    const ok = await app.inject({ method: 'POST', url: `/api/rounds/${round.id}/recount`, headers: w.auth.xa, payload: {} })
    expect(ok.json()).toMatchObject({ matches: true, repaired: false })
    db.$client
      .prepare(
        `UPDATE tally_counters SET satisfied = satisfied - 1 WHERE question_key = 'q9' AND satisfied > 0 AND village_id = (SELECT min(village_id) FROM tally_counters WHERE question_key = 'q9' AND satisfied > 0)`,
      )
      .run()
    const bad = await app.inject({ method: 'POST', url: `/api/rounds/${round.id}/recount`, headers: w.auth.xa, payload: { repair: true } })
    expect(bad.json()).toMatchObject({ matches: false, repaired: true })
    expect(
      (await app.inject({ method: 'POST', url: `/api/rounds/${round.id}/recount`, headers: w.auth.xa, payload: {} })).json().matches,
    ).toBe(true)
  })
})
