/**
 * Two app instances on one PostgreSQL database (each with its own pool, as two processes would have): one ballot
 * per household holds across them, and landing by both at once lands every pending ballot exactly once.
 */
import { ballots, participations, pendingBallots } from '@app/db'
import { privacyKeys } from '@app/server/lib/privacy.ts'
import { pendingKey, sealedPending } from '@app/server/modules/ballots/ballot-rows.ts'
import { roundLockKey } from '@app/server/modules/ballots/repo-pg.ts'
import type { RoundRow } from '@app/server/modules/rounds/repo.ts'
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { twoPgInstances } from '../helpers/pg-instances.js'
import { PG_SKIP_REASON, testDatabaseUrl } from '../helpers/pg-provision.js'
import { allSatisfied, makeWorld, openRoundWithLinks } from '../helpers/rounds.js'
import { TEST_PRIVACY_SECRET } from '../helpers/test-config.js'

const server = testDatabaseUrl()

// MIX_MIN_BATCH=2: a group of 4 pending is ready to land while the round is open
const twoInstances = () => twoPgInstances({ env: { MIX_MIN_BATCH: '2' } })

describe.skipIf(!server)(`two instances on one PostgreSQL database${server ? '' : ` (skipped: ${PG_SKIP_REASON})`}`, () => {
  it('accepts one ballot per household when the same link is submitted on both at once', async () => {
    const { apps, db } = await twoInstances()
    const [a, b] = apps
    const w = await makeWorld(a, db)
    const { tokens } = await openRoundWithLinks(a, w)
    const results = await Promise.all(
      tokens
        .slice(0, 5)
        .flatMap((t, i) => [
          a.inject({ method: 'POST', url: `/api/ballots/${t}`, payload: { answers: allSatisfied, clientId: `client-a-${i}xx` } }),
          b.inject({ method: 'POST', url: `/api/ballots/${t}`, payload: { answers: allSatisfied, clientId: `client-b-${i}xx` } }),
        ]),
    )
    const codes = results.map((r) => r.statusCode)
    expect(codes.filter((c) => c === 201)).toHaveLength(5)
    expect(codes.filter((c) => c === 409)).toHaveLength(5)
    expect(db.select().from(participations).all()).toHaveLength(5)
    expect(db.select().from(pendingBallots).all()).toHaveLength(5)
  })

  it('lands every pending ballot exactly once when both instances land at the same time', async () => {
    const { apps, db } = await twoInstances()
    const [a, b] = apps
    const w = await makeWorld(a, db)
    const { round, tokens } = await openRoundWithLinks(a, w)
    // the landing workers (and the nudge after an acceptance) stay off: only the two calls below land
    for (const app of apps) app.services.ballots.stopLanding()
    const receipts: string[] = []
    for (const [i, t] of tokens.entries()) {
      const res = await (i % 2 ? b : a).inject({ method: 'POST', url: `/api/ballots/${t}`, payload: { answers: allSatisfied } })
      expect(res.statusCode).toBe(201)
      receipts.push(res.json().receipt)
    }
    const [n1, n2] = await Promise.all([a.services.ballots.landReady(), b.services.ballots.landReady()])
    const landed = db.select().from(ballots).all()
    expect(landed.length).toBe(n1 + n2)
    const pending = db.select().from(pendingBallots).all()
    expect(landed.length + pending.length).toBe(tokens.length)
    // every receipt exactly once, landed or pending; the ledger chain verifies
    // (a pending row holds its receipt as a keyed hash)
    const stored = (r: string) => (landed.some((x) => x.receipt === r) ? r : pendingKey(privacyKeys(TEST_PRIVACY_SECRET), 'receipt', r))
    expect(new Set([...landed.map((x) => x.receipt), ...pending.map((x) => x.receipt)])).toEqual(new Set(receipts.map(stored)))
    expect((await b.services.ballots.verifyLedger(round.id)).ok).toBe(true)
    // closing lands the rest, on the other instance
    expect(await a.services.ballots.landRound(round.id)).toBe(pending.length)
    expect(db.select().from(ballots).all()).toHaveLength(tokens.length)
  })

  it('a ballot accepted on one instance while the other closes the round lands with the close, never left pending', async () => {
    const { apps, db, url } = await twoInstances()
    const [a] = apps
    const w = await makeWorld(a, db)
    const { round, links } = await openRoundWithLinks(a, w)
    for (const app of apps) app.services.ballots.stopLanding()
    // the other instance's acceptance, caught mid-transaction: the round's shared lock held, its participation and
    // sealed pending row written (in a group nobody has pending yet), not committed
    const hh = links[0] as { householdId: string; villageId: string }
    const { row } = sealedPending(
      privacyKeys(TEST_PRIVACY_SECRET),
      {
        round: round as RoundRow,
        questions: [],
        householdId: hh.householdId,
        villageId: hh.villageId,
        channel: 'link',
        answers: allSatisfied,
        comment: null,
        clientKey: null,
        contentHash: 'h',
        secondsToComplete: null,
        fingerprint: null,
        enteredBy: null,
      },
      '2025-06-01',
    )
    const other = new pg.Client({ connectionString: url })
    await other.connect()
    try {
      await other.query('BEGIN')
      await other.query('SELECT pg_advisory_xact_lock_shared($1::bigint)', [roundLockKey(round.id)])
      await other.query(
        `INSERT INTO participations (round_id, household_id, village_id, channel, day) VALUES ($1, $2, $3, 'link', '2025-06-01')`,
        [round.id, hh.householdId, hh.villageId],
      )
      await other.query(
        'INSERT INTO pending_ballots (id, round_id, village_id, channel, receipt, client_key, sealed) VALUES ($1, $2, $3, $4, $5, $6, $7)',
        [row.id, row.roundId, row.villageId, row.channel, row.receipt, row.clientKey, row.sealed],
      )
      const closing = a.inject({ method: 'POST', url: `/api/rounds/${round.id}/close`, headers: w.auth.xa, payload: {} })
      // the close must wait for the acceptance it cannot see yet
      await new Promise((r) => setTimeout(r, 500))
      await other.query('COMMIT')
      const closed = await closing
      expect(closed.statusCode, closed.body).toBe(200)
    } finally {
      await other.end()
    }
    expect(db.select().from(pendingBallots).all()).toEqual([])
    expect(db.select().from(ballots).all()).toHaveLength(1)
  })
})
