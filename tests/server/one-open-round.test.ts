/**
 * One open round per commune, purpose (recognition / follow-up) and scope (the whole commune or one ấp):
 * two at once split the households' answers and the "hộ tôi chưa được hỏi" requests between them. A
 * second is refused naming the open one; the province overview never hides a round that exists.
 */
import { rounds } from '@app/db'
import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { buildTestApp } from '../helpers/build-test-app.js'
import { createRound, makeWorld } from '../helpers/rounds.js'

describe('opening a second round of the same commune, purpose and scope', () => {
  it('is refused with 409 round_already_open and a Vietnamese message naming the open round', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    const first = await createRound(app, w, { title: 'Lấy ý kiến xã NTM 2025 — đợt chính' })
    expect((await app.inject({ method: 'POST', url: `/api/rounds/${first.id}/open`, headers: w.auth.xa })).statusCode).toBe(200)
    // another level, same purpose and scope: still the same households asked twice
    const second = await createRound(app, w, { level: 'xa_ntm_nang_cao', title: 'Đợt thứ hai' })
    for (const headers of [w.auth.xa, w.auth.tinh]) {
      const res = await app.inject({ method: 'POST', url: `/api/rounds/${second.id}/open`, headers })
      expect(res.statusCode).toBe(409)
      const err = res.json().error
      expect(err.code).toBe('round_already_open')
      expect(err.message).toContain('“Lấy ý kiến xã NTM 2025 — đợt chính”')
      expect(err.message).toMatch(/đang mở/)
      expect(err.details).toMatchObject({ roundId: first.id, title: 'Lấy ý kiến xã NTM 2025 — đợt chính' })
    }
    expect((await app.services.rounds.findById(second.id))?.status).toBe('draft')
    // once the first one is closed, the second opens
    expect((await app.inject({ method: 'POST', url: `/api/rounds/${first.id}/close`, headers: w.auth.xa, payload: {} })).statusCode).toBe(
      200,
    )
    expect((await app.inject({ method: 'POST', url: `/api/rounds/${second.id}/open`, headers: w.auth.xa })).statusCode).toBe(200)
    // and the first cannot be reopened beside it
    const reopen = await app.inject({
      method: 'POST',
      url: `/api/rounds/${first.id}/reopen`,
      headers: w.auth.tinh,
      payload: { reason: 'Gia hạn thêm', closesAt: '2025-06-20T00:00:00Z' },
    })
    expect(reopen.statusCode).toBe(409)
    expect(reopen.json().error).toMatchObject({ code: 'round_already_open', details: { roundId: second.id } })
  })

  it('another purpose or another scope opens beside it; the same ấp twice does not', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    const [v1, v2] = w.villages as unknown as [{ id: string }, { id: string }]
    const open = async (body: Record<string, unknown>) => {
      const r = await createRound(app, w, body)
      return app.inject({ method: 'POST', url: `/api/rounds/${r.id}/open`, headers: w.auth.xa })
    }
    expect((await open({ title: 'Toàn xã' })).statusCode).toBe(200)
    expect((await open({ title: 'Khảo sát lại toàn xã', purpose: 'follow_up' })).statusCode).toBe(200)
    expect((await open({ title: 'Ấp 1', villageIds: [v1.id] })).statusCode).toBe(200)
    expect((await open({ title: 'Ấp 2', villageIds: [v2.id] })).statusCode).toBe(200)
    const again = await open({ title: 'Ấp 1 lần nữa', villageIds: [v1.id] })
    expect(again.statusCode).toBe(409)
    expect(again.json().error.message).toContain('“Ấp 1”')
    // naming every village of the commune is the whole commune
    const all = await open({ title: 'Mọi ấp', villageIds: [v2.id, v1.id] })
    expect(all.statusCode).toBe(409)
    expect(all.json().error.message).toContain('“Toàn xã”')
  })
})

describe('the province overview never hides a round', () => {
  it('lists both when two rounds of a commune are open (older data), and an open round beside a newer draft', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    const a = await createRound(app, w, { title: 'Đợt A' })
    expect((await app.inject({ method: 'POST', url: `/api/rounds/${a.id}/open`, headers: w.auth.xa })).statusCode).toBe(200)
    // as a database from before this rule would hold it: a second open round of the same commune and scope
    const b = await createRound(app, w, { title: 'Đợt B', level: 'xa_ntm_nang_cao' })
    db.update(rounds)
      .set({
        status: 'open',
        openedAt: '2025-06-01T08:00:00.000Z',
        frameSnapshot: await app.services.rounds.frameOf((await app.services.rounds.findById(a.id)) as never),
      })
      .where(eq(rounds.id, b.id))
      .run()
    const draft = await createRound(app, w, { title: 'Đợt nháp' })
    const res = await app.inject({ method: 'GET', url: `/api/units/${w.province.id}/overview`, headers: w.auth.tinh })
    expect(res.statusCode).toBe(200)
    const mine = res.json().items.filter((i: { communeId: string }) => i.communeId === w.commune.id)
    expect(mine.map((i: { round: { id: string } }) => i.round.id).sort()).toEqual([a.id, b.id, draft.id].sort())
    expect(mine.map((i: { round: { status: string } }) => i.round.status).sort()).toEqual(['draft', 'open', 'open'])
  })

  it('shows only the latest round of a commune whose earlier rounds are finished', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    const a = await createRound(app, w, { title: 'Đợt cũ' })
    await app.inject({ method: 'POST', url: `/api/rounds/${a.id}/open`, headers: w.auth.xa })
    await app.inject({ method: 'POST', url: `/api/rounds/${a.id}/close`, headers: w.auth.xa, payload: {} })
    await app.inject({ method: 'POST', url: `/api/rounds/${a.id}/seal`, headers: w.auth.xa })
    const b = await createRound(app, w, { title: 'Đợt mới' })
    const res = await app.inject({ method: 'GET', url: `/api/units/${w.province.id}/overview`, headers: w.auth.tinh })
    const mine = res.json().items.filter((i: { communeId: string }) => i.communeId === w.commune.id)
    expect(mine.map((i: { round: { id: string } }) => i.round.id)).toEqual([b.id])
  })
})
