import { ballots, invitations, users } from '@app/db'
import { loadConfig } from '@app/server/config.ts'
import { histogramMedian, twoProportionZ } from '@app/server/modules/integrity/signals/stats.ts'
import type { IntegritySignal } from '@app/shared'
import { SIGNAL_KEYS } from '@app/shared'
import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from '../helpers/build-test-app.js'
import { allSatisfied, makeWorld, openRoundWithLinks, overallNo, type World } from '../helpers/rounds.js'

type Answers = Record<string, { satisfied: boolean; reason?: string }>
const mixedYes: Answers = { q1: { satisfied: false, reason: 'Đường hẹp' }, q2: { satisfied: true }, q9: { satisfied: true } }
const allNo: Answers = {
  q1: { satisfied: false, reason: 'a' },
  q2: { satisfied: false, reason: 'b' },
  q9: { satisfied: false, reason: 'c' },
}

interface Cast {
  channel?: 'link' | 'paper' | 'meeting'
  answers?: Answers
  seconds?: number | null
  fp?: string | null
  enteredBy?: string | null
}

/** Count ballots through the ballot service (same transaction code as the API) with chosen paradata. */
async function cast(t: TestApp, roundId: string, hhs: { id: string; villageId: string }[], specs: Cast[]) {
  const round = await t.app.services.rounds.findById(roundId)
  if (!round) throw new Error('no round')
  if (specs.length > hhs.length) throw new Error('not enough households')
  await t.app.db.transaction(async (tx) => {
    // one after another, each awaited: on PostgreSQL recordBallot is asynchronous, and a dropped call would run
    // after the transaction ended (or never)
    for (const [i, s] of specs.entries()) {
      const h = hhs[i] as { id: string; villageId: string }
      const channel = s.channel ?? 'link'
      await t.app.services.ballots.recordBallot(tx, {
        round,
        householdId: h.id,
        villageId: h.villageId,
        channel,
        answers: s.answers ?? allSatisfied,
        comment: null,
        clientKey: null,
        contentHash: 'test',
        secondsToComplete: s.seconds ?? (channel === 'link' ? 240 : null),
        fingerprint: s.fp ?? (channel === 'link' ? `fp${i % 12}` : null),
        enteredBy: s.enteredBy ?? null,
      })
    }
  })
}

const userId = (t: TestApp, username: string) => (t.db.select().from(users).where(eq(users.username, username)).get() as { id: string }).id
const of = (w: World, village: 0 | 1) => w.households.filter((h) => h.villageId === w.villages[village]?.id)

async function signals(t: TestApp, w: World, roundId: string, who: keyof World['auth'] = 'tinh'): Promise<IntegritySignal[]> {
  const res = await t.app.inject({ method: 'GET', url: `/api/rounds/${roundId}/integrity`, headers: w.auth[who] })
  expect(res.statusCode, res.body).toBe(200)
  return res.json().signals
}
/**
 * The signals once the round's results are disclosed: closed, and its tally read. Signals built on answers are
 * kept back until then (TRUST.md §2.2).
 */
async function disclosedSignals(t: TestApp, w: World, roundId: string): Promise<IntegritySignal[]> {
  const close = await t.app.inject({ method: 'POST', url: `/api/rounds/${roundId}/close`, headers: w.auth.xa, payload: {} })
  expect(close.statusCode, close.body).toBe(200)
  expect((await t.app.inject({ method: 'GET', url: `/api/rounds/${roundId}/tally`, headers: w.auth.xa })).statusCode).toBe(200)
  return signals(t, w, roundId)
}
const triggered = (s: IntegritySignal[], key: string) => s.filter((x) => x.key === key && x.triggered)

/** A pattern of answers with 70 % straight "all satisfied", 20 % mixed, 10 % overall no: the same in every village. */
const honest = (i: number): Answers => (i % 10 < 7 ? allSatisfied : i % 10 < 9 ? mixedYes : overallNo)

async function world(perVillage = 70) {
  const t = await buildTestApp()
  const w = await makeWorld(t.app, t.db, { perVillage })
  const { round, tokens, links } = await openRoundWithLinks(t.app, w)
  return { t, w, round, tokens, links }
}

describe('integrity signal statistics', () => {
  it('takes the median of a histogram and a pooled two-proportion z', () => {
    expect(
      histogramMedian([
        { value: 10, n: 1 },
        { value: 30, n: 1 },
        { value: 20, n: 1 },
      ]),
    ).toBe(20)
    expect(
      histogramMedian([
        { value: 10, n: 2 },
        { value: 40, n: 2 },
      ]),
    ).toBe(25)
    expect(histogramMedian([])).toBeNull()
    expect(twoProportionZ(30, 30, 15, 30)).toBeCloseTo(4.47, 2)
    expect(twoProportionZ(5, 5, 5, 5)).toBe(0)
  })
})

describe('GET /api/rounds/:id/integrity', () => {
  it('shows every signal, none triggered, on an honest-looking round', async () => {
    const { t, w, round } = await world()
    const thuky = userId(t, 'thuky')
    const xa = userId(t, 'xa')
    for (const v of [0, 1] as const) {
      const hh = of(w, v)
      // day 1: 20 link ballots, seconds 180–370, 10 devices
      await cast(
        t,
        round.id,
        hh.slice(0, 20),
        Array.from({ length: 20 }, (_, i) => ({ answers: honest(i), seconds: 180 + i * 10, fp: `fp${v}-${i % 10}` })),
      )
      t.clock.advance(24 * 3600_000)
      // day 2: 20 paper ballots keyed by two people
      await cast(
        t,
        round.id,
        hh.slice(20, 40),
        Array.from({ length: 20 }, (_, i) => ({ channel: 'paper', answers: honest(i), enteredBy: i % 2 ? thuky : xa })),
      )
      t.clock.advance(-24 * 3600_000)
    }
    // while open, the signals built on answers are kept back; the others are live
    const live = await t.app.inject({ method: 'GET', url: `/api/rounds/${round.id}/integrity`, headers: w.auth.tinh })
    expect(live.json().withheld.sort()).toEqual([
      'collector_vs_link',
      'invalidations_dissatisfied',
      'perfect_village_one_day',
      'straight_lining',
    ])
    expect(new Set(live.json().signals.map((x: IntegritySignal) => x.key))).toEqual(
      new Set(['fast_completion', 'shared_device', 'collector_day_burst', 'link_open_burst']),
    )
    const s = await disclosedSignals(t, w, round.id)
    expect(new Set(s.map((x) => x.key))).toEqual(new Set(SIGNAL_KEYS))
    expect(s.filter((x) => x.triggered)).toEqual([])
    for (const x of s) {
      expect(x.rule.length).toBeGreaterThan(10)
      expect(x.explanation.length).toBeGreaterThan(10)
      expect(typeof x.threshold).toBe('number')
    }
  })

  it('flags very fast completions in the village where many link ballots are far below the round median', async () => {
    const { t, w, round } = await world()
    await cast(
      t,
      round.id,
      of(w, 0).slice(0, 20),
      Array.from({ length: 20 }, () => ({ seconds: 300 })),
    )
    await cast(
      t,
      round.id,
      of(w, 1).slice(0, 20),
      Array.from({ length: 20 }, (_, i) => ({ seconds: i < 8 ? 20 : 300 })),
    )
    const fast = triggered(await signals(t, w, round.id), 'fast_completion')
    expect(fast).toHaveLength(1)
    expect(fast[0]).toMatchObject({ scope: 'village', unitId: w.villages[1]?.id, value: 0.4, threshold: 0.15, n: 20 })
    expect(fast[0]?.explanation).toContain('Ấp 2')
  })

  it('flags straight-lining in a village that stands out from the rest of the commune, not the common all-satisfied pattern', async () => {
    const { t, w, round } = await world()
    await cast(
      t,
      round.id,
      of(w, 0).slice(0, 30),
      Array.from({ length: 30 }, () => ({ answers: allSatisfied })),
    )
    await cast(
      t,
      round.id,
      of(w, 1).slice(0, 30),
      Array.from({ length: 30 }, (_, i) => ({ answers: i < 12 ? allSatisfied : mixedYes })),
    )
    const sl = triggered(await disclosedSignals(t, w, round.id), 'straight_lining')
    expect(sl).toHaveLength(1)
    expect(sl[0]).toMatchObject({ scope: 'village', unitId: w.villages[0]?.id, value: 0.6 })

    // both villages 95 % all satisfied: the honest common pattern, no flag
    const other = await world()
    for (const v of [0, 1] as const)
      await cast(
        other.t,
        other.round.id,
        of(other.w, v).slice(0, 40),
        Array.from({ length: 40 }, (_, i) => ({ answers: i < 38 ? allSatisfied : allNo })),
      )
    expect(triggered(await disclosedSignals(other.t, other.w, other.round.id), 'straight_lining')).toEqual([])
  })

  it('flags many link ballots behind one device fingerprint, not many devices', async () => {
    const { t, w, round } = await world()
    await cast(
      t,
      round.id,
      of(w, 0).slice(0, 40),
      Array.from({ length: 40 }, (_, i) => ({ fp: i < 20 ? 'same-device' : `d${i}` })),
    )
    const dev = triggered(await signals(t, w, round.id), 'shared_device')
    expect(dev).toHaveLength(1)
    expect(dev[0]).toMatchObject({ scope: 'round', value: 0.5, n: 20, threshold: 0.25 })

    const other = await world()
    await cast(
      other.t,
      other.round.id,
      of(other.w, 0).slice(0, 40),
      Array.from({ length: 40 }, (_, i) => ({ fp: `d${i % 10}` })),
    )
    expect(triggered(await signals(other.t, other.w, other.round.id), 'shared_device')).toEqual([])
  })

  it('flags one person keying many paper ballots on one day, not the same number over several days', async () => {
    const { t, w, round } = await world()
    const thuky = userId(t, 'thuky')
    await cast(
      t,
      round.id,
      w.households.slice(0, 60),
      Array.from({ length: 60 }, () => ({ channel: 'paper', enteredBy: thuky })),
    )
    const b = triggered(await signals(t, w, round.id), 'collector_day_burst')
    expect(b).toHaveLength(1)
    expect(b[0]).toMatchObject({ scope: 'collector', unitId: thuky, value: 60, threshold: 60 })
    expect(b[0]?.label).toContain('thuky')

    const other = await world()
    const k = userId(other.t, 'thuky')
    await cast(
      other.t,
      other.round.id,
      other.w.households.slice(0, 30),
      Array.from({ length: 30 }, () => ({ channel: 'paper', enteredBy: k })),
    )
    other.t.clock.advance(24 * 3600_000)
    await cast(
      other.t,
      other.round.id,
      other.w.households.slice(30, 60),
      Array.from({ length: 30 }, () => ({ channel: 'paper', enteredBy: k })),
    )
    expect(triggered(await signals(other.t, other.w, other.round.id), 'collector_day_burst')).toEqual([])
  })

  it('flags many links of a village first opened within minutes, right after staff activity; not openings spread over the day', async () => {
    const { t, w, round, links, tokens } = await world()
    const v0 = w.villages[0]?.id
    const idx = links.map((l, i) => (l.villageId === v0 ? i : -1)).filter((i) => i >= 0)
    t.clock.advance(5 * 60_000) // 08:05, links were issued (audited) at 08:00
    for (const i of idx.slice(0, 15)) {
      const res = await t.app.inject({ method: 'GET', url: `/api/ballots/${tokens[i]}` })
      expect(res.statusCode).toBe(200)
    }
    const b = triggered(await signals(t, w, round.id), 'link_open_burst')
    expect(b).toHaveLength(1)
    expect(b[0]).toMatchObject({ scope: 'village', unitId: v0, value: 15 })
    expect(b[0]?.explanation).toContain('thao tác của tài khoản cán bộ')

    const other = await world()
    const o0 = other.w.villages[0]?.id
    const oidx = other.links.map((l, i) => (l.villageId === o0 ? i : -1)).filter((i) => i >= 0)
    for (const i of oidx.slice(0, 15)) {
      other.t.clock.advance(17 * 60_000)
      await other.t.app.inject({ method: 'GET', url: `/api/ballots/${other.tokens[i]}` })
    }
    expect(
      other.t.db
        .select()
        .from(invitations)
        .all()
        .filter((r) => r.firstOpenedAt).length,
    ).toBe(15)
    expect(triggered(await signals(other.t, other.w, other.round.id), 'link_open_burst')).toEqual([])
  })

  it("flags a collector's paper entries that differ sharply from the village's link ballots, not a small difference", async () => {
    const { t, w, round } = await world()
    const thuky = userId(t, 'thuky')
    const hh = of(w, 0)
    await cast(
      t,
      round.id,
      hh.slice(0, 30),
      Array.from({ length: 30 }, (_, i) => ({ answers: i < 15 ? allSatisfied : overallNo })),
    )
    await cast(
      t,
      round.id,
      hh.slice(30, 60),
      Array.from({ length: 30 }, () => ({ channel: 'paper', enteredBy: thuky })),
    )
    const c = triggered(await disclosedSignals(t, w, round.id), 'collector_vs_link')
    expect(c).toHaveLength(1)
    expect(c[0]).toMatchObject({ scope: 'collector', unitId: thuky, value: 0.5, n: 30 })
    expect(c[0]?.label).toBe('thuky — Ấp 1')

    const other = await world()
    const k = userId(other.t, 'thuky')
    const oh = of(other.w, 0)
    await cast(
      other.t,
      other.round.id,
      oh.slice(0, 30),
      Array.from({ length: 30 }, (_, i) => ({ answers: i < 24 ? allSatisfied : overallNo })),
    )
    await cast(
      other.t,
      other.round.id,
      oh.slice(30, 60),
      Array.from({ length: 30 }, (_, i) => ({ channel: 'paper', enteredBy: k, answers: i < 26 ? allSatisfied : overallNo })),
    )
    expect(triggered(await disclosedSignals(other.t, other.w, other.round.id), 'collector_vs_link')).toEqual([])
  })

  it('flags a village at exactly 100 % with high coverage reached in a single day, not the same over two days', async () => {
    const { t, w, round } = await world(25)
    await cast(
      t,
      round.id,
      of(w, 0),
      Array.from({ length: 25 }, (_, i) => ({
        channel: 'meeting' as const,
        enteredBy: userId(t, 'xa'),
        fp: null,
        seconds: null,
        answers: allSatisfied,
        i,
      })),
    )
    const p = triggered(await disclosedSignals(t, w, round.id), 'perfect_village_one_day')
    expect(p).toHaveLength(1)
    expect(p[0]).toMatchObject({ scope: 'village', unitId: w.villages[0]?.id, value: 1, n: 25 })

    const other = await world(25)
    await cast(
      other.t,
      other.round.id,
      of(other.w, 0).slice(0, 12),
      Array.from({ length: 12 }, () => ({})),
    )
    other.t.clock.advance(24 * 3600_000)
    await cast(
      other.t,
      other.round.id,
      of(other.w, 0).slice(12),
      Array.from({ length: 13 }, () => ({})),
    )
    expect(triggered(await disclosedSignals(other.t, other.w, other.round.id), 'perfect_village_one_day')).toEqual([])
  })

  it('flags invalidations concentrated on dissatisfied ballots, not invalidations of satisfied ones', async () => {
    const run = async (pick: (b: { overallSatisfied: boolean }) => boolean) => {
      const { t, w, round } = await world()
      await cast(
        t,
        round.id,
        of(w, 0).slice(0, 40),
        Array.from({ length: 40 }, (_, i) => ({ answers: i < 36 ? allSatisfied : overallNo })),
      )
      const rows = t.db.select().from(ballots).where(eq(ballots.roundId, round.id)).all()
      const targets = [...rows.filter(pick)].slice(0, 5)
      if (targets.length < 5) targets.push(...rows.filter((b) => !pick(b)).slice(0, 5 - targets.length))
      for (const b of targets) {
        const res = await t.app.inject({
          method: 'POST',
          url: `/api/rounds/${round.id}/ballots/${b.id}/invalidate`,
          headers: w.auth.tinh,
          payload: { reasonCode: 'entry_error' },
        })
        expect(res.statusCode, res.body).toBe(200)
      }
      return triggered(await disclosedSignals(t, w, round.id), 'invalidations_dissatisfied')
    }
    const flagged = await run((b) => !b.overallSatisfied)
    expect(flagged).toHaveLength(1)
    expect(flagged[0]).toMatchObject({ scope: 'round', value: 0.8, n: 5 })
    expect(await run((b) => b.overallSatisfied)).toEqual([])
  })

  it('takes thresholds from INTEGRITY_JSON and refuses an unknown key, naming INTEGRITY_JSON', async () => {
    const t = await buildTestApp({ env: { INTEGRITY_JSON: JSON.stringify({ bursts: { paperPerCollectorDay: 10 } }) } })
    const w = await makeWorld(t.app, t.db, { perVillage: 20 })
    const { round } = await openRoundWithLinks(t.app, w)
    await cast(
      t,
      round.id,
      w.households.slice(0, 12),
      Array.from({ length: 12 }, () => ({ channel: 'paper', enteredBy: userId(t, 'thuky') })),
    )
    expect(triggered(await signals(t, w, round.id), 'collector_day_burst')[0]).toMatchObject({ value: 12, threshold: 10 })
    expect(t.app.config.integrity.fastCompletion.ratioOfMedian).toBe(0.25)
    expect(() => loadConfig({ INTEGRITY_JSON: '{"bursts":{"paperPerCollectorDay":0}}' })).toThrow(
      /INTEGRITY_JSON\.bursts\.paperPerCollectorDay/,
    )
    expect(() => loadConfig({ INTEGRITY_JSON: '{"nope":{}}' })).toThrow(/INTEGRITY_JSON/)
    expect(() => loadConfig({ INTEGRITY_JSON: '{' })).toThrow(/INTEGRITY_JSON: not valid JSON/)
  })

  it('is shown to province Front staff and admin; council and the commune itself only once sealed; 404 to others', async () => {
    const { t, w, round } = await world(10)
    const get = (who: keyof World['auth']) =>
      t.app.inject({ method: 'GET', url: `/api/rounds/${round.id}/integrity`, headers: w.auth[who] })
    expect((await get('tinh')).statusCode).toBe(200)
    expect((await get('admin')).statusCode).toBe(200)
    const xa = await get('xa')
    expect(xa.statusCode).toBe(403)
    expect(xa.json().error.code).toBe('forbidden')
    expect((await get('hoidong')).statusCode).toBe(403)
    expect((await get('khac')).statusCode).toBe(404)
    expect((await get('thuky')).statusCode).toBe(404)
    expect((await t.app.inject({ method: 'GET', url: `/api/rounds/${round.id}/integrity` })).statusCode).toBe(401)
    await cast(
      t,
      round.id,
      w.households.slice(0, 6),
      Array.from({ length: 6 }, () => ({})),
    )
    expect((await t.app.inject({ method: 'POST', url: `/api/rounds/${round.id}/close`, headers: w.auth.xa, payload: {} })).statusCode).toBe(
      200,
    )
    expect((await get('xa')).statusCode).toBe(403)
    expect((await t.app.inject({ method: 'POST', url: `/api/rounds/${round.id}/seal`, headers: w.auth.xa, payload: {} })).statusCode).toBe(
      200,
    )
    expect((await get('xa')).statusCode).toBe(200)
    expect((await get('hoidong')).statusCode).toBe(200)
    expect((await get('khac')).statusCode).toBe(404)
  })
})
