/**
 * Results are disclosed once (TRUST.md §2.2): while a round is open nobody is served a figure, reason or comment
 * of it (coverage stays live); the first time a result of a closed round is served is recorded as the disclosure;
 * a round closed by mistake can be reopened before that, never after (more answers go to a follow-up round).
 */
import { auditLog } from '@app/db'
import { and, eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { buildTestApp } from '../helpers/build-test-app.js'
import { allSatisfied, closeRound, landNow, makeWorld, openRoundWithLinks, overallNo } from '../helpers/rounds.js'

async function setup() {
  const t = await buildTestApp()
  const w = await makeWorld(t.app, t.db, { perVillage: 6 })
  const { round, tokens } = await openRoundWithLinks(t.app, w)
  for (const [i, tk] of tokens.slice(0, 6).entries()) {
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/ballots/${tk}`,
      payload: { answers: i % 2 ? overallNo : allSatisfied, comment: `Góp ý số ${i}` },
    })
    expect(res.statusCode, res.body).toBe(201)
  }
  // landed as a batch would while open: the answers are in the counters, ballots and feedback
  await landNow(t.app, round.id)
  const get = (url: string, who: keyof typeof w.auth = 'xa') => t.app.inject({ method: 'GET', url, headers: w.auth[who] })
  const disclosures = () =>
    t.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.targetId, round.id), eq(auditLog.action, 'round.disclose')))
      .all()
  return { ...t, w, round, get, disclosures }
}

describe('results of an open round', () => {
  it('are served to nobody (409 results_not_disclosed in Vietnamese); coverage stays live; verify says ok only', async () => {
    const { w, round, get, disclosures } = await setup()
    const u = `/api/rounds/${round.id}`
    for (const who of ['xa', 'tinh', 'admin'] as const)
      for (const path of ['/tally', '/feedback', '/feedback/summary', '/follow-up-candidates']) {
        const res = await get(u + path, who)
        expect(res.statusCode, `${who} ${path}`).toBe(409)
        expect(res.json().error.code).toBe('results_not_disclosed')
        expect(res.json().error.message).toMatch(/Kết quả chỉ hiển thị khi đợt lấy ý kiến đã kết thúc thu phiếu/)
      }
    const cov = await get(`${u}/coverage`)
    expect(cov.statusCode).toBe(200)
    expect(cov.json()).toMatchObject({
      status: 'open',
      commune: { households: 12, participated: 6, coverage: 0.5 },
      byChannel: { link: 6, paper: 0, meeting: 0, assisted: 0 },
      resultsAvailable: false,
      disclosedAt: null,
    })
    expect(JSON.stringify(cov.json())).not.toMatch(/satisf|rate|interval|Góp ý/)
    expect((await get(`${u}/coverage`, 'hoidong')).statusCode).toBe(200)
    // a collector not assigned to the round does not see it at all
    expect((await get(`${u}/coverage`, 'thuky')).statusCode).toBe(404)
    expect((await get(`${u}/coverage`, 'khac')).statusCode).toBe(404)
    // the province watches paradata signals live; those built on answers wait for disclosure
    const integrity = (await get(`${u}/integrity`, 'tinh')).json()
    expect(integrity.withheld.sort()).toEqual([
      'collector_vs_link',
      'invalidations_dissatisfied',
      'perfect_village_one_day',
      'straight_lining',
    ])
    expect(integrity.signals.map((s: { key: string }) => s.key)).not.toContain('straight_lining')
    expect((await get(`${u}/ledger/verify`)).json()).toEqual({ ok: true })
    const overview = (await get(`/api/units/${w.province.id}/overview`, 'tinh')).json()
    expect(overview.items.find((i: { communeId: string }) => i.communeId === w.commune.id).round).toMatchObject({
      participated: 6,
      valid: null,
      rate: null,
      verdict: null,
    })
    expect(disclosures()).toEqual([])
  })
})

describe('disclosure', () => {
  it('a closed round is reopened (province, with a reason) before disclosure; the first read of a result is recorded once; no reopen after', async () => {
    const { app, w, round, get, disclosures } = await setup()
    const u = `/api/rounds/${round.id}`
    await closeRound(app, round.id, w.auth.xa)
    // closed, unread: lists and the integrity panel do not disclose it
    expect((await get(`${u}/coverage`)).json()).toMatchObject({ status: 'closed', resultsAvailable: true, disclosedAt: null })
    expect((await get(`${u}/integrity`, 'tinh')).json().withheld).toHaveLength(4)
    expect((await get(`/api/units/${w.commune.id}/trend`)).json().rounds[0]).toMatchObject({ status: 'closed', rate: null })
    expect(disclosures()).toEqual([])
    const reopen = (payload: object, who: 'tinh' | 'xa' = 'tinh') =>
      app.inject({ method: 'POST', url: `${u}/reopen`, headers: w.auth[who], payload })
    expect((await reopen({})).statusCode).toBe(400)
    expect((await reopen({ reason: 'Đóng nhầm, còn hộ chưa hỏi' }, 'xa')).statusCode).toBe(403)
    const reopened = await reopen({ reason: 'Đóng nhầm, còn hộ chưa hỏi' })
    expect(reopened.statusCode, reopened.body).toBe(200)
    expect(reopened.json()).toMatchObject({ status: 'open', disclosedAt: null })
    await closeRound(app, round.id, w.auth.xa)

    // the first result served is the disclosure: recorded once, whoever reads next
    const tally = await get(`${u}/tally`)
    expect(tally.statusCode).toBe(200)
    expect(tally.json().commune).toMatchObject({ valid: 6, satisfied: 3 })
    expect((await get(`${u}/feedback`)).statusCode).toBe(200)
    expect((await get(`${u}/tally`, 'tinh')).statusCode).toBe(200)
    const recorded = disclosures()
    expect(recorded).toHaveLength(1)
    expect(JSON.parse(recorded[0]?.data ?? '{}')).toEqual({ via: 'tally' })
    const disclosedAt = (await get(u)).json().disclosedAt
    expect(disclosedAt).toEqual(expect.any(String))
    expect((await get(`${u}/coverage`)).json().disclosedAt).toBe(disclosedAt)
    expect((await get(`${u}/integrity`, 'tinh')).json().withheld).toEqual([])
    expect((await get(`/api/units/${w.commune.id}/trend`)).json().rounds[0]).toMatchObject({ status: 'closed', rate: 0.5 })

    const refused = await reopen({ reason: 'Muốn nhận thêm phiếu', closesAt: '2025-06-14T00:00:00Z' })
    expect(refused.statusCode).toBe(409)
    expect(refused.json().error).toMatchObject({ code: 'results_disclosed', details: { disclosedAt } })
    expect(refused.json().error.message).toContain('đợt lấy ý kiến bổ sung')
    expect((await app.services.rounds.findById(round.id))?.status).toBe('closed')
  })

  it('sealing publishes: a sealed round is disclosed, and after an unseal it still cannot be reopened', async () => {
    const { app, w, round, get, disclosures } = await setup()
    const u = `/api/rounds/${round.id}`
    await closeRound(app, round.id, w.auth.xa)
    expect((await app.inject({ method: 'POST', url: `${u}/seal`, headers: w.auth.xa })).json()).toMatchObject({
      status: 'sealed',
      disclosedAt: expect.any(String),
    })
    expect(disclosures().map((d) => JSON.parse(d.data ?? '{}'))).toEqual([{ via: 'seal' }])
    // documents and the public page of a disclosed round add no second disclosure
    expect((await get(`${u}/export.csv`)).statusCode).toBe(200)
    expect((await app.inject({ method: 'GET', url: `/api/public/rounds/${round.id}` })).statusCode).toBe(200)
    expect(disclosures()).toHaveLength(1)
    const un = await app.inject({ method: 'POST', url: `${u}/unseal`, headers: w.auth.admin, payload: { reason: 'Sai sót cần sửa' } })
    expect(un.json().status).toBe('closed')
    const again = await app.inject({
      method: 'POST',
      url: `${u}/reopen`,
      headers: w.auth.tinh,
      payload: { reason: 'Mở lại sau khi gỡ niêm phong' },
    })
    expect(again.statusCode).toBe(409)
    expect(again.json().error.code).toBe('results_disclosed')
  })

  it('a round reopened between a read and its disclosure is not served: the disclosure re-checks the status', async () => {
    const { app, w, round } = await setup()
    await closeRound(app, round.id, w.auth.xa)
    const stale = await app.services.rounds.findById(round.id)
    if (!stale) throw new Error('no round')
    const reopened = await app.inject({
      method: 'POST',
      url: `/api/rounds/${round.id}/reopen`,
      headers: w.auth.tinh,
      payload: { reason: 'Đóng nhầm, còn hộ chưa hỏi' },
    })
    expect(reopened.statusCode).toBe(200)
    await expect(app.services.rounds.disclose(null, stale, 'tally')).rejects.toThrow(/Kết quả chỉ hiển thị/)
    expect((await app.services.rounds.findById(round.id))?.disclosedAt).toBeNull()
  })
})
