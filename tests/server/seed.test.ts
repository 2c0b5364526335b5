import { asyncDb, createTestDb, criteriaSets, type Db, households, questionnaireTemplates, seedData, units } from '@app/db'
import { fixedClock } from '@app/server/lib/clock.ts'
import { isEmpty, seedDemo } from '@app/server/seed.ts'
import { createServices } from '@app/server/services.ts'
import { describe, expect, it, onTestFinished } from 'vitest'
import { buildTestApp, loginAs } from '../helpers/build-test-app.js'
import { testConfig } from '../helpers/test-config.js'

function servicesFor(db: Db) {
  return createServices({ db, config: testConfig(), clock: fixedClock('2025-06-01T08:00:00Z') })
}

/** A comparable snapshot of the seeded frame: unit paths and per-village household codes. */
function snapshot(db: Db) {
  const all = db.select().from(units).all()
  const byId = new Map(all.map((u) => [u.id, u]))
  const path = (id: string | null): string => {
    const u = id ? byId.get(id) : undefined
    return u ? `${path(u.parentId)}/${u.kind}:${u.code}:${u.name}` : ''
  }
  const hh = db.select().from(households).all()
  const perVillage = new Map<string, string[]>()
  for (const h of hh)
    perVillage.set(path(h.villageId), [...(perVillage.get(path(h.villageId)) ?? []), `${h.code}|${h.headName}|${h.phone}`])
  return {
    units: all.map((u) => path(u.id)).sort(),
    households: [...perVillage.entries()].map(([v, list]) => [v, list.sort()] as const).sort((a, b) => a[0].localeCompare(b[0])),
  }
}

async function seeded() {
  const db = createTestDb()
  onTestFinished(() => {
    db.$client.close()
  })
  const services = servicesFor(db)
  expect(await isEmpty(services)).toBe(true)
  const summary = await seedDemo(asyncDb(db), services)
  return { db, services, summary }
}

describe('seedDemo', () => {
  it('is deterministic: two fresh databases get the same units and households', async () => {
    const one = await seeded()
    const two = await seeded()
    expect(one.summary).toEqual(two.summary)
    expect(snapshot(one.db)).toEqual(snapshot(two.db))
    expect(await isEmpty(one.services)).toBe(false)
    // two seeds of ~24,000 households each: beyond the default timeout on a busy machine
  }, 120_000)

  it('creates the two-level tree of 2026 (merged provinces and communes, no district) and keeps the old tree until 30/06/2025', async () => {
    const { db, summary } = await seeded()
    const all = db.select().from(units).all()
    const byId = new Map(all.map((u) => [u.id, u]))
    const current = all.filter((u) => u.validTo === null)
    // today's tree: provinces → communes → villages, nothing at district level
    expect(current.filter((u) => u.kind === 'province').map((u) => u.name)).toEqual(['Cà Mau', 'Vĩnh Long'])
    expect(current.filter((u) => u.kind === 'district')).toEqual([])
    const camau = current.find((u) => u.name === 'Cà Mau')!
    const communes = current.filter((u) => u.kind === 'commune')
    for (const c of communes) {
      expect(byId.get(c.parentId!)?.kind).toBe('province')
      expect(c.validFrom).toBe(seedData.FIRST_DAY_OF_REFORM)
    }
    expect(communes.filter((c) => c.parentId === camau.id).map((c) => c.name)).toEqual([
      'Biển Bạch',
      'Trí Phải',
      'Tân Lộc',
      'Hồ Thị Kỷ',
      'Thới Bình',
    ])
    const hh = db.select().from(households).all()
    const countByVillage = new Map<string, number>()
    for (const h of hh) countByVillage.set(h.villageId, (countByVillage.get(h.villageId) ?? 0) + 1)
    for (const c of communes.filter((x) => x.parentId === camau.id)) {
      const villages = all.filter((u) => u.parentId === c.id)
      expect(villages.length).toBeGreaterThanOrEqual(10)
      expect(villages.length).toBeLessThanOrEqual(16)
      for (const v of villages) {
        expect(v.kind).toBe('village')
        expect(v.code).toMatch(new RegExp(`^${c.code}-\\d{2}$`))
        const n = countByVillage.get(v.id) ?? 0
        expect(n).toBeGreaterThanOrEqual(80)
        expect(n).toBeLessThanOrEqual(590)
      }
    }
    // the old tree: huyện Thới Bình with its ten communes, each pointing at the merged commune it went into
    const thoiBinh = all.find((u) => u.kind === 'district' && u.name === 'Thới Bình')!
    expect(thoiBinh).toMatchObject({ parentId: camau.id, validTo: '2025-06-30' })
    const old = all.filter((u) => u.kind === 'commune' && u.parentId === thoiBinh.id)
    expect(old.map((c) => c.name).sort()).toEqual(
      [
        'Biển Bạch',
        'Biển Bạch Đông',
        'Tân Bằng',
        'Trí Phải',
        'Trí Lực',
        'Tân Lộc',
        'Tân Lộc Bắc',
        'Tân Lộc Đông',
        'Tân Phú',
        'Hồ Thị Kỷ',
      ].sort(),
    )
    for (const c of old) {
      expect(c.validTo).toBe(seedData.LAST_DAY_BEFORE_REFORM)
      const successor = byId.get(c.successorId!)
      expect(successor).toMatchObject({ kind: 'commune', parentId: camau.id, validTo: null })
    }
    expect(byId.get(old.find((c) => c.name === 'Tân Bằng')!.successorId!)?.name).toBe('Biển Bạch')
    // the merged provinces end on 30/06/2025 and name their successor
    const gone = all.filter((u) => u.kind === 'province' && u.validTo !== null)
    expect(gone.map((p) => [p.name, p.validTo, byId.get(p.successorId!)?.name]).sort()).toEqual([
      ['Bạc Liêu', '2025-06-30', 'Cà Mau'],
      ['Bến Tre', '2025-06-30', 'Vĩnh Long'],
      ['Trà Vinh', '2025-06-30', 'Vĩnh Long'],
    ])
    expect(summary.households).toBe(hh.length)
    expect(summary.units).toBe(all.length)
    for (const u of all) expect(u.code.length).toBeGreaterThan(0)
    // obviously fake: every phone is in the unassigned 84999… range, every name carries "Mẫu"
    for (const h of hh) {
      if (h.phone) expect(h.phone).toMatch(/^84999\d{6}$/)
      expect(h.headName).toContain('Mẫu')
    }
  })

  it('seeds the QĐ 318/2022 criteria set (19 criteria) and a 9-question template ending with the overall question', async () => {
    const { db } = await seeded()
    const qd318 = db
      .select()
      .from(criteriaSets)
      .all()
      .find((c) => c.code === 'QD318_2022')
    expect(qd318?.criteria).toHaveLength(19)
    const nine = db
      .select()
      .from(questionnaireTemplates)
      .all()
      .find((t) => t.questions.length === 9)
    expect(nine).toBeDefined()
    expect(nine?.questions.at(-1)?.isOverall).toBe(true)
    expect(nine?.questions.filter((q) => q.isOverall)).toHaveLength(1)
    expect(nine?.criteriaSetId).toBe(qd318?.id)
  })
})

describe('demo logins', () => {
  it('every demo user logs in with the password hailong-demo and has the documented role', async () => {
    const { app, db } = await buildTestApp()
    await seedDemo(app.db, app.services)
    const communeBB = db
      .select()
      .from(units)
      .all()
      .find((u) => u.kind === 'commune' && u.name === 'Biển Bạch' && u.validTo === null)!
    for (const u of seedData.DEMO_USERS) {
      const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: u.username, password: 'hailong-demo' } })
      expect(res.statusCode, u.username).toBe(200)
      expect(res.json().user.role).toBe(u.role)
    }
    const xa = await app.inject({ method: 'GET', url: '/api/auth/me', headers: await loginAs(app, 'mttq.xa', 'hailong-demo') })
    expect(xa.json().unitId).toBe(communeBB.id)
    const wrong = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'admin', password: 'hailong-demo!' } })
    expect(wrong.statusCode).toBe(401)
  })

  it('scopes the second province away from Cà Mau staff, and the reverse; every demo user sits in a current unit', async () => {
    const { app, db } = await buildTestApp()
    await seedDemo(app.db, app.services)
    const all = db.select().from(units).all()
    const vinhlong = all.find((u) => u.name === 'Vĩnh Long')!
    const bb = all.find((u) => u.name === 'Biển Bạch' && u.validTo === null)!
    const tinh = await loginAs(app, 'mttq.tinh', 'hailong-demo')
    const vl = await loginAs(app, 'mttq.vinhlong', 'hailong-demo')
    expect((await app.inject({ method: 'GET', url: '/api/auth/me', headers: vl })).json().unitId).toBe(vinhlong.id)
    expect((await app.inject({ method: 'GET', url: `/api/units/${vinhlong.id}`, headers: tinh })).statusCode).toBe(404)
    expect((await app.inject({ method: 'GET', url: `/api/units/${bb.id}`, headers: tinh })).statusCode).toBe(200)
    expect((await app.inject({ method: 'GET', url: `/api/units/${bb.id}`, headers: vl })).statusCode).toBe(404)
    for (const u of seedData.DEMO_USERS) {
      const me = (await app.inject({ method: 'GET', url: '/api/auth/me', headers: await loginAs(app, u.username, 'hailong-demo') })).json()
      expect(all.find((x) => x.id === me.unitId)?.validTo, u.username).toBeNull()
    }
  })
})
