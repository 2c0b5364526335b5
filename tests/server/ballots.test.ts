import { ballots, invitations, participations } from '@app/db'
import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { buildTestApp } from '../helpers/build-test-app.js'
import { allSatisfied, createRound, landNow, makeWorld, openRoundWithLinks, overallNo } from '../helpers/rounds.js'

describe('GET/POST /api/ballots/:token', () => {
  it('serves the questionnaire, counts one ballot, returns a receipt that checks out', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    const { round, tokens, links } = await openRoundWithLinks(app, w)
    expect(links).toHaveLength(10)
    expect(links[0]?.url).toMatch(/^http:\/\/127\.0\.0\.1:3000\/r\/[0-9A-HJKMNP-TV-Z]{26}$/)
    const form = await app.inject({ method: 'GET', url: `/api/ballots/${tokens[0]}` })
    expect(form.statusCode).toBe(200)
    expect(form.json()).toMatchObject({
      round: { id: round.id, commune: 'Xã Thử' },
      questions: [{ key: 'q1' }, { key: 'q2' }, { key: 'q9', isOverall: true }],
    })
    const res = await app.inject({
      method: 'POST',
      url: `/api/ballots/${tokens[0]}`,
      payload: { answers: overallNo, comment: 'Cần thêm đèn đường', clientId: 'client-0001' },
    })
    expect(res.statusCode).toBe(201)
    const { receipt } = res.json()
    expect(receipt).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/)
    const check = await app.inject({ method: 'GET', url: `/api/receipts/${receipt.toLowerCase()}` })
    // accepted and sealed in the pending store: "đã nhận", not yet in the ballots
    expect(check.json()).toEqual({ included: true, status: 'pending', roundId: round.id, day: '2025-06-01' })
    expect(db.select().from(ballots).all()).toHaveLength(0)
    expect((await app.inject({ method: 'GET', url: '/api/receipts/0000-0000-0000' })).statusCode).toBe(404)
    expect(await landNow(app, round.id)).toBe(1)
    // landed with the receipt fixed at acceptance: "đã kiểm"
    const counted = await app.inject({ method: 'GET', url: `/api/receipts/${receipt}` })
    expect(counted.json()).toEqual({ included: true, status: 'counted', roundId: round.id, day: '2025-06-01' })
    const stored = db.select().from(ballots).all()
    expect(stored).toHaveLength(1)
    expect(stored[0]).toMatchObject({ channel: 'link', overallSatisfied: false, comment: 'Cần thêm đèn đường', valid: true })
    expect(stored[0]?.answers.q9).toEqual({ satisfied: false, reason: 'Đường sá còn lầy lội' })
    // anonymity: the ballot table has no household column at all
    const cols = (db.$client.prepare('PRAGMA table_info(ballots)').all() as { name: string }[]).map((c) => c.name)
    expect(cols.some((c) => c.includes('household'))).toBe(false)
  })

  it('replaying the same clientId returns the same receipt with 200; any other second ballot is 409', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    const { round, tokens } = await openRoundWithLinks(app, w)
    const body = { answers: allSatisfied, clientId: 'abcdefgh-1234' }
    const first = await app.inject({ method: 'POST', url: `/api/ballots/${tokens[1]}`, payload: body })
    const replay = await app.inject({ method: 'POST', url: `/api/ballots/${tokens[1]}`, payload: body })
    expect(first.statusCode).toBe(201)
    expect(replay.statusCode).toBe(200)
    expect(replay.json().receipt).toBe(first.json().receipt)
    const other = await app.inject({
      method: 'POST',
      url: `/api/ballots/${tokens[1]}`,
      payload: { answers: allSatisfied, clientId: 'zzzzzzzz-9999' },
    })
    expect(other.statusCode).toBe(409)
    expect(other.json().error.code).toBe('already_answered')
    const changed = await app.inject({ method: 'POST', url: `/api/ballots/${tokens[1]}`, payload: { ...body, answers: overallNo } })
    expect(changed.statusCode).toBe(409)
    expect((await app.inject({ method: 'GET', url: `/api/ballots/${tokens[1]}` })).statusCode).toBe(409)
    await landNow(app, round.id)
    expect(db.select().from(ballots).all()).toHaveLength(1)
    // and after landing the replay still answers the same receipt
    const late = await app.inject({ method: 'POST', url: `/api/ballots/${tokens[1]}`, payload: body })
    expect(late.statusCode).toBe(200)
    expect(late.json().receipt).toBe(first.json().receipt)
  })

  it("an answer uses its link and leaves no open time on any of the household's links; other households keep theirs", async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    const { round, tokens, links } = await openRoundWithLinks(app, w)
    const open = async (t: string | undefined) =>
      expect((await app.inject({ method: 'GET', url: `/api/ballots/${t}` })).statusCode).toBe(200)
    // household 0: its first link opened, then reissued (the old one revoked), the new one opened and answered
    await open(tokens[0])
    const hh0 = links[0]?.householdId as string
    const re = await app.inject({
      method: 'POST',
      url: `/api/rounds/${round.id}/invitations/${hh0}/reissue`,
      headers: w.auth.xa,
      payload: { channel: 'print' },
    })
    expect(re.statusCode).toBe(201)
    const fresh = (re.json().url as string).split('/r/')[1]
    await open(fresh)
    // household 1 opens and does not answer; household 2 opens, then answers on paper
    await open(tokens[1])
    await open(tokens[2])
    const answer = await app.inject({ method: 'POST', url: `/api/ballots/${fresh}`, payload: { answers: allSatisfied } })
    expect(answer.statusCode).toBe(201)
    const paper = await app.inject({
      method: 'POST',
      url: `/api/rounds/${round.id}/paper-ballots`,
      headers: w.auth.xa,
      payload: { householdId: links[2]?.householdId, channel: 'paper', answers: allSatisfied },
    })
    expect(paper.statusCode).toBe(201)
    const rows = (h: string | undefined) =>
      db
        .select({ status: invitations.status, revoked: invitations.revoked, firstOpenedAt: invitations.firstOpenedAt })
        .from(invitations)
        .where(eq(invitations.householdId, h as string))
        .all()
        .sort((a, b) => Number(a.revoked) - Number(b.revoked))
    expect(rows(hh0)).toEqual([
      { status: 'used', revoked: false, firstOpenedAt: null },
      { status: 'revoked', revoked: true, firstOpenedAt: null },
    ])
    expect(rows(links[1]?.householdId)).toEqual([{ status: 'issued', revoked: false, firstOpenedAt: expect.any(String) }])
    // paper does not use the link, but the household's open time goes all the same
    expect(rows(links[2]?.householdId)).toEqual([{ status: 'issued', revoked: false, firstOpenedAt: null }])
  })

  it('requires every question, a reason when not satisfied, caps lengths and rejects unknown keys', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    const { tokens } = await openRoundWithLinks(app, w)
    const url = `/api/ballots/${tokens[2]}`
    const cases: [unknown, string][] = [
      [{ answers: { q1: { satisfied: true }, q9: { satisfied: true } } }, 'answers.q2'],
      [{ answers: { ...allSatisfied, q2: { satisfied: false } } }, 'answers.q2.reason'],
      [{ answers: { ...allSatisfied, q2: { satisfied: false, reason: '   ' } } }, 'answers.q2.reason'],
      [{ answers: { ...allSatisfied, q7: { satisfied: true } } }, 'answers.q7'],
    ]
    for (const [payload, path] of cases) {
      const res = await app.inject({ method: 'POST', url, payload: payload as object })
      expect(res.statusCode).toBe(400)
      expect(res.json().error.code).toBe('validation_failed')
      expect(res.json().error.details.issues.map((i: { path: string }) => i.path)).toContain(path)
    }
    const long = await app.inject({
      method: 'POST',
      url,
      payload: { answers: { ...allSatisfied, q1: { satisfied: false, reason: 'x'.repeat(501) } } },
    })
    expect(long.statusCode).toBe(400)
    const longComment = await app.inject({ method: 'POST', url, payload: { answers: allSatisfied, comment: 'x'.repeat(2001) } })
    expect(longComment.statusCode).toBe(400)
    const notBool = await app.inject({ method: 'POST', url, payload: { answers: { ...allSatisfied, q1: { satisfied: 'yes' } } } })
    expect(notBool.statusCode).toBe(400)
    const proto = await app.inject({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json' },
      payload: '{"answers":{"__proto__":{"satisfied":true}}}',
    })
    expect(proto.statusCode).toBe(400)
    expect(db.select().from(ballots).all()).toHaveLength(0)
    expect(db.select().from(participations).all()).toHaveLength(0)
    // a valid ballot still goes through afterwards
    expect((await app.inject({ method: 'POST', url, payload: { answers: allSatisfied } })).statusCode).toBe(201)
  })

  it('answers every link state: unknown/revoked 404, draft 410 round_not_open, closed 410 round_closed', async () => {
    const { app, db, clock } = await buildTestApp()
    const w = await makeWorld(app, db)
    const { round, tokens, links } = await openRoundWithLinks(app, w)
    for (const t of ['nope', 'A'.repeat(22), `${tokens[0]}x`]) {
      const res = await app.inject({ method: 'GET', url: `/api/ballots/${t}` })
      expect(res.statusCode).toBe(404)
      expect(res.json().error.code).toBe('link_not_found')
    }
    const revoke = await app.inject({
      method: 'POST',
      url: `/api/rounds/${round.id}/invitations/${links[3]?.householdId}/revoke`,
      headers: w.auth.xa,
    })
    expect(revoke.statusCode).toBe(200)
    expect((await app.inject({ method: 'GET', url: `/api/ballots/${tokens[3]}` })).json().error.code).toBe('link_not_found')
    expect((await app.inject({ method: 'POST', url: `/api/ballots/${tokens[3]}`, payload: { answers: allSatisfied } })).statusCode).toBe(
      404,
    )
    const reissue = await app.inject({
      method: 'POST',
      url: `/api/rounds/${round.id}/invitations/${links[3]?.householdId}/reissue`,
      headers: w.auth.xa,
      payload: { channel: 'print' },
    })
    expect(reissue.statusCode).toBe(201)
    const fresh = reissue.json().url.split('/r/')[1]
    // shown once, with its QR code to print on the spot
    expect(reissue.json().qrSvg).toMatch(/^<svg[^>]*viewBox/)
    expect((await app.inject({ method: 'GET', url: `/api/ballots/${fresh}` })).statusCode).toBe(200)
    clock.set('2025-06-15T00:00:00Z')
    const closed = await app.inject({ method: 'POST', url: `/api/ballots/${tokens[4]}`, payload: { answers: allSatisfied } })
    expect(closed.statusCode).toBe(410)
    expect(closed.json().error.code).toBe('round_closed')
  })

  it('a link issued for a draft round answers 410 round_not_open', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    const r = await createRound(app, w, { opensAt: '2025-06-02T00:00:00Z' })
    const inv = await app.inject({
      method: 'POST',
      url: `/api/rounds/${r.id}/invitations`,
      headers: w.auth.xa,
      payload: { channel: 'print' },
    })
    const token = inv.json().links[0].url.split('/r/')[1]
    const res = await app.inject({ method: 'GET', url: `/api/ballots/${token}` })
    expect(res.statusCode).toBe(410)
    expect(res.json().error.code).toBe('round_not_open')
  })

  it('issues one invitation per household: a second call creates none; zalo queues only households with phones', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    const { round } = await openRoundWithLinks(app, w)
    const again = await app.inject({
      method: 'POST',
      url: `/api/rounds/${round.id}/invitations`,
      headers: w.auth.xa,
      payload: { channel: 'print' },
    })
    expect(again.json()).toMatchObject({ created: 0, links: [] })
    const stored = db.select().from(invitations).where(eq(invitations.roundId, round.id)).all()
    expect(stored).toHaveLength(10)
    expect(stored.every((i) => /^[0-9a-f]{64}$/.test(i.tokenHash))).toBe(true)
    expect(
      (
        await app.inject({
          method: 'POST',
          url: `/api/rounds/${round.id}/invitations`,
          headers: w.auth.khac,
          payload: { channel: 'print' },
        })
      ).statusCode,
    ).toBe(404)
  })

  it('prints A4 slips as a PDF for households without a link', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    const r = await createRound(app, w)
    const res = await app.inject({
      method: 'POST',
      url: `/api/rounds/${r.id}/invitations/slips.pdf`,
      headers: w.auth.xa,
      payload: { villageIds: [w.villages[0]?.id] },
    })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toBe('application/pdf')
    expect(res.rawPayload.subarray(0, 5).toString()).toBe('%PDF-')
    expect(db.select().from(invitations).where(eq(invitations.roundId, r.id)).all()).toHaveLength(5)
    const reprint = await app.inject({
      method: 'POST',
      url: `/api/rounds/${r.id}/invitations/slips.pdf`,
      headers: w.auth.xa,
      payload: { villageIds: [w.villages[0]?.id], reissue: true },
    })
    expect(reprint.statusCode).toBe(200)
    const all = db.select().from(invitations).where(eq(invitations.roundId, r.id)).all()
    expect(all.filter((i) => i.revoked)).toHaveLength(5)
    expect(all.filter((i) => !i.revoked)).toHaveLength(5)
  })

  it('rate-limits the link endpoints per IP with 429 and Retry-After', async () => {
    const { app, db } = await buildTestApp({ env: { LINK_RATE_LIMIT_PER_MIN: '3' } })
    const w = await makeWorld(app, db)
    const codes: number[] = []
    let last: Awaited<ReturnType<typeof app.inject>> | undefined
    for (let i = 0; i < 4; i++) {
      last = await app.inject({ method: 'GET', url: `/api/ballots/${'B'.repeat(22)}`, remoteAddress: '10.1.2.3' })
      codes.push(last.statusCode)
    }
    expect(codes).toEqual([404, 404, 404, 429])
    expect(last?.json().error.code).toBe('rate_limited')
    expect(Number(last?.headers['retry-after'])).toBeGreaterThan(0)
    // the budget is shared by all resident endpoints, not one per route
    expect((await app.inject({ method: 'GET', url: '/api/receipts/0000-0000-0000', remoteAddress: '10.1.2.3' })).statusCode).toBe(429)
    expect(
      (
        await app.inject({
          method: 'POST',
          url: `/api/ballots/${'B'.repeat(22)}`,
          payload: { answers: allSatisfied },
          remoteAddress: '10.1.2.3',
        })
      ).statusCode,
    ).toBe(429)
    // another IP is not affected
    expect((await app.inject({ method: 'GET', url: `/api/ballots/${'B'.repeat(22)}`, remoteAddress: '10.9.9.9' })).statusCode).toBe(404)
    void w
  })
})
