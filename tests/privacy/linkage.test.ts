/**
 * TRUST.md §3.1, the database holder (actor D): residents of two villages open their links and answer with
 * realistic, overlapping timing while staff key paper and meeting ballots; a copy of the real server's SQLite
 * file and WAL is taken mid-round and again at close. From the copy alone, every ordering of a household-side
 * table is paired with every ordering of a ballot-side one, open times are joined with durations, and the
 * mid-round copy is searched for any readable answer. Over 20 simulated rounds the mean correct-link rate must
 * stay under 1.5 / k for batches of k.
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createDb, type Db, migrateDb } from '@app/db'
import { buildApp } from '@app/server'
import { fixedClock } from '@app/server/lib/clock.ts'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loginAs } from '../helpers/build-test-app.js'
import { makeCommune, makeUser } from '../helpers/factories.js'
import { makeTemplate } from '../helpers/rounds.js'
import { testConfig } from '../helpers/test-config.js'
import { AttackScore, type Copy, implicitOrders, pairByRank, stealCopy } from './linkage-helpers.js'

const ROUNDS = Number(process.env.LINKAGE_ROUNDS ?? 20)
// many small batches: a batch of any size links about one ballot by chance, so more batches, less noise
const PER_VILLAGE = { link: 5, paper: 3, meeting: 3 } as const
type Channel = keyof typeof PER_VILLAGE

let dir: string
let db: Db
let app: FastifyInstance
const clock = fixedClock('2025-06-01T01:00:00Z')
let world: ReturnType<typeof makeCommune>
let templateId: string
let staff: { authorization: string }

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hailong-linkage-'))
  db = createDb(join(dir, 'hailong.db'))
  migrateDb(db)
  app = await buildApp({ config: testConfig({ LINK_RATE_LIMIT_PER_MIN: '1000000' }), db, clock, logger: false })
  await app.ready()
  const perVillage = PER_VILLAGE.link + PER_VILLAGE.paper + PER_VILLAGE.meeting
  world = makeCommune(db, { villages: 4, perVillage })
  templateId = makeTemplate(db).id
  await makeUser(db, { username: 'xa', role: 'front_staff', unitId: world.commune.id })
  staff = await loginAs(app, 'xa')
})

afterAll(async () => {
  await app.close()
  db.$client.close()
  rmSync(dir, { recursive: true, force: true })
})

/** A deterministic stream for the simulated timing (the server's own shuffles use crypto randomness). */
function mulberry32(seed: number) {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

interface Truth {
  /** ballot marker (in the comment) → household id */
  byMarker: Map<string, string>
  /** household → its channel */
  channelOf: Map<string, Channel>
  /** markers of ballots acknowledged before the mid-round copy */
  ackedBeforeCopy: string[]
}

function markerOf(text: string | null): string | undefined {
  return text?.match(/YK[0-9a-f]{12}/)?.[0]
}

function answersFor(rand: () => number) {
  const a = (key: string) =>
    rand() < 0.8 ? { satisfied: true } : { satisfied: false, reason: `Chưa tốt ở mục ${key}, ${Math.floor(rand() * 1000)}` }
  return { q1: a('q1'), q2: a('q2'), q9: a('q9') }
}

type Event = { at: number; run: () => Promise<void> }

/** One round: open, residents answer over a few hours, a copy mid-round, close, a copy at close. */
async function simulateRound(seed: number): Promise<{ roundId: string; truth: Truth; mid: Copy; end: Copy }> {
  const rand = mulberry32(seed)
  const start = clock.now().getTime()
  const created = await app.inject({
    method: 'POST',
    url: '/api/rounds',
    headers: staff,
    payload: {
      communeId: world.commune.id,
      level: 'xa_ntm',
      templateId,
      title: `Đợt ${seed}`,
      opensAt: new Date(start - 3600_000).toISOString(),
      closesAt: new Date(start + 24 * 3600_000).toISOString(),
    },
  })
  expect(created.statusCode, created.body).toBe(201)
  const roundId = created.json().id as string
  expect((await app.inject({ method: 'POST', url: `/api/rounds/${roundId}/open`, headers: staff })).statusCode).toBe(200)
  const issued = await app.inject({
    method: 'POST',
    url: `/api/rounds/${roundId}/invitations`,
    headers: staff,
    payload: { channel: 'print' },
  })
  expect(issued.statusCode, issued.body).toBe(201)
  const tokenOf = new Map<string, string>(
    (issued.json().links as { householdId: string; url: string }[]).map((l) => [l.householdId, l.url.split('/r/')[1] as string]),
  )

  const truth: Truth = { byMarker: new Map(), channelOf: new Map(), ackedBeforeCopy: [] }
  const acked: string[] = []
  const events: Event[] = []
  for (const v of world.villages) {
    const hh = world.households.filter((h) => h.villageId === v.id)
    let i = 0
    for (const channel of ['link', 'paper', 'meeting'] as const) {
      for (let n = 0; n < PER_VILLAGE[channel]; n++) {
        const h = hh[i++]
        if (!h) throw new Error('not enough households')
        truth.channelOf.set(h.id, channel)
        const marker = `YK${randomBytes(6).toString('hex')}`
        truth.byMarker.set(marker, h.id)
        const answers = answersFor(rand)
        const comment = `Ý kiến ${marker}`
        // residents answer over four hours: some alone, many overlapping
        const at = start + Math.floor(rand() * 4 * 3600_000)
        if (channel === 'link') {
          const token = tokenOf.get(h.id) as string
          const duration = 45_000 + Math.floor(rand() * 600_000)
          events.push({
            at,
            run: async () => {
              const res = await app.inject({ method: 'GET', url: `/api/ballots/${token}` })
              expect(res.statusCode, res.body).toBe(200)
            },
          })
          events.push({
            at: at + duration,
            run: async () => {
              const res = await app.inject({
                method: 'POST',
                url: `/api/ballots/${token}`,
                headers: { 'user-agent': 'Mozilla/5.0 (Linux; Android 12) Chrome/120 Mobile' },
                payload: { answers, comment, clientId: `c-${marker}` },
              })
              expect(res.statusCode, res.body).toBe(201)
              acked.push(marker)
            },
          })
        } else {
          events.push({
            at,
            run: async () => {
              const res = await app.inject({
                method: 'POST',
                url: `/api/rounds/${roundId}/paper-ballots`,
                headers: staff,
                payload: { householdId: h.id, channel, answers, comment },
              })
              expect(res.statusCode, res.body).toBe(201)
              acked.push(marker)
            },
          })
        }
      }
    }
  }
  events.sort((a, b) => a.at - b.at)
  let mid: Copy | undefined
  for (const [i, e] of events.entries()) {
    clock.set(new Date(e.at).toISOString())
    await e.run()
    if (i === Math.floor(events.length / 2)) {
      mid = stealCopy(join(dir, 'hailong.db'))
      truth.ackedBeforeCopy = [...acked]
    }
  }
  clock.set(new Date(start + 5 * 3600_000).toISOString())
  const closed = await app.inject({ method: 'POST', url: `/api/rounds/${roundId}/close`, headers: staff, payload: {} })
  expect(closed.statusCode, closed.body).toBe(200)
  const end = stealCopy(join(dir, 'hailong.db'))
  // the next round starts the next day
  clock.set(new Date(start + 24 * 3600_000).toISOString())
  return { roundId, truth, mid: mid as Copy, end }
}

type Row = Record<string, unknown>

/** Every ordering × ordering pairing and every time join, per (village, channel) batch. */
function attack(copy: Copy, roundId: string, truth: Truth, score: AttackScore) {
  const q = copy.db
  const ledgerSeq = new Map(
    (q.prepare('SELECT seq, entry, created_at AS createdAt FROM ledger WHERE round_id = ?').all(roundId) as Row[]).map((r) => {
      const e = JSON.parse(r.entry as string) as { ballotId: string }
      return [e.ballotId, { seq: r.seq as number, createdAt: r.createdAt as string }]
    }),
  )
  for (const v of world.villages) {
    for (const channel of ['link', 'paper', 'meeting'] as const) {
      const where = 'round_id = ? AND village_id = ? AND channel = ?'
      const params = [roundId, v.id, channel]
      // ballot side: each order as the list of true households (what the attacker tries to guess)
      const truthOfBallot = (b: Row) => truth.byMarker.get(markerOf(b.comment as string | null) ?? '') ?? '?'
      const ballotOrders: Record<string, string[]> = {}
      const ballots = implicitOrders<Row>(q, 'ballots', where, params)
      for (const [name, rows] of Object.entries(ballots)) ballotOrders[`ballots.${name}`] = rows.map(truthOfBallot)
      const scan = ballots.scan ?? []
      const bySeq = [...scan].sort((a, b) => (ledgerSeq.get(a.id as string)?.seq ?? 0) - (ledgerSeq.get(b.id as string)?.seq ?? 0))
      ballotOrders['ledger.seq (export order)'] = bySeq.map(truthOfBallot)
      const byLanded = [...scan].sort((a, b) =>
        String(ledgerSeq.get(a.id as string)?.createdAt).localeCompare(String(ledgerSeq.get(b.id as string)?.createdAt)),
      )
      ballotOrders['ledger.created_at'] = byLanded.map(truthOfBallot)
      const markers = new Set(scan.map((b) => markerOf(b.comment as string | null)))
      const feedback = implicitOrders<Row>(q, 'feedback', "round_id = ? AND village_id = ? AND kind = 'comment'", [roundId, v.id])
      for (const [name, rows] of Object.entries(feedback))
        ballotOrders[`feedback.${name}`] = rows
          .filter((f) => markers.has(markerOf(f.text as string)))
          .map((f) => truth.byMarker.get(markerOf(f.text as string) ?? '') ?? '?')

      // household side: who took part in this batch, in every order the file offers
      const householdOrders: Record<string, string[]> = {}
      for (const [name, rows] of Object.entries(implicitOrders<Row>(q, 'participations', where, params)))
        householdOrders[`participations.${name}`] = rows.map((r) => r.household_id as string)
      const inBatch = new Set(householdOrders['participations.scan'])
      const invitations = implicitOrders<Row>(q, 'invitations', 'round_id = ? AND village_id = ?', [roundId, v.id])
      for (const [name, rows] of Object.entries(invitations))
        householdOrders[`invitations.${name}`] = rows
          .filter((r) => inBatch.has(r.household_id as string))
          .map((r) => r.household_id as string)
      const opened = (invitations.scan ?? []).filter((r) => inBatch.has(r.household_id as string) && r.first_opened_at)
      householdOrders['invitations.first_opened_at'] = [...opened]
        .sort((a, b) => String(a.first_opened_at).localeCompare(String(b.first_opened_at)))
        .map((r) => r.household_id as string)

      const k = inBatch.size
      if (k === 0) continue
      for (const [h, hOrder] of Object.entries(householdOrders))
        for (const [b, bOrder] of Object.entries(ballotOrders)) score.add(`${channel}: ${h} × ${b}`, pairByRank(hOrder, bOrder), k)

      // time join: the ballot's landing time minus its duration against each household's first opening
      if (channel === 'link' && opened.length > 0) {
        const openAt = opened.map((r) => ({ h: r.household_id as string, t: Date.parse(String(r.first_opened_at)) }))
        let right = 0
        for (const b of scan) {
          const landed = Date.parse(String(ledgerSeq.get(b.id as string)?.createdAt))
          const secs = Number(b.seconds_to_complete ?? 0)
          const guess = openAt.reduce((best, o) =>
            Math.abs(o.t - (landed - secs * 1000)) < Math.abs(best.t - (landed - secs * 1000)) ? o : best,
          )
          if (guess.h === truthOfBallot(b)) right++
        }
        score.add(`${channel}: first_opened_at + seconds_to_complete ≈ ledger.created_at`, right, k)
      }
    }
  }
}

describe('a database holder cannot link ballots to households (TRUST.md §2.1, §2.3, §3.1)', () => {
  const atClose = new AttackScore()
  const midRound = new AttackScore()
  const readable: string[] = []

  beforeAll(async () => {
    for (let r = 0; r < ROUNDS; r++) {
      const t0 = performance.now()
      const { roundId, truth, mid, end } = await simulateRound(1000 + r)
      const t1 = performance.now()
      attack(mid, roundId, truth, midRound)
      attack(end, roundId, truth, atClose)
      // a mid-round copy (file and WAL bytes, every page, free ones included) holds no readable answer
      for (const m of truth.ackedBeforeCopy) if (mid.bytes.includes(Buffer.from(m))) readable.push(m)
      mid.dispose()
      end.dispose()
      if (process.env.LINKAGE_DEBUG)
        console.log(`round ${r}: simulate ${(t1 - t0).toFixed(0)} ms, attack ${(performance.now() - t1).toFixed(0)} ms`)
    }
  }, 120_000)

  it('every ordering and time join at close links no better than chance within a batch', () => {
    expect(atClose.byAttack.size).toBeGreaterThan(10)
    expect(atClose.broken()).toEqual([])
  })

  it('a copy taken mid-round links no better than chance either', () => {
    expect(midRound.broken()).toEqual([])
  })

  it('a copy taken mid-round shows no pending answer in any byte of the file or the WAL', () => {
    expect(readable.length, `${readable.length} answered comments readable mid-round`).toBe(0)
  })
})
