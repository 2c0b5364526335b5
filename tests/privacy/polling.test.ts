/**
 * The staff polling attack (TRUST.md §2.2, §3.1): the commune's own Front staff — and the province staff, the
 * council, the collector and an admin in scope — poll every GET route of the API (walked from the real route
 * table, so a new route is covered the day it lands) every ~300 ms over real HTTP while ten residents answer one
 * by one, with batches small enough to land while the round is open. From everything they were served while the
 * round was open, no answer may be inferred: apart from coverage (who has taken part, by village and channel),
 * no response of the open round may change at all, and none may carry a resident's words. After close the
 * results are there, and the first read of them is recorded as the disclosure.
 */
import { ballots } from '@app/db'
import { describe, expect, it, vi } from 'vitest'
import { buildTestApp } from '../helpers/build-test-app.js'
import { makeWorld } from '../helpers/rounds.js'
import { routeTable } from '../security/helpers/route-table.js'

vi.mock('fastify', async (orig) => (await import('../security/helpers/route-table.js')).recordRoutes(orig))

const POLL_MS = 300
const RESIDENTS = 10

/**
 * What may change while a round is open: coverage, i.e. who has taken part, per village and channel
 * (TRUST.md §2.2), and a coverage verdict (a village meeting its participation floor or not).
 */
const COVERAGE_KEYS = new Set(['participated', 'coverage', 'byChannel'])
const COVERAGE_VERDICTS = new Set(['meets_coverage', 'insufficient_coverage'])
/** Integrity signals that read no answer (times, devices, who keyed what): the province may watch them live. */
const PARADATA_SIGNALS = new Set(['fast_completion', 'shared_device', 'collector_day_burst', 'link_open_burst'])
/**
 * Routes whose whole content is participation: which households took part (the list collectors work from) and
 * the messaging queue (reminders stop once a household has taken part). Checked for residents' words all the same.
 */
const COVERAGE_ROUTES = new Set(['GET /api/rounds/:id/households', 'GET /api/rounds/:id/messaging'])
/** Values made fresh for every request, whatever the round does (the Zalo re-consent link carries a new PKCE state). */
const FRESH_KEYS = new Set(['reconsentUrl'])
/** Parameters only a resident holds (the link token, the receipt): staff cannot fill them. */
const RESIDENT_SECRETS = new Set(['token', 'receipt'])

function mask(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(mask)
  if (v === null || typeof v !== 'object') return v
  const o = v as Record<string, unknown>
  if (typeof o.key === 'string' && PARADATA_SIGNALS.has(o.key) && 'triggered' in o) return { key: o.key, paradata: '~' }
  const out: Record<string, unknown> = {}
  for (const [k, x] of Object.entries(o)) {
    if (COVERAGE_KEYS.has(k)) out[k] = '~'
    else if (FRESH_KEYS.has(k)) out[k] = '~fresh'
    else if (k === 'verdict' && typeof x === 'string' && COVERAGE_VERDICTS.has(x)) out[k] = '~coverage'
    else out[k] = mask(x)
  }
  return out
}

interface Sample {
  status: number
  body: string
}

describe('staff polling an open round', () => {
  it('learns coverage only: no figure, reason, comment, rate, verdict or answer-based signal changes until close', async () => {
    // on either engine (TEST_ENGINE=postgres: a PostgreSQL database, as several instances would share)
    const { app, db } = await buildTestApp({
      // batches of MIX_MIN_BATCH = 1: ballots land (two pending → one lands, one kept back) while the round is open
      env: { MIX_MIN_BATCH: '1', LANDING_INTERVAL_MS: '50', LINK_RATE_LIMIT_PER_MIN: '1000000' },
      now: '2025-06-01T08:00:00Z',
    })
    const address = await app.listen({ port: 0, host: '127.0.0.1' })
    const routes = routeTable(app).filter((r) => r.method === 'GET')

    const w = await makeWorld(app, db, { perVillage: 10 })
    const http = async (method: string, path: string, headers: Record<string, string> = {}, body?: unknown) => {
      const res = await fetch(address + path, {
        method,
        headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      })
      return { status: res.status, body: await res.text() }
    }
    const must = async (method: string, path: string, headers: Record<string, string>, body?: unknown) => {
      const res = await http(method, path, headers, body)
      if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${res.body}`)
      return JSON.parse(res.body)
    }

    const round = await must('POST', '/api/rounds', w.auth.xa, {
      communeId: w.commune.id,
      level: 'xa_ntm',
      templateId: w.template.id,
      opensAt: '2025-06-01T00:00:00Z',
      closesAt: '2025-06-15T00:00:00Z',
    })
    const villageA = w.villages[0]?.id as string
    await must('PUT', `/api/rounds/${round.id}/collectors/${w.collector.id}`, w.auth.xa, { villageIds: w.villages.map((v) => v.id) })
    await must('POST', `/api/rounds/${round.id}/open`, w.auth.xa)
    const inv = await must('POST', `/api/rounds/${round.id}/invitations`, w.auth.xa, { channel: 'print' })
    const links = (inv.links as { villageId: string; url: string }[]).filter((l) => l.villageId === villageA).slice(0, RESIDENTS)
    expect(links).toHaveLength(RESIDENTS)

    // every GET route, its path parameters filled with this round, its commune and its village
    const fill: Record<string, string[]> = {
      roundId: [round.id],
      communeId: [w.commune.id],
      villageId: [villageA],
      userId: [w.collector.id],
    }
    const idsFor = (url: string): string[] => {
      if (url.startsWith('/api/rounds/') || url.startsWith('/api/public/rounds/')) return [round.id]
      if (url.startsWith('/api/units/')) return [w.commune.id, w.province.id, villageA]
      if (url.startsWith('/api/questionnaire-templates/')) return [w.template.id]
      return [round.id]
    }
    const queries: Record<string, string[]> = {
      'GET /api/rounds/:id/households': [
        `?villageId=${villageA}`,
        `?villageId=${villageA}&status=done`,
        `?villageId=${villageA}&status=pending`,
      ],
      'GET /api/rounds/:id/feedback': ['', '?kind=comment', '?kind=reason'],
      'GET /api/rounds': ['', `?communeId=${w.commune.id}`, '?status=open'],
    }
    const targets: { key: string; url: string }[] = []
    const skipped: string[] = []
    for (const r of routes) {
      if (r.params.some((p) => RESIDENT_SECRETS.has(p))) {
        skipped.push(r.key)
        continue
      }
      let urls = [r.url.replace(/\*$/, 'x')]
      for (const p of r.params) {
        const values = p === 'id' ? idsFor(r.url) : fill[p]
        if (!values) throw new Error(`no filler for :${p} in ${r.key}: add one to tests/privacy/polling.test.ts`)
        urls = urls.flatMap((u) => values.map((v) => u.replace(`:${p}`, v)))
      }
      for (const u of urls) for (const q of queries[r.key] ?? ['']) targets.push({ key: r.key, url: u + q })
    }
    expect(skipped.sort()).toEqual(['GET /api/ballots/:token', 'GET /api/receipts/:receipt', 'GET /r/:token'])
    expect(targets.length).toBeGreaterThan(40)

    const actors: Record<string, Record<string, string>> = {
      communeStaff: w.auth.xa,
      provinceStaff: w.auth.tinh,
      council: w.auth.hoidong,
      collector: w.auth.thuky,
      admin: w.auth.admin,
    }
    const samples = new Map<string, Sample[]>()
    let polling = true
    // sweeps each actor finished: a slow server (PostgreSQL under load) must not leave the attack with one sample
    const sweeps = new Map<string, number>()
    const sweepsAfter = async (n: (name: string) => number) => {
      while (Object.keys(actors).some((name) => (sweeps.get(name) ?? 0) < n(name))) await new Promise((r) => setTimeout(r, 50))
    }
    const pollAs = async (name: string, headers: Record<string, string>) => {
      while (polling) {
        const started = Date.now()
        for (const t of targets) {
          const res = await http('GET', t.url, headers)
          const k = `${name} ${t.key} ${t.url}`
          const list = samples.get(k) ?? []
          list.push(res)
          samples.set(k, list)
        }
        sweeps.set(name, (sweeps.get(name) ?? 0) + 1)
        await new Promise((r) => setTimeout(r, Math.max(0, POLL_MS - (Date.now() - started))))
      }
    }
    const pollers = Object.entries(actors).map(([name, h]) => pollAs(name, h))
    // every actor has seen the round before anyone answers
    await sweepsAfter(() => 1)

    // ten residents answer one by one, each with a different mind and words of their own
    const words: string[] = []
    try {
      for (const [i, link] of links.entries()) {
        const token = link.url.split('/r/')[1] as string
        const happy = i % 3 !== 1
        const reason = `Lý do riêng của hộ số ${i} ở ấp`
        const comment = `Góp ý riêng của hộ số ${i}`
        words.push(reason, comment)
        const answers = {
          q1: i % 2 === 0 ? { satisfied: true } : { satisfied: false, reason },
          q2: i % 4 === 3 ? { satisfied: false, reason: `${reason} (môi trường)` } : { satisfied: true },
          q9: happy ? { satisfied: true } : { satisfied: false, reason },
        }
        const res = await http('POST', `/api/ballots/${token}`, {}, { answers, comment })
        expect(res.status, res.body).toBe(201)
        await new Promise((r) => setTimeout(r, POLL_MS + 100))
      }
      await new Promise((r) => setTimeout(r, 4 * POLL_MS))
      // and every actor sweeps again, whole, after the last answer
      const done = new Map(sweeps)
      await sweepsAfter((name) => (done.get(name) ?? 0) + 2)
    } finally {
      polling = false
      await Promise.all(pollers)
    }

    // the attack had something to see: ballots landed while the round was open, coverage moved
    const landedWhileOpen = db.select().from(ballots).all().length
    expect(landedWhileOpen).toBeGreaterThan(0)

    const leaks: string[] = []
    let coverageMoved = false
    for (const [k, list] of samples) {
      const [, method, path] = k.split(' ')
      const routeKey = `${method} ${path}`
      const statuses = new Set(list.map((s) => s.status))
      if (statuses.size > 1) leaks.push(`${k}: status changed ${[...statuses].join(' → ')}`)
      for (const s of list) {
        const said = words.find((t) => s.body.includes(t))
        if (said) {
          leaks.push(`${k}: served a resident's words "${said}"`)
          break
        }
      }
      if (list.some((s) => s.body !== list[0]?.body)) coverageMoved = true
      if (COVERAGE_ROUTES.has(routeKey)) continue
      const shapes = new Set(
        list.map((s) => {
          try {
            return JSON.stringify(mask(JSON.parse(s.body)))
          } catch {
            return s.body
          }
        }),
      )
      if (shapes.size > 1) {
        const [a, b] = [...shapes]
        leaks.push(`${k}: changed beyond coverage (${shapes.size} versions), e.g.\n    ${a?.slice(0, 300)}\n    ${b?.slice(0, 300)}`)
      }
    }
    expect(leaks, leaks.join('\n')).toEqual([])
    expect(coverageMoved).toBe(true)
    // the commune's staff kept a live view of coverage throughout
    const live = [...samples.entries()].filter(([k, l]) => k.startsWith('communeStaff ') && l.some((s) => s.status === 200))
    expect(live.length).toBeGreaterThan(10)

    // after close the results are there, and the first read of them is the recorded disclosure
    await must('POST', `/api/rounds/${round.id}/close`, w.auth.xa, {})
    const before = await must('GET', `/api/rounds/${round.id}`, w.auth.xa)
    expect(before.disclosedAt).toBeNull()
    const tally = await must('GET', `/api/rounds/${round.id}/tally`, w.auth.xa)
    expect(tally.commune.valid).toBe(RESIDENTS)
    const after = await must('GET', `/api/rounds/${round.id}`, w.auth.xa)
    expect(after.disclosedAt).toEqual(expect.any(String))
  }, 120_000)
})
