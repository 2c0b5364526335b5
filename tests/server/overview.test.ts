import { ballots, type Db } from '@app/db'
import { eq } from 'drizzle-orm'
import type { FastifyInstance } from 'fastify'
import { describe, expect, it } from 'vitest'
import { buildTestApp } from '../helpers/build-test-app.js'
import { makeCommune, makeUnit } from '../helpers/factories.js'
import { bulkBallots, createRound, makeWorld, type World } from '../helpers/rounds.js'

type Commune = ReturnType<typeof makeCommune>

async function openRound(app: FastifyInstance, w: World, c: Commune, body: Record<string, unknown> = {}) {
  const r = await createRound(app, w, { communeId: c.commune.id, ...body }, w.auth.tinh)
  expect((await app.inject({ method: 'POST', url: `/api/rounds/${r.id}/open`, headers: w.auth.tinh })).statusCode).toBe(200)
  return r
}
async function closeAndSeal(app: FastifyInstance, w: World, id: string) {
  await app.inject({ method: 'POST', url: `/api/rounds/${id}/close`, headers: w.auth.tinh, payload: {} })
  expect((await app.inject({ method: 'POST', url: `/api/rounds/${id}/seal`, headers: w.auth.tinh })).statusCode).toBe(200)
}

/**
 * Under the test province: Ân Phú (sealed, 9/10 → 90 %), Bình Minh (open, 4 of 10, all satisfied),
 * Xã Thử (no round), and a legacy district with Đông Hải (draft).
 */
async function province(app: FastifyInstance, db: Db, w: World) {
  const anPhu = makeCommune(db, { province: w.province, name: 'Ân Phú', code: 'AP', villages: 1, perVillage: 10 })
  const binhMinh = makeCommune(db, { province: w.province, name: 'Bình Minh', code: 'BM', villages: 2, perVillage: 5 })
  const district = makeUnit(db, { kind: 'district', name: 'Thới Bình', parentId: w.province.id, validTo: '2025-06-30' })
  const dongHai = makeUnit(db, { kind: 'commune', name: 'Đông Hải', code: 'DH', parentId: district.id })
  const sealed = await openRound(app, w, anPhu)
  await bulkBallots(app, app.db, sealed.id, anPhu.households, 10, 9)
  await closeAndSeal(app, w, sealed.id)
  const open = await openRound(app, w, binhMinh)
  await bulkBallots(app, app.db, open.id, binhMinh.households, 4, 4)
  const draft = await createRound(app, w, { communeId: dongHai.id, level: 'xa_ntm_nang_cao' }, w.auth.tinh)
  return { anPhu, binhMinh, district, dongHai, sealed, open, draft }
}

describe('GET /api/units/:id/overview', () => {
  it("lists every commune's latest round with coverage, rate, verdict and status, sorted the Vietnamese way", async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    const p = await province(app, db, w)
    const res = await app.inject({ method: 'GET', url: `/api/units/${w.province.id}/overview`, headers: w.auth.tinh })
    expect(res.statusCode).toBe(200)
    const o = res.json()
    expect(o).toMatchObject({ unitId: w.province.id, unitKind: 'province' })
    // vi collation: Â sorts right after A, Đ after D, whatever the code points
    expect(o.items.map((i: { communeName: string }) => i.communeName)).toEqual(['Ân Phú', 'Bình Minh', 'Đông Hải', 'Xã Thử'])
    const [anPhu, binhMinh, dongHai, xaThu] = o.items
    expect(anPhu.round).toMatchObject({
      id: p.sealed.id,
      status: 'sealed',
      level: 'xa_ntm',
      levelName: 'Xã nông thôn mới',
      households: 10,
      participated: 10,
      valid: 10,
      coverage: 1,
      rate: 0.9,
      verdict: 'meets',
      source: 'sealed',
    })
    // an open round: coverage only, no figure built on answers (TRUST.md §2.2)
    expect(binhMinh.round).toMatchObject({
      status: 'open',
      participated: 4,
      coverage: 0.4,
      valid: null,
      rate: null,
      verdict: null,
      robustness: null,
      source: 'live',
    })
    expect(dongHai.round).toMatchObject({
      status: 'draft',
      level: 'xa_ntm_nang_cao',
      coverage: null,
      rate: null,
      verdict: null,
      source: 'none',
    })
    expect(dongHai.parentId).toBe(p.district.id)
    expect(xaThu.round).toBeNull()

    const byRate = (
      await app.inject({ method: 'GET', url: `/api/units/${w.province.id}/overview?sort=rate&order=desc`, headers: w.auth.tinh })
    ).json()
    expect(byRate.items.map((i: { communeName: string }) => i.communeName)).toEqual(['Ân Phú', 'Bình Minh', 'Đông Hải', 'Xã Thử'])
    const byCoverage = (
      await app.inject({ method: 'GET', url: `/api/units/${w.province.id}/overview?sort=coverage`, headers: w.auth.tinh })
    ).json()
    expect(byCoverage.items.map((i: { communeName: string }) => i.communeName)).toEqual(['Bình Minh', 'Ân Phú', 'Đông Hải', 'Xã Thử'])
    const byStatus = (
      await app.inject({ method: 'GET', url: `/api/units/${w.province.id}/overview?sort=status&order=desc`, headers: w.auth.tinh })
    ).json()
    expect(byStatus.items.map((i: { round: { status: string } | null }) => i.round?.status ?? null)).toEqual([
      'sealed',
      'open',
      'draft',
      null,
    ])
    expect(
      (await app.inject({ method: 'GET', url: `/api/units/${w.province.id}/overview?sort=size`, headers: w.auth.tinh })).statusCode,
    ).toBe(400)

    const district = (await app.inject({ method: 'GET', url: `/api/units/${p.district.id}/overview`, headers: w.auth.tinh })).json()
    expect(district.items.map((i: { communeName: string }) => i.communeName)).toEqual(['Đông Hải'])
  })

  it('reads the counters, never the ballots; a closed round gets its figures once its result is disclosed', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    const p = await province(app, db, w)
    await app.inject({ method: 'POST', url: `/api/rounds/${p.open.id}/close`, headers: w.auth.tinh, payload: {} })
    const binhMinh = async () =>
      (await app.inject({ method: 'GET', url: `/api/units/${w.province.id}/overview`, headers: w.auth.tinh }))
        .json()
        .items.find((i: { communeName: string }) => i.communeName === 'Bình Minh').round
    // closed, not yet disclosed: a list does not disclose it
    expect(await binhMinh()).toMatchObject({ status: 'closed', participated: 4, valid: null, rate: null })
    expect((await app.inject({ method: 'GET', url: `/api/rounds/${p.open.id}/tally`, headers: w.auth.tinh })).statusCode).toBe(200)
    db.delete(ballots).where(eq(ballots.roundId, p.open.id)).run()
    // disclosed: its verdict now (4 ballots stay under PRIVACY_MIN_CELL, so the counts are withheld)
    expect(await binhMinh()).toMatchObject({ participated: 4, valid: null, verdict: 'insufficient_coverage' })
  })

  it('is scoped: 404 outside, 403 for collectors, 400 for a village; the council sees figures only once sealed', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    await province(app, db, w)
    const url = `/api/units/${w.province.id}/overview`
    const foreign = await app.inject({ method: 'GET', url, headers: w.auth.khac })
    expect(foreign.statusCode).toBe(404)
    expect(foreign.json().error.code).toBe('not_found')
    expect((await app.inject({ method: 'GET', url, headers: w.auth.thuky })).statusCode).toBe(404)
    expect((await app.inject({ method: 'GET', url: `/api/units/${w.commune.id}/overview`, headers: w.auth.thuky })).statusCode).toBe(403)
    expect((await app.inject({ method: 'GET', url: `/api/units/${w.villages[0]?.id}/overview`, headers: w.auth.tinh })).statusCode).toBe(
      400,
    )
    const council = (await app.inject({ method: 'GET', url, headers: w.auth.hoidong })).json()
    const byName = new Map(council.items.map((i: { communeName: string; round: unknown }) => [i.communeName, i.round]))
    expect(byName.get('Ân Phú')).toMatchObject({ source: 'sealed', rate: 0.9 })
    expect(byName.get('Bình Minh')).toMatchObject({ status: 'open', source: 'none', rate: null, coverage: null })
    // commune staff see their own commune only
    const own = (await app.inject({ method: 'GET', url: `/api/units/${w.commune.id}/overview`, headers: w.auth.xa })).json()
    expect(own.items.map((i: { communeName: string }) => i.communeName)).toEqual(['Xã Thử'])
  })
})

describe('GET /api/units/:communeId/trend', () => {
  it('lists all rounds of a commune in time order with level, status, rate, coverage and verdict', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    const c = makeCommune(db, { province: w.province, name: 'Tân Lộc', code: 'TL', villages: 1, perVillage: 20 })
    const later = await createRound(
      app,
      w,
      { communeId: c.commune.id, level: 'xa_ntm_kieu_mau', opensAt: '2025-09-01T00:00:00Z', closesAt: '2025-09-10T00:00:00Z' },
      w.auth.tinh,
    )
    const first = await openRound(app, w, c, { opensAt: '2025-05-20T00:00:00Z' })
    await bulkBallots(app, db, first.id, c.households, 18, 17)
    await closeAndSeal(app, w, first.id)
    const second = await openRound(app, w, c, { level: 'xa_ntm_nang_cao', opensAt: '2025-06-01T00:00:00Z' })
    await bulkBallots(app, db, second.id, c.households, 10, 10)
    const res = await app.inject({ method: 'GET', url: `/api/units/${c.commune.id}/trend`, headers: w.auth.tinh })
    expect(res.statusCode).toBe(200)
    const t = res.json()
    expect(t.communeName).toBe('Tân Lộc')
    expect(t.rounds.map((r: { id: string }) => r.id)).toEqual([first.id, second.id, later.id])
    expect(t.rounds.map((r: { levelName: string }) => r.levelName)).toEqual([
      'Xã nông thôn mới',
      'Xã nông thôn mới nâng cao',
      'Xã nông thôn mới kiểu mẫu',
    ])
    expect(t.rounds[0]).toMatchObject({ status: 'sealed', verdict: 'meets', coverage: 0.9, source: 'sealed' })
    expect(t.rounds[0].rate).toBeCloseTo(17 / 18, 10)
    expect(t.rounds[1]).toMatchObject({ status: 'open', coverage: 0.5, rate: null, verdict: null, source: 'live' })
    expect(t.rounds[2]).toMatchObject({ status: 'draft', rate: null, source: 'none' })
    expect((await app.inject({ method: 'GET', url: `/api/units/${w.province.id}/trend`, headers: w.auth.tinh })).statusCode).toBe(400)
    expect((await app.inject({ method: 'GET', url: `/api/units/${c.commune.id}/trend`, headers: w.auth.khac })).statusCode).toBe(404)
  })
})
