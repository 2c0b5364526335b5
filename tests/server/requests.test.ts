import { auditLog, householdRequests, households } from '@app/db'
import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { buildTestApp } from '../helpers/build-test-app.js'
import { allSatisfied, createRound, makeWorld, openRoundWithLinks } from '../helpers/rounds.js'

async function setup(env: Record<string, string> = {}) {
  const t = await buildTestApp({ env })
  const w = await makeWorld(t.app, t.db, { perVillage: 5 })
  return { ...t, w }
}
const url = (communeId: string) => `/api/public/communes/${communeId}/requests`

describe('public "hộ tôi chưa được hỏi ý kiến" API', () => {
  it('GET lists the commune, its open rounds and villages, without any count; unknown commune 404', async () => {
    const { app, w } = await setup()
    const empty = await app.inject({ method: 'GET', url: url(w.commune.id) })
    expect(empty.json()).toEqual({ commune: { id: w.commune.id, name: 'Xã Thử' }, rounds: [], villages: [] })
    const { round } = await openRoundWithLinks(app, w)
    const res = await app.inject({ method: 'GET', url: url(w.commune.id) })
    expect(res.statusCode).toBe(200)
    expect(res.json().rounds).toEqual([{ id: round.id, title: expect.any(String), closesAt: '2025-06-15T00:00:00.000Z' }])
    expect(res.json().villages.map((v: { name: string }) => v.name)).toEqual(['Ấp 1', 'Ấp 2'])
    expect(res.body).not.toMatch(/households|participated|valid/)
    expect((await app.inject({ method: 'GET', url: url(w.villages[0]?.id as string) })).statusCode).toBe(404)
    expect((await app.inject({ method: 'GET', url: url('nope') })).statusCode).toBe(404)
  })

  it('POST answers the same 201 whether or not the household already answered, and stores the request', async () => {
    const { app, db, w } = await setup()
    const { round, tokens, links } = await openRoundWithLinks(app, w)
    const answered = db
      .select()
      .from(households)
      .where(eq(households.id, links[0]?.householdId as string))
      .get()
    const sub = await app.inject({ method: 'POST', url: `/api/ballots/${tokens[0]}`, payload: { answers: allSatisfied } })
    expect(sub.statusCode).toBe(201)
    const a = await app.inject({
      method: 'POST',
      url: url(w.commune.id),
      payload: { villageId: answered?.villageId, headName: answered?.headName, phone: '0901 000 000' },
    })
    const b = await app.inject({ method: 'POST', url: url(w.commune.id), payload: { headName: 'Trần Thị Chưa Hỏi', note: 'gần chợ' } })
    expect(a.statusCode).toBe(201)
    expect(b.statusCode).toBe(201)
    expect(a.body).toBe(b.body)
    expect(a.json()).toEqual({ status: 'received', message: expect.stringContaining('đã nhận yêu cầu') })
    const rows = db.select().from(householdRequests).all()
    // stored without order (random keys, no rowid): compare as a set
    expect(rows.map((r) => [r.roundId, r.headName, r.phone, r.status]).sort((x, y) => String(x[1]).localeCompare(String(y[1])))).toEqual(
      [
        [round.id, answered?.headName, '84901000000', 'new'],
        [round.id, 'Trần Thị Chưa Hỏi', null, 'new'],
      ].sort((x, y) => String(x[1]).localeCompare(String(y[1]))),
    )
    // the same request again is acknowledged identically but stored once
    const again = await app.inject({ method: 'POST', url: url(w.commune.id), payload: { headName: 'Trần Thị Chưa Hỏi', note: 'gần chợ' } })
    expect(again.body).toBe(b.body)
    expect(db.select().from(householdRequests).all()).toHaveLength(2)
  })

  it('validates with Vietnamese messages: name required, phone format, village of the commune', async () => {
    const { app, w } = await setup()
    await openRoundWithLinks(app, w)
    const noName = await app.inject({ method: 'POST', url: url(w.commune.id), payload: { headName: ' ' } })
    expect(noName.statusCode).toBe(400)
    expect(noName.json().error.code).toBe('validation_failed')
    expect(JSON.stringify(noName.json().error.details)).toContain('họ tên chủ hộ')
    const badPhone = await app.inject({ method: 'POST', url: url(w.commune.id), payload: { headName: 'Lê Văn A', phone: '12345' } })
    expect(JSON.stringify(badPhone.json().error.details)).toContain('Số điện thoại không hợp lệ')
    const foreign = await app.inject({
      method: 'POST',
      url: url(w.commune.id),
      payload: { headName: 'Lê Văn A', villageId: w.other.villages[0]?.id },
    })
    expect(foreign.statusCode).toBe(400)
    expect(foreign.json().error.message).toBe('Thôn/ấp không thuộc xã này.')
  })

  it('answers 410 round_closed when no round of the commune is open (draft, closed, or window not started)', async () => {
    const { app, w } = await setup()
    const r = await createRound(app, w)
    const draft = await app.inject({ method: 'POST', url: url(w.commune.id), payload: { headName: 'Lê Văn A' } })
    expect(draft.statusCode).toBe(410)
    expect(draft.json().error.code).toBe('round_closed')
    await app.inject({ method: 'POST', url: `/api/rounds/${r.id}/open`, headers: w.auth.xa })
    expect((await app.inject({ method: 'POST', url: url(w.commune.id), payload: { headName: 'Lê Văn A' } })).statusCode).toBe(201)
    await app.inject({ method: 'POST', url: `/api/rounds/${r.id}/close`, headers: w.auth.xa, payload: {} })
    expect((await app.inject({ method: 'POST', url: url(w.commune.id), payload: { headName: 'Lê Văn A' } })).statusCode).toBe(410)
  })

  it('rate-limits POST per IP (REQUEST_RATE_LIMIT_PER_HOUR) with 429 rate_limited', async () => {
    const { app, w } = await setup({ REQUEST_RATE_LIMIT_PER_HOUR: '2' })
    await openRoundWithLinks(app, w)
    const post = (ip: string) =>
      app.inject({ method: 'POST', url: url(w.commune.id), payload: { headName: 'Lê Văn A' }, remoteAddress: ip })
    expect((await post('10.0.0.1')).statusCode).toBe(201)
    expect((await post('10.0.0.1')).statusCode).toBe(201)
    const third = await post('10.0.0.1')
    expect(third.statusCode).toBe(429)
    expect(third.json().error.code).toBe('rate_limited')
    expect((await post('10.0.0.2')).statusCode).toBe(201)
  })
})

describe('GET /hoi/:communeId (plain HTML form, no JavaScript)', () => {
  it('renders a Vietnamese form with the villages, escaped, under the strict CSP, and accepts a urlencoded POST', async () => {
    const { app, db, w } = await setup()
    db.update(households).set({ headName: 'x' }).run()
    const { units } = await import('@app/db')
    db.update(units)
      .set({ name: 'Ấp <b>"Mới"</b>' })
      .where(eq(units.id, w.villages[0]?.id as string))
      .run()
    await openRoundWithLinks(app, w)
    const page = await app.inject({ method: 'GET', url: `/hoi/${w.commune.id}` })
    expect(page.statusCode).toBe(200)
    expect(page.headers['content-type']).toMatch(/text\/html/)
    expect(page.headers['content-security-policy']).toContain("script-src 'self'")
    expect(page.body).toContain('Hộ tôi chưa được hỏi ý kiến')
    expect(page.body).toContain('Ấp &lt;b&gt;&quot;Mới&quot;&lt;/b&gt;')
    expect(page.body).not.toContain('<b>"Mới"</b>')
    expect(page.body).not.toMatch(/<script/i)
    expect(page.body).toMatch(/<label for="headName">/)

    const ok = await app.inject({
      method: 'POST',
      url: `/hoi/${w.commune.id}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ villageId: w.villages[1]?.id as string, headName: 'Phạm Văn <Form>', phone: '', note: '' }).toString(),
    })
    expect(ok.statusCode).toBe(201)
    expect(ok.body).toContain('Đã nhận yêu cầu')
    expect(
      db
        .select()
        .from(householdRequests)
        .all()
        .map((r) => [r.headName, r.villageId, r.phone]),
    ).toEqual([['Phạm Văn <Form>', w.villages[1]?.id, null]])

    const bad = await app.inject({
      method: 'POST',
      url: `/hoi/${w.commune.id}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'headName=&phone=%3Cscript%3E&note=',
    })
    expect(bad.statusCode).toBe(400)
    expect(bad.body).toContain('Vui lòng nhập họ tên chủ hộ.')
    expect(bad.body).toContain('aria-invalid="true"')
    expect(bad.body).toContain('value="&lt;script&gt;"')
    expect(bad.body).not.toContain('<script>')
  })

  it('says so when no round is open (410) and for an unknown commune (404)', async () => {
    const { app, w } = await setup()
    const closed = await app.inject({ method: 'GET', url: `/hoi/${w.commune.id}` })
    expect(closed.body).toContain('Không có đợt lấy ý kiến đang mở')
    const post = await app.inject({
      method: 'POST',
      url: `/hoi/${w.commune.id}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'headName=L%C3%AA',
    })
    expect(post.statusCode).toBe(410)
    expect((await app.inject({ method: 'GET', url: '/hoi/nope' })).statusCode).toBe(404)
  })
})

describe('staff side: GET /api/rounds/:id/requests and resolve', () => {
  async function withRequests() {
    const t = await setup()
    const { round, tokens, links } = await openRoundWithLinks(t.app, t.w)
    const target = t.w.households[6] as (typeof t.w.households)[number]
    await t.app.inject({
      method: 'POST',
      url: url(t.w.commune.id),
      payload: { headName: ` ${target.headName.toUpperCase()} `, villageId: target.villageId },
    })
    await t.app.inject({ method: 'POST', url: url(t.w.commune.id), payload: { headName: 'Người Lạ', phone: '0912345678' } })
    const list = await t.app.inject({ method: 'GET', url: `/api/rounds/${round.id}/requests`, headers: t.w.auth.xa })
    // same instant: order the two by who asked, the matched household first
    const items = (list.json().items as any[]).sort((a, b) => (a.headName === 'Người Lạ' ? 1 : 0) - (b.headName === 'Người Lạ' ? 1 : 0))
    return { ...t, round, tokens, links, target, items, status: list.statusCode }
  }

  it('lists requests with names and phones and the matching households to Front staff in scope only', async () => {
    const { app, w, round, items, status, target } = await withRequests()
    expect(status).toBe(200)
    expect(items).toHaveLength(2)
    expect(items[0]).toMatchObject({
      status: 'new',
      villageName: 'Ấp 2',
      candidates: [{ householdId: target.id, invited: true, participated: false }],
    })
    expect(items[1]).toMatchObject({ headName: 'Người Lạ', phone: '84912345678', candidates: [] })
    for (const who of ['khac', 'thuky', 'hoidong'] as const) {
      const res = await app.inject({ method: 'GET', url: `/api/rounds/${round.id}/requests`, headers: w.auth[who] })
      expect([403, 404]).toContain(res.statusCode)
    }
    expect((await app.inject({ method: 'GET', url: `/api/rounds/${round.id}/requests`, headers: w.auth.tinh })).statusCode).toBe(200)
    expect((await app.inject({ method: 'GET', url: `/api/rounds/${round.id}/requests` })).statusCode).toBe(401)
  })

  it('issue_link reissues the matched household a working link; visit and reject (with a reason) are recorded; summary counts them', async () => {
    const { app, db, w, round, items, target } = await withRequests()
    const resolve = (id: string, payload: Record<string, unknown>) =>
      app.inject({ method: 'POST', url: `/api/rounds/${round.id}/requests/${id}/resolve`, headers: w.auth.xa, payload })
    const issued = await resolve(items[0].id, { action: 'issue_link' })
    expect(issued.statusCode, issued.body).toBe(200)
    expect(issued.json()).toMatchObject({ status: 'link_issued', link: { householdId: target.id, url: expect.stringContaining('/r/') } })
    const token = issued.json().link.url.split('/r/')[1]
    expect((await app.inject({ method: 'GET', url: `/api/ballots/${token}` })).statusCode).toBe(200)
    expect((await resolve(items[0].id, { action: 'visit' })).statusCode).toBe(409)

    const noReason = await resolve(items[1].id, { action: 'reject' })
    expect(noReason.statusCode).toBe(400)
    expect((await resolve(items[1].id, { action: 'visit' })).json()).toEqual({ id: items[1].id, status: 'visit_planned' })
    const rejected = await resolve(items[1].id, { action: 'reject', reason: 'Không thuộc địa bàn xã' })
    expect(rejected.json().status).toBe('rejected')
    expect(await app.services.requests.requestSummary(round.id)).toEqual({
      total: 2,
      new: 0,
      link_issued: 1,
      visit_planned: 0,
      rejected: 1,
    })
    const audit = db.select().from(auditLog).where(eq(auditLog.action, 'request.resolve')).all()
    expect(audit).toHaveLength(3)
    expect(audit.map((a) => a.data).join()).not.toContain('Người Lạ')
    expect(
      (
        await app.inject({
          method: 'POST',
          url: `/api/rounds/${round.id}/requests/${items[1].id}/resolve`,
          headers: w.auth.khac,
          payload: { action: 'visit' },
        })
      ).statusCode,
    ).toBe(404)
  })

  it('issue_link without a household to pick answers 400; for a household that already answered 409 already_answered', async () => {
    const { app, w, round, items, tokens, links } = await withRequests()
    const resolve = (id: string, payload: Record<string, unknown>) =>
      app.inject({ method: 'POST', url: `/api/rounds/${round.id}/requests/${id}/resolve`, headers: w.auth.xa, payload })
    expect((await resolve(items[1].id, { action: 'issue_link' })).statusCode).toBe(400)
    await app.inject({ method: 'POST', url: `/api/ballots/${tokens[0]}`, payload: { answers: allSatisfied } })
    const dup = await resolve(items[1].id, { action: 'issue_link', householdId: links[0]?.householdId })
    expect(dup.statusCode).toBe(409)
    expect(dup.json().error.code).toBe('already_answered')
  })
})
