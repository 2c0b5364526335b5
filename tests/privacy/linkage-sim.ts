/**
 * The linkage attack of TRUST.md §3.1, engine-neutral: residents of four villages open their links and answer with
 * realistic, overlapping timing while staff key paper and meeting ballots; the database holder (actor D) looks at the
 * database mid-round and again at close. `Holder` is what the holder sees on one engine: rows in every implicit order
 * the storage offers (SQLite rowid and page order; PostgreSQL heap scan, ctid and xmin order) and the raw bytes.
 * linkage.test.ts runs it on a SQLite file, linkage-pg.test.ts on a PostgreSQL database.
 */
import { randomBytes } from 'node:crypto'
import type { Db } from '@app/db'
import type { fixedClock } from '@app/server/lib/clock.ts'
import type { FastifyInstance } from 'fastify'
import { expect } from 'vitest'
import { loginAs } from '../helpers/build-test-app.js'
import { makeCommune, makeUser } from '../helpers/factories.js'
import { makeTemplate } from '../helpers/rounds.js'
import { AttackScore, pairByRank } from './linkage-helpers.js'

// many small batches: a batch of any size links about one ballot by chance, so more batches, less noise
export const PER_VILLAGE = { link: 5, paper: 3, meeting: 3 } as const
type Channel = keyof typeof PER_VILLAGE
const CHANNELS = ['link', 'paper', 'meeting'] as const

export type Row = Record<string, unknown>

/** What the holder has at one moment: statements on the data, the data in its implicit orders, its bytes. */
export interface HolderView {
  all(sql: string, params: unknown[]): Row[]
  /** A round's rows of `table` that `keep`, in each order the storage gives without a column (always `scan`). */
  orders(table: string, roundId: string, keep: (r: Row) => boolean): Record<string, Row[]>
  /**
   * What a pending row carries (its receipt, its client key) → the household whose participation the storage ties to
   * it because one transaction wrote both (PostgreSQL: equal xmin). Undefined where the engine keeps no such trace.
   */
  sameTransaction?(roundId: string): Map<string, string>
  /** The write-ahead log written since the round opened, where the engine offers it apart (PostgreSQL). */
  walSinceOpen?(): Buffer | undefined
  /** Every byte the holder has (files, WAL) or, lazily, the bytes written since the round opened. */
  bytes(): Buffer
  dispose(): void
}

export interface Holder {
  /** Called when a round opens (PostgreSQL notes its WAL position). */
  roundOpened?(): void
  take(): HolderView
}

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
  /** markers of ballots acknowledged before the mid-round look */
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

export interface LinkageResult {
  atClose: AttackScore
  midRound: AttackScore
  /** markers of acknowledged ballots found readable in the mid-round bytes */
  readable: string[]
  /** ms per round: simulation, attacks */
  timings: { simulate: number; attack: number }[]
}

/** The world the rounds run in: a commune of four villages and its staff; call once per app. */
export async function linkageWorld(app: FastifyInstance, db: Db) {
  const perVillage = PER_VILLAGE.link + PER_VILLAGE.paper + PER_VILLAGE.meeting
  const world = makeCommune(db, { villages: 4, perVillage })
  const templateId = makeTemplate(db).id
  await makeUser(db, { username: 'xa', role: 'front_staff', unitId: world.commune.id })
  const staff = await loginAs(app, 'xa')
  return { world, templateId, staff }
}

type World = Awaited<ReturnType<typeof linkageWorld>>

/**
 * `rounds` rounds, each attacked mid-round and at close as the holder sees them then (the view is taken and
 * attacked before the round goes on: on PostgreSQL it is the live database).
 */
export async function runLinkage(
  app: FastifyInstance,
  clock: ReturnType<typeof fixedClock>,
  w: World,
  holder: Holder,
  rounds: number,
): Promise<LinkageResult> {
  const out: LinkageResult = { atClose: new AttackScore(), midRound: new AttackScore(), readable: [], timings: [] }
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now()
    let attackMs = 0
    let midLinks: Map<string, string> | undefined
    await simulateRound(app, clock, w, holder, 1000 + r, {
      mid(roundId, truth) {
        const t = performance.now()
        const view = holder.take()
        try {
          attack(view, w, roundId, truth, out.midRound)
          midLinks = view.sameTransaction?.(roundId)
          // the holder's bytes (file and WAL, every page, free ones included) hold no readable answer
          const bytes = view.bytes()
          for (const m of truth.ackedBeforeCopy) if (bytes.includes(Buffer.from(m))) out.readable.push(m)
        } finally {
          view.dispose()
        }
        attackMs += performance.now() - t
      },
      end(roundId, truth) {
        const t = performance.now()
        const view = holder.take()
        try {
          attack(view, w, roundId, truth, out.atClose)
          if (midLinks) crossCopy(view, w, roundId, truth, midLinks, out.atClose)
          const wal = view.walSinceOpen?.()
          if (wal) walProximity(view, wal, w, roundId, truth, out.atClose)
        } finally {
          view.dispose()
        }
        attackMs += performance.now() - t
      },
    })
    out.timings.push({ simulate: performance.now() - t0 - attackMs, attack: attackMs })
  }
  return out
}

/** One round: open, residents answer over a few hours, a look mid-round, close, a look at close. */
async function simulateRound(
  app: FastifyInstance,
  clock: ReturnType<typeof fixedClock>,
  { world, templateId, staff }: World,
  holder: Holder,
  seed: number,
  look: { mid(roundId: string, truth: Truth): void; end(roundId: string, truth: Truth): void },
): Promise<void> {
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
  holder.roundOpened?.()
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
    for (const channel of CHANNELS) {
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
  for (const [i, e] of events.entries()) {
    clock.set(new Date(e.at).toISOString())
    await e.run()
    if (i === Math.floor(events.length / 2)) {
      truth.ackedBeforeCopy = [...acked]
      look.mid(roundId, truth)
    }
  }
  clock.set(new Date(start + 5 * 3600_000).toISOString())
  const closed = await app.inject({ method: 'POST', url: `/api/rounds/${roundId}/close`, headers: staff, payload: {} })
  expect(closed.statusCode, closed.body).toBe(200)
  look.end(roundId, truth)
  // the next round starts the next day
  clock.set(new Date(start + 24 * 3600_000).toISOString())
}

const truthOfBallot = (truth: Truth) => (b: Row) => truth.byMarker.get(markerOf(b.comment as string | null) ?? '') ?? '?'

/** Every ordering × ordering pairing and every time join, per (village, channel) batch. */
function attack(q: HolderView, { world }: World, roundId: string, truth: Truth, score: AttackScore) {
  const ledgerSeq = new Map(
    q.all('SELECT seq, entry, created_at AS "createdAt" FROM ledger WHERE round_id = ?', [roundId]).map((r) => {
      const e = JSON.parse(r.entry as string) as { ballotId: string }
      return [e.ballotId, { seq: r.seq as number, createdAt: r.createdAt as string }]
    }),
  )
  const ballotTruth = truthOfBallot(truth)
  for (const v of world.villages) {
    for (const channel of CHANNELS) {
      const inGroup = (r: Row) => r.village_id === v.id && r.channel === channel
      // ballot side: each order as the list of true households (what the attacker tries to guess)
      const ballotOrders: Record<string, string[]> = {}
      const ballots = q.orders('ballots', roundId, inGroup)
      for (const [name, rows] of Object.entries(ballots)) ballotOrders[`ballots.${name}`] = rows.map(ballotTruth)
      const scan = ballots.scan ?? []
      const bySeq = [...scan].sort((a, b) => (ledgerSeq.get(a.id as string)?.seq ?? 0) - (ledgerSeq.get(b.id as string)?.seq ?? 0))
      ballotOrders['ledger.seq (export order)'] = bySeq.map(ballotTruth)
      const byLanded = [...scan].sort((a, b) =>
        String(ledgerSeq.get(a.id as string)?.createdAt).localeCompare(String(ledgerSeq.get(b.id as string)?.createdAt)),
      )
      ballotOrders['ledger.created_at'] = byLanded.map(ballotTruth)
      const markers = new Set(scan.map((b) => markerOf(b.comment as string | null)))
      const feedback = q.orders('feedback', roundId, (r) => r.village_id === v.id && r.kind === 'comment')
      for (const [name, rows] of Object.entries(feedback))
        ballotOrders[`feedback.${name}`] = rows
          .filter((f) => markers.has(markerOf(f.text as string)))
          .map((f) => truth.byMarker.get(markerOf(f.text as string) ?? '') ?? '?')

      // household side: who took part in this batch, in every order the storage offers
      const householdOrders: Record<string, string[]> = {}
      for (const [name, rows] of Object.entries(q.orders('participations', roundId, inGroup)))
        householdOrders[`participations.${name}`] = rows.map((r) => r.household_id as string)
      const inBatch = new Set(householdOrders['participations.scan'])
      const invitations = q.orders('invitations', roundId, (r) => r.village_id === v.id)
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
          if (guess.h === ballotTruth(b)) right++
        }
        score.add(`${channel}: first_opened_at + seconds_to_complete ≈ ledger.created_at`, right, k)
      }
    }
  }
}

/**
 * Two looks combined: the mid-round one tied households to pending rows written in the same transaction; whatever
 * those rows carry that the landed ballot carries too (the receipt) names the ballot at close.
 */
function crossCopy(q: HolderView, { world }: World, roundId: string, truth: Truth, midLinks: Map<string, string>, score: AttackScore) {
  const ballotTruth = truthOfBallot(truth)
  for (const v of world.villages)
    for (const channel of CHANNELS) {
      const rows = q.all('SELECT receipt, client_id, comment FROM ballots WHERE round_id = ? AND village_id = ? AND channel = ?', [
        roundId,
        v.id,
        channel,
      ])
      if (rows.length === 0) continue
      const guess = (b: Row) => midLinks.get(b.receipt as string) ?? midLinks.get(String(b.client_id))
      const right = rows.filter((b) => guess(b) === ballotTruth(b)).length
      score.add(`${channel}: mid-round participation ↔ pending row (same transaction) × ballot at close`, right, rows.length)
    }
}

/**
 * The write-ahead log read as a byte stream: an acceptance writes the household's rows and then the pending ballot;
 * whatever the pending row carries that the ballot carries too is preceded, in the log, by its household's id. Each
 * ballot is guessed to belong to the household of the batch whose id was written last before the ballot's receipt
 * (or client key) first appears.
 */
function walProximity(q: HolderView, wal: Buffer, { world }: World, roundId: string, truth: Truth, score: AttackScore) {
  const ballotTruth = truthOfBallot(truth)
  const offsets = (needle: string) => {
    const out: number[] = []
    const b = Buffer.from(needle)
    for (let i = wal.indexOf(b); i >= 0; i = wal.indexOf(b, i + 1)) out.push(i)
    return out
  }
  for (const v of world.villages)
    for (const channel of CHANNELS) {
      const where = 'round_id = ? AND village_id = ? AND channel = ?'
      const params = [roundId, v.id, channel]
      const households = q.all(`SELECT household_id FROM participations WHERE ${where}`, params).map((r) => r.household_id as string)
      const ballots = q.all(`SELECT receipt, client_id, comment FROM ballots WHERE ${where}`, params)
      if (ballots.length === 0) continue
      const written = households.map((h) => ({ h, at: offsets(h) }))
      let right = 0
      for (const b of ballots) {
        const first = [b.receipt, b.client_id]
          .filter((x): x is string => typeof x === 'string')
          .map((x) => wal.indexOf(Buffer.from(x)))
          .filter((i) => i >= 0)
        if (first.length === 0) continue
        const at = Math.min(...first)
        let best: { h: string; at: number } | undefined
        for (const { h, at: hs } of written) for (const o of hs) if (o < at && (!best || o > best.at)) best = { h, at: o }
        if (best?.h === ballotTruth(b)) right++
      }
      score.add(`${channel}: WAL bytes: household id written last before the ballot's receipt`, right, ballots.length)
    }
}
