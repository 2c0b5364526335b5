import { auditLog, feedback } from '@app/db'
import { eq } from 'drizzle-orm'
import type { FastifyInstance } from 'fastify'
import { describe, expect, it } from 'vitest'
import { buildTestApp } from '../helpers/build-test-app.js'
import { allSatisfied, closeRound, makeWorld, openRoundWithLinks, type World } from '../helpers/rounds.js'

/** Reasons: q1 ×3 ("Đường hẹp" twice), q2 ×1, q9 ×1; comments ×2. Closed: reasons and comments are results. */
async function roundWithFeedback(app: FastifyInstance, w: World) {
  const { round, tokens } = await openRoundWithLinks(app, w)
  const payloads = [
    { answers: { ...allSatisfied, q1: { satisfied: false, reason: 'Đường hẹp' } }, comment: 'Cần thêm đèn' },
    { answers: { ...allSatisfied, q1: { satisfied: false, reason: 'Đường hẹp' } } },
    { answers: { ...allSatisfied, q1: { satisfied: false, reason: 'Ngập nước' }, q2: { satisfied: false, reason: 'Rác thải' } } },
    { answers: { ...allSatisfied, q9: { satisfied: false, reason: 'Chưa thấy thay đổi' } }, comment: 'Cảm ơn' },
    { answers: allSatisfied },
  ]
  for (const [i, p] of payloads.entries())
    expect((await app.inject({ method: 'POST', url: `/api/ballots/${tokens[i]}`, payload: p })).statusCode).toBe(201)
  await closeRound(app, round.id, w.auth.xa)
  return round
}

describe('GET /api/rounds/:id/feedback', () => {
  it('lists reasons and comments with question, criterion and status, without identity; filters and pages', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    const round = await roundWithFeedback(app, w)
    const url = `/api/rounds/${round.id}/feedback`
    const res = await app.inject({ method: 'GET', url, headers: w.auth.xa })
    expect(res.statusCode).toBe(200)
    const page = res.json()
    expect(page.total).toBe(7)
    expect(Object.keys(page.items[0]).sort()).toEqual(
      [
        'assigneeAgency',
        'criterionRef',
        'followUp',
        'id',
        'kind',
        'questionKey',
        'questionText',
        'status',
        'text',
        'villageId',
        'villageName',
      ].sort(),
    )
    expect(res.body).not.toMatch(/ballot|household|receipt|createdAt/i)
    const q1 = (await app.inject({ method: 'GET', url: `${url}?questionKey=q1`, headers: w.auth.xa })).json()
    expect(q1.total).toBe(3)
    expect(q1.items[0]).toMatchObject({ kind: 'reason', questionKey: 'q1', questionText: 'Giao thông?', criterionRef: '2', status: 'new' })
    const comments = (await app.inject({ method: 'GET', url: `${url}?questionKey=comment`, headers: w.auth.xa })).json()
    expect(comments.items.map((i: { text: string }) => i.text).sort()).toEqual(['Cảm ơn', 'Cần thêm đèn'])
    const paged = (await app.inject({ method: 'GET', url: `${url}?limit=2&page=2`, headers: w.auth.xa })).json()
    expect(paged).toMatchObject({ page: 2, limit: 2, total: 7 })
    expect(paged.items).toHaveLength(2)
    expect((await app.inject({ method: 'GET', url: `${url}?limit=101`, headers: w.auth.xa })).statusCode).toBe(400)
    expect((await app.inject({ method: 'GET', url: `${url}?status=done`, headers: w.auth.xa })).statusCode).toBe(400)
    expect((await app.inject({ method: 'GET', url, headers: w.auth.khac })).statusCode).toBe(404)
    expect((await app.inject({ method: 'GET', url, headers: w.auth.hoidong })).statusCode).toBe(403)
  })
})

describe('PATCH /api/feedback/:id', () => {
  it('moves new → forwarded (with an agency) → resolved (with a note) and refuses anything else', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    const round = await roundWithFeedback(app, w)
    const f = db.select().from(feedback).where(eq(feedback.roundId, round.id)).all()[0]!
    const url = `/api/feedback/${f.id}`
    const patch = (payload: Record<string, unknown>, headers = w.auth.xa) => app.inject({ method: 'PATCH', url, headers, payload })

    const skip = await patch({ status: 'resolved', followUp: 'Đã sửa' })
    expect(skip.statusCode).toBe(409)
    expect(skip.json().error.code).toBe('invalid_transition')
    expect((await patch({ status: 'forwarded' })).statusCode).toBe(400)
    expect((await patch({ status: 'forwarded', assigneeAgency: 'UBND xã' }, w.auth.khac)).statusCode).toBe(404)
    const fwd = await patch({ status: 'forwarded', assigneeAgency: 'UBND xã — Ban giao thông' })
    expect(fwd.statusCode).toBe(200)
    expect(fwd.json()).toMatchObject({ status: 'forwarded', assigneeAgency: 'UBND xã — Ban giao thông', followUp: null })
    expect((await patch({ status: 'forwarded', assigneeAgency: 'khác' })).statusCode).toBe(409)
    expect((await patch({ status: 'resolved' })).statusCode).toBe(400)
    const done = await patch({ status: 'resolved', followUp: 'Đã nâng cấp đường liên ấp, tháng 7/2025' })
    expect(done.statusCode).toBe(200)
    expect(done.json()).toMatchObject({ status: 'resolved', followUp: 'Đã nâng cấp đường liên ấp, tháng 7/2025' })
    expect((await patch({ status: 'new' })).statusCode).toBe(409)
    expect((await patch({ status: 'forwarded', assigneeAgency: 'x' })).statusCode).toBe(409)
    expect(db.select().from(feedback).where(eq(feedback.id, f.id)).get()?.status).toBe('resolved')
    const actions = db
      .select()
      .from(auditLog)
      .where(eq(auditLog.targetId, f.id))
      .all()
      .map((a) => a.action)
    expect(actions).toEqual(['feedback.forward', 'feedback.resolve'])
    expect(
      (
        await app.inject({
          method: 'PATCH',
          url: '/api/feedback/missing',
          headers: w.auth.xa,
          payload: { status: 'forwarded', assigneeAgency: 'x' },
        })
      ).statusCode,
    ).toBe(404)
  })
})

describe('GET /api/rounds/:id/feedback/summary', () => {
  it('counts per question, per criterion and per status', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    const round = await roundWithFeedback(app, w)
    const one = db.select().from(feedback).where(eq(feedback.questionKey, 'q1')).all()[0]!
    await app.inject({
      method: 'PATCH',
      url: `/api/feedback/${one.id}`,
      headers: w.auth.xa,
      payload: { status: 'forwarded', assigneeAgency: 'UBND xã' },
    })
    const res = await app.inject({ method: 'GET', url: `/api/rounds/${round.id}/feedback/summary`, headers: w.auth.tinh })
    expect(res.statusCode).toBe(200)
    const s = res.json()
    expect(s.total).toEqual({ total: 7, new: 6, forwarded: 1, resolved: 0 })
    expect(s.comments).toEqual({ total: 2, new: 2, forwarded: 0, resolved: 0 })
    expect(s.byQuestion).toEqual([
      { questionKey: 'q1', questionText: 'Giao thông?', criterionRef: '2', total: 3, new: 2, forwarded: 1, resolved: 0 },
      { questionKey: 'q2', questionText: 'Môi trường?', criterionRef: '17', total: 1, new: 1, forwarded: 0, resolved: 0 },
      { questionKey: 'q9', questionText: 'Hài lòng chung?', criterionRef: null, total: 1, new: 1, forwarded: 0, resolved: 0 },
    ])
    expect(s.byCriterion).toEqual([
      { criterionRef: '2', total: 3, new: 2, forwarded: 1, resolved: 0 },
      { criterionRef: '17', total: 1, new: 1, forwarded: 0, resolved: 0 },
    ])
  })
})
