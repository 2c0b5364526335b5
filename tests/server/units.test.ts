import { auditLog, units } from '@app/db'
import { describe, expect, it } from 'vitest'
import { buildTestApp, loginAs } from '../helpers/build-test-app.js'
import { makeCommune, makeHouseholds, makeUnit, makeUser } from '../helpers/factories.js'

/** Two provinces, each with one commune of two villages; commune A has 3 + 5 households. */
async function setup() {
  const t = await buildTestApp()
  const a = makeCommune(t.db, { code: 'AA', name: 'Tân Lộc Đông', provinceName: 'Cà Mau' })
  makeHouseholds(t.db, a.villages[0]!.id, 3)
  makeHouseholds(t.db, a.villages[1]!.id, 5)
  const b = makeCommune(t.db, { code: 'BB', name: 'Long Hữu', provinceName: 'Trà Vinh', perVillage: 4 })
  const admin = await makeUser(t.db, { username: 'root', role: 'admin', unitId: a.province.id })
  const staffA = await makeUser(t.db, { username: 'staff.a', role: 'front_staff', unitId: a.commune.id })
  await makeUser(t.db, { username: 'staff.b', role: 'front_staff', unitId: b.commune.id })
  await makeUser(t.db, { username: 'collector.a', role: 'collector', unitId: a.commune.id })
  return { ...t, a, b, admin, staffA }
}

type UnitDto = { id: string; kind: string; name: string; code: string; parentId: string | null; households?: number }

describe('GET /api/units', () => {
  it('shows commune staff only their own subtree', async () => {
    const { app, a } = await setup()
    const res = await app.inject({ method: 'GET', url: '/api/units', headers: await loginAs(app, 'staff.a') })
    expect(res.statusCode).toBe(200)
    const ids = res.json().items.map((u: UnitDto) => u.id)
    expect(ids.sort()).toEqual([a.commune.id, ...a.villages.map((v) => v.id)].sort())
  })

  it('shows an admin every unit of both provinces', async () => {
    const { app, a, b } = await setup()
    const res = await app.inject({ method: 'GET', url: '/api/units', headers: await loginAs(app, 'root') })
    const ids = new Set(res.json().items.map((u: UnitDto) => u.id))
    expect(ids.size).toBe(8)
    for (const u of [a.province, a.commune, b.province, b.commune, ...b.villages]) expect(ids.has(u.id)).toBe(true)
  })

  it('filters by parentId and kind', async () => {
    const { app, a } = await setup()
    const headers = await loginAs(app, 'root')
    const res = await app.inject({ method: 'GET', url: `/api/units?parentId=${a.commune.id}&kind=village`, headers })
    expect(res.json().items.map((u: UnitDto) => u.code)).toEqual(['AA-01', 'AA-02'])
    const provinces = await app.inject({ method: 'GET', url: '/api/units?kind=province', headers })
    expect(provinces.json().items.map((u: UnitDto) => u.name)).toEqual(['Cà Mau', 'Trà Vinh'])
  })

  it('searches with q regardless of diacritics and case', async () => {
    const { app, a } = await setup()
    const headers = await loginAs(app, 'root')
    for (const q of ['tan loc dong', 'TÂN LỘC', 'Lộc Đông', 'loc']) {
      const res = await app.inject({ method: 'GET', url: `/api/units?q=${encodeURIComponent(q)}`, headers })
      expect(res.json().items.map((u: UnitDto) => u.id)).toEqual([a.commune.id])
    }
    const none = await app.inject({ method: 'GET', url: '/api/units?q=xyz', headers })
    expect(none.json().items).toEqual([])
  })

  it('counts active households per village and sums them up the tree', async () => {
    const { app, db, a } = await setup()
    db.$client.prepare('UPDATE households SET active = 0 WHERE village_id = ? AND code = ?').run(a.villages[1]!.id, 'H0001')
    const res = await app.inject({ method: 'GET', url: '/api/units', headers: await loginAs(app, 'root') })
    const byId = new Map(res.json().items.map((u: UnitDto) => [u.id, u.households]))
    expect(byId.get(a.villages[0]!.id)).toBe(3)
    expect(byId.get(a.villages[1]!.id)).toBe(4)
    expect(byId.get(a.commune.id)).toBe(7)
    expect(byId.get(a.province.id)).toBe(7)
  })
})

describe('GET /api/units/:id', () => {
  it('returns a unit in scope with its household total', async () => {
    const { app, a } = await setup()
    const res = await app.inject({ method: 'GET', url: `/api/units/${a.commune.id}`, headers: await loginAs(app, 'staff.a') })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ id: a.commune.id, kind: 'commune', code: 'AA', parentId: a.province.id, households: 8 })
  })

  it('answers 404 for a unit of another commune or above your own, the same as for an unknown id', async () => {
    const { app, a, b } = await setup()
    const headers = await loginAs(app, 'staff.a')
    for (const id of [b.commune.id, b.villages[0]!.id, a.province.id, 'no-such-id']) {
      const res = await app.inject({ method: 'GET', url: `/api/units/${id}`, headers })
      expect(res.statusCode).toBe(404)
      expect(res.json().error.code).toBe('not_found')
    }
  })

  it('answers 401 without a token', async () => {
    const { app, a } = await setup()
    expect((await app.inject({ method: 'GET', url: `/api/units/${a.commune.id}` })).statusCode).toBe(401)
  })
})

describe('POST /api/units', () => {
  it('lets commune staff add a village under their commune, and writes an audit row', async () => {
    const { app, db, a, staffA } = await setup()
    const res = await app.inject({
      method: 'POST',
      url: '/api/units',
      headers: await loginAs(app, 'staff.a'),
      payload: { kind: 'village', name: 'Ấp Kênh Tư', code: 'AA-09', parentId: a.commune.id },
    })
    expect(res.statusCode).toBe(201)
    expect(res.json()).toMatchObject({ kind: 'village', name: 'Ấp Kênh Tư', code: 'AA-09', parentId: a.commune.id, households: 0 })
    expect(
      db
        .select()
        .from(units)
        .all()
        .find((u) => u.id === res.json().id)?.name,
    ).toBe('Ấp Kênh Tư')
    expect(db.select().from(auditLog).all().at(-1)).toMatchObject({
      action: 'unit.create',
      actorId: staffA.id,
      targetType: 'unit',
      targetId: res.json().id,
    })
  })

  it('assigns the next free code under the parent when none is given', async () => {
    const { app, a } = await setup()
    const res = await app.inject({
      method: 'POST',
      url: '/api/units',
      headers: await loginAs(app, 'staff.a'),
      payload: { kind: 'village', name: 'Ấp Mới', parentId: a.commune.id },
    })
    expect(res.statusCode).toBe(201)
    expect(res.json().code).toBe('AA-03')
  })

  it('answers 404 when commune staff add a village to another commune, and creates nothing', async () => {
    const { app, db, b } = await setup()
    const before = db.select().from(units).all().length
    const res = await app.inject({
      method: 'POST',
      url: '/api/units',
      headers: await loginAs(app, 'staff.a'),
      payload: { kind: 'village', name: 'Ấp Lạ', parentId: b.commune.id },
    })
    expect(res.statusCode).toBe(404)
    expect(db.select().from(units).all()).toHaveLength(before)
  })

  it('answers 400 for the wrong parent kind (a village under a province, a commune under a village)', async () => {
    const { app, a } = await setup()
    const headers = await loginAs(app, 'root')
    const v = await app.inject({
      method: 'POST',
      url: '/api/units',
      headers,
      payload: { kind: 'village', name: 'X', parentId: a.province.id },
    })
    expect(v.statusCode).toBe(400)
    expect(v.json().error.code).toBe('validation_failed')
    const c = await app.inject({
      method: 'POST',
      url: '/api/units',
      headers,
      payload: { kind: 'commune', name: 'X', parentId: a.villages[0]!.id },
    })
    expect(c.statusCode).toBe(400)
  })

  it('answers 409 already_exists for a code already used under the same parent, but allows it under another', async () => {
    const { app, a, b } = await setup()
    const headers = await loginAs(app, 'root')
    const dup = await app.inject({
      method: 'POST',
      url: '/api/units',
      headers,
      payload: { kind: 'village', name: 'Ấp Trùng', code: 'AA-01', parentId: a.commune.id },
    })
    expect(dup.statusCode).toBe(409)
    expect(dup.json().error.code).toBe('already_exists')
    const other = await app.inject({
      method: 'POST',
      url: '/api/units',
      headers,
      payload: { kind: 'village', name: 'Ấp Trùng', code: 'AA-01', parentId: b.commune.id },
    })
    expect(other.statusCode).toBe(201)
  })

  it('lets only an admin create a province; front staff and collectors cannot', async () => {
    const { app } = await setup()
    const payload = { kind: 'province', name: 'Bạc Liêu', code: '95' }
    const staff = await app.inject({ method: 'POST', url: '/api/units', headers: await loginAs(app, 'staff.a'), payload })
    expect(staff.statusCode).toBe(404)
    const collector = await app.inject({ method: 'POST', url: '/api/units', headers: await loginAs(app, 'collector.a'), payload })
    expect(collector.statusCode).toBe(403)
    const admin = await app.inject({ method: 'POST', url: '/api/units', headers: await loginAs(app, 'root'), payload })
    expect(admin.statusCode).toBe(201)
    expect(admin.json()).toMatchObject({ kind: 'province', parentId: null })
  })

  it('answers 400 for an invalid code', async () => {
    const { app, a } = await setup()
    const res = await app.inject({
      method: 'POST',
      url: '/api/units',
      headers: await loginAs(app, 'root'),
      payload: { kind: 'village', name: 'X', code: 'có dấu', parentId: a.commune.id },
    })
    expect(res.statusCode).toBe(400)
    expect(res.json().error.code).toBe('validation_failed')
  })
})

describe('PATCH /api/units/:id', () => {
  it('sets effective dates and a successor, and writes an audit row', async () => {
    const { app, db, a, admin } = await setup()
    const headers = await loginAs(app, 'root')
    const merged = await app.inject({
      method: 'POST',
      url: '/api/units',
      headers,
      payload: { kind: 'village', name: 'Ấp Hợp Nhất', parentId: a.commune.id, validFrom: '2025-07-01' },
    })
    const res = await app.inject({
      method: 'PATCH',
      url: `/api/units/${a.villages[0]!.id}`,
      headers,
      payload: { validTo: '2025-06-30', successorId: merged.json().id },
    })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ validTo: '2025-06-30', successorId: merged.json().id })
    const row = db
      .select()
      .from(units)
      .all()
      .find((u) => u.id === a.villages[0]!.id)
    expect(row).toMatchObject({ validTo: '2025-06-30', successorId: merged.json().id })
    expect(db.select().from(auditLog).all().at(-1)).toMatchObject({ action: 'unit.update', actorId: admin.id, targetId: a.villages[0]!.id })
  })

  it('lets commune staff rename a village of their commune but not one of another commune', async () => {
    const { app, a, b } = await setup()
    const headers = await loginAs(app, 'staff.a')
    const own = await app.inject({ method: 'PATCH', url: `/api/units/${a.villages[0]!.id}`, headers, payload: { name: 'Ấp Đổi Tên' } })
    expect(own.statusCode).toBe(200)
    expect(own.json().name).toBe('Ấp Đổi Tên')
    const foreign = await app.inject({ method: 'PATCH', url: `/api/units/${b.villages[0]!.id}`, headers, payload: { name: 'X' } })
    expect(foreign.statusCode).toBe(404)
  })

  it('answers 404 for a successor outside your scope', async () => {
    const { app, a, b } = await setup()
    const res = await app.inject({
      method: 'PATCH',
      url: `/api/units/${a.villages[0]!.id}`,
      headers: await loginAs(app, 'staff.a'),
      payload: { successorId: b.villages[0]!.id },
    })
    expect(res.statusCode).toBe(404)
  })

  it('answers 404 (not 500) for an unknown successor, even for an admin', async () => {
    const { app, a } = await setup()
    const res = await app.inject({
      method: 'PATCH',
      url: `/api/units/${a.villages[0]!.id}`,
      headers: await loginAs(app, 'root'),
      payload: { successorId: 'no-such-unit' },
    })
    expect(res.statusCode).toBe(404)
  })

  it('answers 400 for a unit as its own successor or a successor of another kind', async () => {
    const { app, a } = await setup()
    const headers = await loginAs(app, 'root')
    const self = await app.inject({
      method: 'PATCH',
      url: `/api/units/${a.villages[0]!.id}`,
      headers,
      payload: { successorId: a.villages[0]!.id },
    })
    expect(self.statusCode).toBe(400)
    const kind = await app.inject({
      method: 'PATCH',
      url: `/api/units/${a.villages[0]!.id}`,
      headers,
      payload: { successorId: a.commune.id },
    })
    expect(kind.statusCode).toBe(400)
  })

  it('answers 400 when validTo falls before validFrom, also against the stored validFrom', async () => {
    const { app, db, a } = await setup()
    const headers = await loginAs(app, 'root')
    const both = await app.inject({
      method: 'PATCH',
      url: `/api/units/${a.villages[0]!.id}`,
      headers,
      payload: { validFrom: '2025-01-01', validTo: '2024-12-31' },
    })
    expect(both.statusCode).toBe(400)
    expect(both.json().error.code).toBe('validation_failed')
    await app.inject({ method: 'PATCH', url: `/api/units/${a.villages[0]!.id}`, headers, payload: { validFrom: '2025-01-01' } })
    const onlyTo = await app.inject({
      method: 'PATCH',
      url: `/api/units/${a.villages[0]!.id}`,
      headers,
      payload: { validTo: '2024-12-31' },
    })
    expect(onlyTo.statusCode).toBe(400)
    expect(
      db
        .select()
        .from(units)
        .all()
        .find((u) => u.id === a.villages[0]!.id)?.validTo,
    ).toBeNull()
  })

  it('answers 409 when recoding to a sibling code', async () => {
    const { app, a } = await setup()
    const res = await app.inject({
      method: 'PATCH',
      url: `/api/units/${a.villages[0]!.id}`,
      headers: await loginAs(app, 'root'),
      payload: { code: 'AA-02' },
    })
    expect(res.statusCode).toBe(409)
    expect(res.json().error.code).toBe('already_exists')
  })

  it('answers 400 for an empty patch', async () => {
    const { app, a } = await setup()
    const res = await app.inject({
      method: 'PATCH',
      url: `/api/units/${a.villages[0]!.id}`,
      headers: await loginAs(app, 'root'),
      payload: {},
    })
    expect(res.statusCode).toBe(400)
  })
})

describe('unit tree with a legacy district', () => {
  it('places communes under a district and still scopes province staff over them', async () => {
    const { app, db, b } = await setup()
    const district = makeUnit(db, { kind: 'district', name: 'Càng Long', code: 'CL', parentId: b.province.id, validTo: '2025-06-30' })
    const headers = await loginAs(app, 'root')
    const res = await app.inject({
      method: 'POST',
      url: '/api/units',
      headers,
      payload: { kind: 'commune', name: 'Tân An', code: 'TA', parentId: district.id },
    })
    expect(res.statusCode).toBe(201)
    await makeUser(db, { username: 'tinh.b', role: 'front_staff', unitId: b.province.id })
    const seen = await app.inject({ method: 'GET', url: `/api/units/${res.json().id}`, headers: await loginAs(app, 'tinh.b') })
    expect(seen.statusCode).toBe(200)
  })
})
