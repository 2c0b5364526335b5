import type { FastifyInstance } from 'fastify'
import { describe, expect, it } from 'vitest'
import { buildTestApp } from '../helpers/build-test-app.js'
import { makeCommune, makeUnit } from '../helpers/factories.js'
import { bulkBallots, createRound, makeWorld, type World } from '../helpers/rounds.js'

type Commune = ReturnType<typeof makeCommune>
type Figures = Record<'households' | 'participated' | 'valid' | 'coverage' | 'rate' | 'verdict' | 'robustness', unknown>

const pick = (t: Figures): Figures => ({
  households: t.households,
  participated: t.participated,
  valid: t.valid,
  coverage: t.coverage,
  rate: t.rate,
  verdict: t.verdict,
  robustness: t.robustness,
})

async function post(app: FastifyInstance, w: World, url: string) {
  const res = await app.inject({ method: 'POST', url, headers: w.auth.tinh, payload: {} })
  expect(res.statusCode).toBe(200)
}

/**
 * A round on the commune with `n` ballots of which `yes` are satisfied overall, left open, closed (and its result
 * read, so disclosed) or sealed.
 */
async function roundWith(app: FastifyInstance, w: World, c: Commune, n: number, yes: number, end: 'open' | 'closed' | 'sealed') {
  const r = await createRound(app, w, { communeId: c.commune.id }, w.auth.tinh)
  await post(app, w, `/api/rounds/${r.id}/open`)
  await bulkBallots(app, app.db, r.id, c.households, n, yes)
  if (end !== 'open') await post(app, w, `/api/rounds/${r.id}/close`)
  if (end === 'closed') await tallyOf(app, w, r.id)
  if (end === 'sealed') await post(app, w, `/api/rounds/${r.id}/seal`)
  return r
}

/** The figures a round's own screen gives: its tally once closed; while open, its coverage and nothing else. */
async function tallyOf(app: FastifyInstance, w: World, roundId: string): Promise<Figures> {
  const res = await app.inject({ method: 'GET', url: `/api/rounds/${roundId}/tally`, headers: w.auth.tinh })
  if (res.statusCode === 409) {
    expect(res.json().error.code).toBe('results_not_disclosed')
    const cov = await app.inject({ method: 'GET', url: `/api/rounds/${roundId}/coverage`, headers: w.auth.tinh })
    expect(cov.statusCode).toBe(200)
    const c = cov.json().commune
    return {
      households: c.households,
      participated: c.participated,
      valid: null,
      coverage: c.coverage,
      rate: null,
      verdict: null,
      robustness: null,
    }
  }
  expect(res.statusCode).toBe(200)
  return pick(res.json().commune)
}

describe('GET /api/units/:id/overview figures', () => {
  it('gives every commune the same coverage, rate, verdict and robustness as its own tally (open: coverage only), open, closed or sealed', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    const district = makeUnit(db, { kind: 'district', name: 'Huyện Cũ', parentId: w.province.id })
    const communes = [
      makeCommune(db, { province: w.province, name: 'Ấp Ba Làng', code: 'A3', villages: 3, perVillage: 10 }),
      makeCommune(db, { province: w.province, name: 'Bến Đò', code: 'BD', villages: 2, perVillage: 8 }),
      makeCommune(db, { province: w.province, name: 'Cà Mau Mới', code: 'CM', villages: 1, perVillage: 10 }),
      makeCommune(db, { province: w.province, name: 'Dạ Lý', code: 'DL', villages: 2, perVillage: 5 }),
      makeCommune(db, { province: district, name: 'Đất Mũi', code: 'DM', villages: 4, perVillage: 5 }),
    ]
    const plan: [number, number, 'open' | 'closed' | 'sealed'][] = [
      [25, 20, 'open'],
      [14, 14, 'open'],
      [9, 8, 'closed'],
      [10, 9, 'sealed'],
      [19, 18, 'open'],
    ]
    const roundIds = new Map<string, string>()
    for (const [i, c] of communes.entries()) {
      const [n, yes, end] = plan[i] as (typeof plan)[number]
      roundIds.set(c.commune.id, (await roundWith(app, w, c, n, yes, end)).id)
    }

    const res = await app.inject({ method: 'GET', url: `/api/units/${w.province.id}/overview`, headers: w.auth.tinh })
    expect(res.statusCode).toBe(200)
    const items: { communeId: string; round: (Figures & { id: string; status: string; source: string }) | null }[] = res.json().items
    // the five communes above plus the world's own commune (no round), never the other province's
    expect(items).toHaveLength(6)
    for (const c of communes) {
      const item = items.find((i) => i.communeId === c.commune.id)
      const roundId = roundIds.get(c.commune.id) as string
      expect(item?.round?.id).toBe(roundId)
      expect(pick(item?.round as Figures)).toEqual(await tallyOf(app, w, roundId))
    }
    const byStatus = items.flatMap((i) => (i.round ? [[i.round.status, i.round.source]] : []))
    expect(byStatus.sort()).toEqual([
      ['closed', 'live'],
      ['open', 'live'],
      ['open', 'live'],
      ['open', 'live'],
      ['sealed', 'sealed'],
    ])
    // hand-checked: 25 of 30 households took part (open: no rate); 8 of 9 satisfied in the closed one
    const first = items.find((i) => i.communeId === communes[0]?.commune.id)?.round
    expect(first).toMatchObject({ households: 30, participated: 25, valid: null, rate: null })
    expect(first?.coverage).toBeCloseTo(25 / 30, 10)
    const closed = items.find((i) => i.communeId === communes[2]?.commune.id)?.round
    expect(closed).toMatchObject({ households: 10, participated: 9, valid: 9 })
    expect(closed?.rate).toBeCloseTo(8 / 9, 10)

    // a newer round replaces the sealed one in the overview, whatever its status
    const sealedCommune = communes[3] as Commune
    const draft = await createRound(app, w, { communeId: sealedCommune.commune.id, level: 'xa_ntm_nang_cao' }, w.auth.tinh)
    const again = (await app.inject({ method: 'GET', url: `/api/units/${w.province.id}/overview`, headers: w.auth.tinh })).json()
    const latest = again.items.find((i: { communeId: string }) => i.communeId === sealedCommune.commune.id).round
    expect(latest).toMatchObject({ id: draft.id, status: 'draft', source: 'none', rate: null })
  })
})

describe('GET /api/units/:communeId/trend figures', () => {
  it('gives every round of the commune the same figures as its own tally, in one answer', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    const c = makeCommune(db, { province: w.province, name: 'Tân Lộc', code: 'TL', villages: 3, perVillage: 10 })
    const sealed = await roundWith(app, w, c, 28, 26, 'sealed')
    const closed = await roundWith(app, w, c, 12, 7, 'closed')
    const open = await roundWith(app, w, c, 20, 19, 'open')
    const t = (await app.inject({ method: 'GET', url: `/api/units/${c.commune.id}/trend`, headers: w.auth.tinh })).json()
    expect(t.rounds.map((r: { id: string }) => r.id).sort()).toEqual([sealed.id, closed.id, open.id].sort())
    for (const r of t.rounds as (Figures & { id: string })[]) expect(pick(r)).toEqual(await tallyOf(app, w, r.id))
  })
})
