import { ballots, ledger, participations, pendingBallots } from '@app/db'
import { privacyKeys } from '@app/server/lib/privacy.ts'
import { pendingKey } from '@app/server/modules/ballots/ballot-rows.ts'
import { count, eq } from 'drizzle-orm'
import { Pool } from 'undici'
import { afterAll, describe, expect, it } from 'vitest'
import { cloneTemplate, migratedTemplate, PG_SKIP_REASON, type TestDatabase, testDatabaseUrl } from '../helpers/pg-provision.js'
import { allSatisfied, overallNo } from '../helpers/rounds.js'
import { TEST_PRIVACY_SECRET } from '../helpers/test-config.js'
import { openPg, prepareRoundPg, type RunningServer, rng, startServer } from './helpers/server.js'

/**
 * DESIGN §7 ("a ballot acknowledged with 201 is durable — kill -9 loses nothing acknowledged") with several
 * stateless instances on one PostgreSQL database: two real server processes share the load, one is SIGKILLed at a
 * random moment (after a random number of acknowledgements across both). Then every acknowledged receipt is there
 * exactly once (landed, or pending under its keyed hash), the counters equal a recount, the ledger and the round
 * verify, and the surviving instance has answered every request and keeps accepting. CRASH_SEED replays a run.
 */
const SEED = Number(process.env.CRASH_SEED ?? Date.now() % 1_000_000)
const BALLOTS = Number(process.env.CRASH_PG_BALLOTS ?? 400)
/** Fresh links the survivor must still accept after the kill. */
const AFTER = 40

const server = testDatabaseUrl()
const skipped = server ? '' : ` (skipped: ${PG_SKIP_REASON})`

type Outcome = { token: string; on: 'a' | 'b'; status: number | 'lost'; receipt?: string }

describe.skipIf(!server)(`crash consistency under kill -9 with two instances on one PostgreSQL database${skipped}`, () => {
  let clone: TestDatabase | undefined
  const running: RunningServer[] = []
  afterAll(async () => {
    for (const s of running) if (s.proc.exitCode === null && s.proc.signalCode === null) await s.kill9()
    await clone?.drop()
  })

  it('keeps every acknowledged ballot exactly once when one of two instances is killed mid-load, and the other keeps accepting', async () => {
    console.log(`crash-pg seed: CRASH_SEED=${SEED}`)
    const random = rng(SEED)
    const t0 = Date.now()
    const lap = (what: string) => console.log(`  ${what} at ${((Date.now() - t0) / 1000).toFixed(1)} s`)
    clone = await cloneTemplate(await migratedTemplate(), 'crash')
    const { roundId, tokens } = await prepareRoundPg(clone.url, BALLOTS + AFTER)
    expect(tokens.length).toBeGreaterThanOrEqual(BALLOTS + AFTER)
    lap('prepared')
    const [a, b] = await Promise.all([startServer(clone.url), startServer(clone.url)])
    running.push(a, b)
    lap('both instances up')

    const pools = { a: new Pool(a.base, { connections: 25, pipelining: 1 }), b: new Pool(b.base, { connections: 25, pipelining: 1 }) }
    const killAfter = 50 + Math.floor(random() * (BALLOTS / 3))
    const delay = Math.floor(random() * 20)
    let acks = 0
    let killing: Promise<void> | undefined
    const submit = async (token: string, i: number, on: 'a' | 'b', clientId: string): Promise<Outcome> => {
      try {
        const res = await pools[on].request({
          method: 'POST',
          path: `/api/ballots/${token}`,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ answers: i % 4 === 0 ? overallNo : allSatisfied, clientId }),
        })
        const body = (await res.body.json()) as { receipt?: string }
        if (res.statusCode === 201 && ++acks === killAfter) killing ??= new Promise<void>((r) => setTimeout(r, delay)).then(() => a.kill9())
        return { token, on, status: res.statusCode, ...(body.receipt ? { receipt: body.receipt } : {}) }
      } catch {
        return { token, on, status: 'lost' }
      }
    }
    // the load spread over both instances: even links to a, odd ones to b
    const outcomes = await Promise.all(
      tokens.slice(0, BALLOTS).map((t, i) => submit(t, i, i % 2 ? 'b' : 'a', `crash-${String(i).padStart(6, '0')}`)),
    )
    await killing
    await pools.a.destroy()
    const acked = outcomes.filter((o) => o.status === 201)
    const lost = outcomes.filter((o) => o.status === 'lost')
    lap(`killed a after ${killAfter} acks (+${delay} ms): ${acked.length} acknowledged, ${lost.length} cut off`)
    // nothing but 201 or a cut-off connection, and only the killed instance cut any off: no 5xx on the way down
    expect(outcomes.filter((o) => o.status !== 201 && o.status !== 'lost')).toEqual([])
    expect(lost.filter((o) => o.on === 'b')).toEqual([])
    expect(lost.length, 'the kill happened mid-way').toBeGreaterThan(0)
    expect(acked.length).toBeGreaterThanOrEqual(killAfter)

    // the survivor keeps accepting: fresh links, and the links cut off on the dead instance (committed there: 409)
    const fresh = await Promise.all(tokens.slice(BALLOTS).map((t, i) => submit(t, i, 'b', `after-${String(i).padStart(6, '0')}`)))
    expect(fresh.filter((o) => o.status !== 201)).toEqual([])
    const retried = await Promise.all(lost.slice(0, 100).map((o, i) => submit(o.token, i, 'b', `retry-${String(i).padStart(6, '0')}`)))
    expect(retried.filter((o) => o.status !== 201 && o.status !== 409)).toEqual([])
    const lateCounted = retried.filter((o) => o.status === 201).length
    const again = await Promise.all(acked.slice(0, 50).map((o, i) => submit(o.token, i, 'b', `again-${String(i).padStart(6, '0')}`)))
    expect(again.filter((o) => o.status !== 409)).toEqual([])
    const allAcked = [...acked, ...fresh, ...retried.filter((o) => o.status === 201)]
    const receiptChecks = await Promise.all(
      allAcked.map(async (o) => {
        const res = await pools.b.request({ method: 'GET', path: `/api/receipts/${o.receipt}` })
        const body = (await res.body.json()) as { included?: boolean; roundId?: string }
        const ok = res.statusCode === 200 && body.included === true && body.roundId === roundId
        return ok ? undefined : `${o.receipt} (acknowledged by ${o.on}): ${res.statusCode} ${JSON.stringify(body)}`
      }),
    )
    expect(receiptChecks.filter((x) => x !== undefined)).toEqual([])
    await pools.b.close()
    await b.stop()
    lap('survivor checked and stopped')

    const f = openPg(clone.url)
    try {
      const receipts = new Set(allAcked.map((o) => o.receipt as string))
      expect(receipts.size, 'distinct receipts').toBe(allAcked.length)
      const n = (t: typeof ballots | typeof participations | typeof ledger) =>
        f.db.select({ n: count() }).from(t).where(eq(t.roundId, roundId)).get()?.n ?? 0
      // landed ballots and those still sealed in the pending store (TRUST.md §2.3), the latter under a keyed hash
      const keys = privacyKeys(TEST_PRIVACY_SECRET)
      const landed = f.db.select({ receipt: ballots.receipt }).from(ballots).where(eq(ballots.roundId, roundId)).all()
      const pending = f.db.select({ receipt: pendingBallots.receipt }).from(pendingBallots).where(eq(pendingBallots.roundId, roundId)).all()
      const landedSet = new Set(landed.map((x) => x.receipt))
      const pendingSet = new Set(pending.map((x) => x.receipt))
      expect(landedSet.size).toBe(landed.length)
      expect(pendingSet.size).toBe(pending.length)
      const where = [...receipts].map((r) => Number(landedSet.has(r)) + Number(pendingSet.has(pendingKey(keys, 'receipt', r))))
      expect(
        where.filter((places) => places !== 1),
        'each acknowledged receipt in exactly one place',
      ).toEqual([])
      const stored = landed.length + pending.length
      // one participation per household, one ledger entry per landed ballot; nothing half-written
      expect(n(participations)).toBe(stored)
      expect(n(ledger)).toBe(landed.length)
      expect(stored).toBeGreaterThanOrEqual(allAcked.length)
      expect(stored).toBeLessThanOrEqual(allAcked.length + lost.length - lateCounted)
      const round = await f.services.rounds.findById(roundId)
      if (!round) throw new Error('no round')
      expect((await f.services.tally.live(round)).commune.participated).toBe(stored)
      expect(await f.services.tally.recount(null, roundId)).toMatchObject({ matches: true })
      expect(await f.services.ballots.verifyLedger(roundId)).toMatchObject({ ok: true, count: landed.length })
      expect((await f.services.verify.verifyRound(roundId)).differences).toEqual([])
      console.log(
        `crash-pg: ${allAcked.length} acknowledged receipts checked (${acked.length} before and around the kill, ${fresh.length} after it), ${lost.length} cut off (${lateCounted} of ${retried.length} retried counted on the survivor), ${landed.length} landed + ${pending.length} pending`,
      )
    } finally {
      await f.close()
    }
    lap('database checked')
  }, 120_000)
})
