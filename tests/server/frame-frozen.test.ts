/**
 * The household frame is frozen when a round opens (TRUST.md §2.8): adding households to a village of an open
 * round is refused to commune staff; the province adds them with a reason, and the addition (how many, by
 * whom, why) is on the record and in the minutes. Fixing a phone or an address stays open to everyone.
 */
import { auditLog, households } from '@app/db'
import { and, eq } from 'drizzle-orm'
import type { FastifyInstance } from 'fastify'
import { describe, expect, it } from 'vitest'
import { buildTestApp } from '../helpers/build-test-app.js'
import { pdfText } from '../helpers/pdf-text.js'
import { allSatisfied, createRound, makeWorld, type World } from '../helpers/rounds.js'

const HEADER = 'village_code,household_code,head_name,phone,address'
const csv = (...lines: string[]) => `${[HEADER, ...lines].join('\n')}\n`

async function importCsv(app: FastifyInstance, w: World, body: string, headers: { authorization: string }, reason?: string) {
  return app.inject({
    method: 'POST',
    url: `/api/units/${w.commune.id}/households/import${reason ? `?reason=${encodeURIComponent(reason)}` : ''}`,
    headers: { ...headers, 'content-type': 'text/csv' },
    payload: body,
  })
}

async function openRound(app: FastifyInstance, w: World) {
  const r = await createRound(app, w, { title: 'Đợt đang mở' })
  expect((await app.inject({ method: 'POST', url: `/api/rounds/${r.id}/open`, headers: w.auth.xa })).statusCode).toBe(200)
  return r
}

describe('household frame frozen at open', () => {
  it('commune staff: 409 frame_frozen for a new household in a village of an open round, nothing written; phone fixes still pass', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    const before = db.select().from(households).all().length
    const r = await openRound(app, w)
    const refused = await importCsv(app, w, csv('XT-01,H9001,Nguyễn Văn Mới,0901234567,Số 9'), w.auth.xa)
    expect(refused.statusCode).toBe(409)
    const err = refused.json().error
    expect(err.code).toBe('frame_frozen')
    expect(err.message).toContain('“Đợt đang mở”')
    expect(err.message).toMatch(/1 hộ mới/)
    expect(err.details).toMatchObject({ households: 1, rounds: [{ roundId: r.id }] })
    expect(db.select().from(households).all()).toHaveLength(before)
    // an existing household's phone: not an addition
    const fix = await importCsv(app, w, csv(`XT-01,${w.households[0]?.code},${w.households[0]?.headName},0907654321,`), w.auth.xa)
    expect(fix.statusCode, fix.body).toBe(200)
    expect(fix.json()).toMatchObject({ created: 0, updated: 1 })
  })

  it('province staff: 422 reason_required without a reason; with one the households join the frame, on the record and in the minutes', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    const r = await openRound(app, w)
    const body = csv('XT-01,H9001,Nguyễn Văn Mới,,', 'XT-01,H9002,Trần Thị Mới,,')
    const bare = await importCsv(app, w, body, w.auth.tinh)
    expect(bare.statusCode).toBe(422)
    expect(bare.json().error.code).toBe('reason_required')
    const reason = 'Hai hộ tách hộ trước khi mở đợt, xã báo thiếu'
    const ok = await importCsv(app, w, body, w.auth.tinh, reason)
    expect(ok.statusCode, ok.body).toBe(200)
    expect(ok.json()).toMatchObject({ created: 2 })
    const round = (await app.inject({ method: 'GET', url: `/api/rounds/${r.id}`, headers: w.auth.xa })).json()
    expect(round.households).toBe(12)
    const log = db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'round.frame_addition'), eq(auditLog.targetId, r.id)))
      .all()
    expect(log).toHaveLength(1)
    expect(log[0]?.reason).toBe(reason)
    expect(JSON.parse(log[0]?.data ?? '{}')).toEqual({ households: 2, villages: { [w.villages[0]?.id as string]: 2 } })

    // the integrity panel of the province lists it too
    const integrity = await app.inject({ method: 'GET', url: `/api/rounds/${r.id}/integrity`, headers: w.auth.tinh })
    expect(integrity.json().frameAdditions).toEqual([{ households: 2, villages: ['Ấp 1'], at: expect.any(String), reason }])

    const inv = await app.inject({
      method: 'POST',
      url: `/api/rounds/${r.id}/invitations`,
      headers: w.auth.xa,
      payload: { channel: 'print' },
    })
    expect(inv.json().links).toHaveLength(12)
    for (const l of (inv.json().links as { url: string }[]).slice(0, 2))
      await app.inject({ method: 'POST', url: `/api/ballots/${l.url.split('/r/')[1]}`, payload: { answers: allSatisfied } })
    await app.inject({ method: 'POST', url: `/api/rounds/${r.id}/close`, headers: w.auth.xa, payload: {} })
    expect((await app.inject({ method: 'POST', url: `/api/rounds/${r.id}/seal`, headers: w.auth.xa })).statusCode).toBe(200)
    const pdf = await app.inject({ method: 'GET', url: `/api/rounds/${r.id}/minutes.pdf`, headers: w.auth.xa })
    const text = (await pdfText(pdf.rawPayload)).replace(/\s+/g, ' ')
    expect(text).toContain('Hộ bổ sung sau khi mở đợt: 2 hộ (Ấp 1), do tài khoản tinh')
    expect(text).toContain(reason)
  })

  it('a draft round freezes nothing: commune staff import new households', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    await createRound(app, w)
    const res = await importCsv(app, w, csv('XT-02,H9003,Lê Văn Nháp,,'), w.auth.xa)
    expect(res.statusCode, res.body).toBe(200)
    expect(res.json()).toMatchObject({ created: 1 })
  })
})
