/**
 * One household by hand (the households page's forms): add, edit, stop and resume surveying it. Front staff and
 * admin in scope only (another commune's staff 404, collector and council 403); Vietnamese mobile numbers only
 * (03/05/07/08/09); a code once per village; and the household frame of an open round stays frozen (TRUST.md
 * §2.8): an addition needs the province and a reason, no household leaves the frame until the round closes.
 */
import { auditLog, households } from '@app/db'
import { and, eq } from 'drizzle-orm'
import type { FastifyInstance } from 'fastify'
import { describe, expect, it } from 'vitest'
import { buildTestApp } from '../helpers/build-test-app.js'
import { createRound, makeWorld, type World } from '../helpers/rounds.js'

const add = (app: FastifyInstance, villageId: string, headers: Record<string, string>, payload: Record<string, unknown>) =>
  app.inject({ method: 'POST', url: `/api/units/${villageId}/households`, headers, payload })
const edit = (app: FastifyInstance, villageId: string, id: string, headers: Record<string, string>, payload: Record<string, unknown>) =>
  app.inject({ method: 'PATCH', url: `/api/units/${villageId}/households/${id}`, headers, payload })

async function openRound(app: FastifyInstance, w: World) {
  const r = await createRound(app, w, { title: 'Đợt đang mở' })
  expect((await app.inject({ method: 'POST', url: `/api/rounds/${r.id}/open`, headers: w.auth.xa })).statusCode).toBe(200)
  return r
}

describe('one household by hand', () => {
  it('commune staff add one (phone kept as 84…, audited without the name or phone), edit it, stop and resume surveying it', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    const village = w.villages[0]?.id as string
    const res = await add(app, village, w.auth.xa, { code: 'H9001', headName: 'Nguyễn Văn Mới', phone: '035 123 4567', address: 'Tổ 3' })
    expect(res.statusCode, res.body).toBe(201)
    const h = res.json()
    expect(h).toMatchObject({
      villageId: village,
      code: 'H9001',
      headName: 'Nguyễn Văn Mới',
      phone: '84351234567',
      address: 'Tổ 3',
      active: true,
    })
    const log = db.select().from(auditLog).where(eq(auditLog.action, 'household.create')).all()
    expect(log).toHaveLength(1)
    expect(log[0]?.data).not.toMatch(/Nguyễn|351234567/)

    const fixed = await edit(app, village, h.id, w.auth.xa, { phone: '0781234567', address: '' })
    expect(fixed.statusCode, fixed.body).toBe(200)
    expect(fixed.json()).toMatchObject({ phone: '84781234567', address: null })

    const off = await edit(app, village, h.id, w.auth.xa, { active: false })
    expect(off.json()).toMatchObject({ active: false })
    const on = await edit(app, village, h.id, w.auth.xa, { active: true })
    expect(on.json()).toMatchObject({ active: true })
    expect(
      db
        .select()
        .from(auditLog)
        .all()
        .map((e) => e.action)
        .filter((a) => a.startsWith('household.')),
    ).toEqual(['household.create', 'household.update', 'household.deactivate', 'household.reactivate'])
  })

  it('refuses a landline or a short number, a code already in the village, an empty name, an empty edit (400/409, Vietnamese)', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    const village = w.villages[0]?.id as string
    for (const phone of ['02903123456', '091234567', '0612345678']) {
      const res = await add(app, village, w.auth.xa, { code: 'H9002', headName: 'Trần Thị B', phone })
      expect(res.statusCode, phone).toBe(400)
      expect(res.json().error.details.issues[0].message).toContain('03, 05, 07, 08 hoặc 09')
    }
    for (const phone of ['0312345678', '0512345678', '0712345678', '0812345678', '0912345678']) {
      const res = await add(app, village, w.auth.xa, { code: `M${phone}`, headName: 'Trần Thị B', phone })
      expect(res.statusCode, phone).toBe(201)
    }
    const dup = await add(app, village, w.auth.xa, { code: w.households[0]?.code.toLowerCase(), headName: 'Trần Thị C' })
    expect(dup.statusCode).toBe(409)
    expect(dup.json().error).toMatchObject({ code: 'already_exists' })
    expect(dup.json().error.message).toContain(`Mã hộ ${w.households[0]?.code} đã có ở Ấp 1`)
    const blank = await add(app, village, w.auth.xa, { code: 'H9003', headName: '   ' })
    expect(blank.statusCode).toBe(400)
    expect(blank.json().error.details.issues[0].message).toBe('Hãy nhập họ tên chủ hộ.')
    const none = await edit(app, village, w.households[0]?.id as string, w.auth.xa, {})
    expect(none.statusCode).toBe(400)
  })

  it('attack: another commune’s staff get 404 (nothing written), collector and council 403, a household of another village 404', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    const village = w.villages[0]?.id as string
    const target = w.households[0]?.id as string
    const before = db.select().from(households).all()
    expect((await add(app, village, w.auth.khac, { code: 'X1', headName: 'Kẻ Lạ' })).statusCode).toBe(404)
    expect((await edit(app, village, target, w.auth.khac, { headName: 'Kẻ Lạ' })).statusCode).toBe(404)
    expect((await edit(app, village, target, w.auth.khac, { active: false })).statusCode).toBe(404)
    // the foreign staff's own village in the path does not reach a household of this commune
    const theirs = w.other.villages[0]?.id as string
    expect((await edit(app, theirs, target, w.auth.khac, { headName: 'Kẻ Lạ' })).statusCode).toBe(404)
    for (const who of [w.auth.thuky, w.auth.hoidong]) {
      expect((await add(app, village, who, { code: 'X2', headName: 'Kẻ Lạ' })).statusCode).toBe(403)
      expect((await edit(app, village, target, who, { phone: '0912345678' })).statusCode).toBe(403)
    }
    // the right commune, the wrong village: not found
    expect((await edit(app, w.villages[1]?.id as string, target, w.auth.xa, { headName: 'Sai Ấp' })).statusCode).toBe(404)
    expect(db.select().from(households).all()).toEqual(before)
  })

  it('open round: commune staff may not add (409 frame_frozen) nor stop surveying (409); the province adds with a reason (422 without), the frame grows on the record; contacts stay editable', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    const village = w.villages[0]?.id as string
    const r = await openRound(app, w)
    const refused = await add(app, village, w.auth.xa, { code: 'H9001', headName: 'Nguyễn Văn Mới' })
    expect(refused.statusCode).toBe(409)
    expect(refused.json().error.code).toBe('frame_frozen')
    expect(refused.json().error.message).toContain('“Đợt đang mở”')
    expect(refused.json().error.message).toContain('Ban Thường trực MTTQ tỉnh')

    const h = w.households[0]?.id as string
    for (const who of [w.auth.xa, w.auth.tinh, w.auth.admin]) {
      const off = await edit(app, village, h, who, { active: false, reason: 'Hộ đã chuyển đi nơi khác' })
      expect(off.statusCode).toBe(409)
      expect(off.json().error.code).toBe('frame_frozen')
      expect(off.json().error.message).toContain('sau khi kết thúc đợt')
    }
    expect(db.select().from(households).where(eq(households.id, h)).get()?.active).toBe(true)
    expect((await edit(app, village, h, w.auth.xa, { phone: '0987654321' })).statusCode).toBe(200)

    const bare = await add(app, village, w.auth.tinh, { code: 'H9001', headName: 'Nguyễn Văn Mới' })
    expect(bare.statusCode).toBe(422)
    expect(bare.json().error.code).toBe('reason_required')
    const reason = 'Hộ tách hộ trước khi mở đợt, xã báo thiếu'
    const ok = await add(app, village, w.auth.tinh, { code: 'H9001', headName: 'Nguyễn Văn Mới', reason })
    expect(ok.statusCode, ok.body).toBe(201)
    const round = (await app.inject({ method: 'GET', url: `/api/rounds/${r.id}`, headers: w.auth.xa })).json()
    expect(round.households).toBe(11)
    const log = db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'round.frame_addition'), eq(auditLog.targetId, r.id)))
      .all()
    expect(log.map((e) => e.reason)).toEqual([reason])

    // after the round closes the household may leave the frame
    expect((await app.inject({ method: 'POST', url: `/api/rounds/${r.id}/close`, headers: w.auth.xa, payload: {} })).statusCode).toBe(200)
    expect((await edit(app, village, h, w.auth.xa, { active: false })).json()).toMatchObject({ active: false })
  })
  it('attack: a round closed but not yet disclosed can be reopened, so its frame stays frozen: no household joins it off the record between close and reopen', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    const village = w.villages[0]?.id as string
    const r = await openRound(app, w)
    expect((await app.inject({ method: 'POST', url: `/api/rounds/${r.id}/close`, headers: w.auth.xa, payload: {} })).statusCode).toBe(200)
    const refused = await add(app, village, w.auth.xa, { code: 'H9001', headName: 'Nguyễn Văn Mới' })
    expect(refused.statusCode, refused.body).toBe(409)
    expect(refused.json().error.code).toBe('frame_frozen')
    expect(refused.json().error.message).toContain('mở lại')
    expect(db.select().from(households).where(eq(households.code, 'H9001')).all()).toHaveLength(0)
    // the province still adds with a reason, on the record, as while the round is open
    const reason = 'Hộ tách hộ trước khi mở đợt, xã báo thiếu'
    expect((await add(app, village, w.auth.tinh, { code: 'H9001', headName: 'Nguyễn Văn Mới', reason })).statusCode).toBe(201)
    const round = (await app.inject({ method: 'GET', url: `/api/rounds/${r.id}`, headers: w.auth.xa })).json()
    expect(round.households).toBe(11)
    // once the results are out the round cannot be reopened: the commune adds freely again
    expect((await app.inject({ method: 'GET', url: `/api/rounds/${r.id}/tally`, headers: w.auth.xa })).statusCode).toBe(200)
    expect((await add(app, village, w.auth.xa, { code: 'H9002', headName: 'Trần Thị Sau' })).statusCode).toBe(201)
  })
})
