/**
 * Landing (TRUST.md §2.3): accepted ballots wait sealed; a (round, village, channel) group lands only with
 * 2 × MIX_MIN_BATCH pending, a random subset, keeping MIX_MIN_BATCH back; close lands the rest before the
 * status changes. Coverage is live throughout; answers count only once landed.
 */
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ballots, closeDb, createDb, migrateDb, pendingBallots, villageCounters } from '@app/db'
import { buildApp } from '@app/server'
import { fixedClock } from '@app/server/lib/clock.ts'
import { createBallotRepo } from '@app/server/modules/ballots/repo.ts'
import { eq } from 'drizzle-orm'
import { describe, expect, it, onTestFinished } from 'vitest'
import { buildTestApp } from '../helpers/build-test-app.js'
import { onPostgres } from '../helpers/pg-test-db.js'
import { allSatisfied, landNow, makeWorld, openRoundWithLinks } from '../helpers/rounds.js'
import { testConfig } from '../helpers/test-config.js'

describe('landing pending ballots', () => {
  it('lands a random subset only from 2 × MIX_MIN_BATCH, keeps MIX_MIN_BATCH back, and lands the rest at close', async () => {
    const { app, db } = await buildTestApp({ env: { MIX_MIN_BATCH: '3', LINK_RATE_LIMIT_PER_MIN: '100000' } })
    // the worker's ticks are driven by hand here, so each step sees a settled state
    app.services.ballots.stopLanding()
    const w = await makeWorld(app, db, { perVillage: 10 })
    const { round, links, tokens } = await openRoundWithLinks(app, w)
    const village = links[0]?.villageId as string
    const mine = tokens.filter((_, i) => links[i]?.villageId === village)
    const receipts: string[] = []
    const submit = async (t: string) => {
      const res = await app.inject({ method: 'POST', url: `/api/ballots/${t}`, payload: { answers: allSatisfied } })
      expect(res.statusCode, res.body).toBe(201)
      receipts.push(res.json().receipt)
    }
    for (const t of mine.slice(0, 5)) await submit(t)
    expect(await app.services.ballots.landReady()).toBe(0)
    const coverage = () => db.select().from(villageCounters).where(eq(villageCounters.villageId, village)).get()?.participated
    expect(coverage()).toBe(5)
    expect(await app.services.ballots.pendingCounts(round.id)).toEqual([{ villageId: village, channel: 'link', n: 5 }])

    await submit(mine[5] as string)
    expect(await app.services.ballots.landReady()).toBe(3)
    expect(db.select().from(ballots).all()).toHaveLength(3)
    expect(db.select().from(pendingBallots).all()).toHaveLength(3)
    expect(coverage()).toBe(6)
    const statuses = await Promise.all(
      receipts.map(async (r) => (await app.inject({ method: 'GET', url: `/api/receipts/${r}` })).json().status as string),
    )
    expect(statuses.filter((s) => s === 'counted')).toHaveLength(3)
    expect(statuses.filter((s) => s === 'pending')).toHaveLength(3)
    // the receipt handed out at acceptance is the one in the ballot and its ledger entry
    for (const b of db.select().from(ballots).all()) {
      expect(receipts).toContain(b.receipt)
      const entry = createBallotRepo(db)
        .ledgerRows(round.id)
        .find((l) => l.seq === b.ledgerSeq)
      expect(JSON.parse(entry?.entry ?? '{}')).toMatchObject({ v: 2, receipt: b.receipt, ballotId: b.id })
    }

    const closed = await app.inject({ method: 'POST', url: `/api/rounds/${round.id}/close`, headers: w.auth.xa, payload: {} })
    expect(closed.statusCode, closed.body).toBe(200)
    expect(db.select().from(pendingBallots).all()).toHaveLength(0)
    expect(db.select().from(ballots).all()).toHaveLength(6)
    expect(await app.services.ballots.verifyLedger(round.id)).toMatchObject({ ok: true, count: 6 })
    for (const r of receipts) expect((await app.inject({ method: 'GET', url: `/api/receipts/${r}` })).json().status).toBe('counted')
  })

  it('a pending row carries neither the receipt nor the client key of the ballot it lands as (the acceptance writes it beside the household)', async () => {
    const { app, db } = await buildTestApp({ env: { LINK_RATE_LIMIT_PER_MIN: '100000' } })
    app.services.ballots.stopLanding()
    const w = await makeWorld(app, db)
    const { round, tokens } = await openRoundWithLinks(app, w)
    const receipts: string[] = []
    for (const [i, t] of tokens.slice(0, 4).entries()) {
      const payload = { answers: allSatisfied, clientId: `client-00${i}` }
      const res = await app.inject({ method: 'POST', url: `/api/ballots/${t}`, payload })
      expect(res.statusCode, res.body).toBe(201)
      receipts.push(res.json().receipt)
      // the same submission again while pending: the same receipt, found through the row's keyed client key
      const again = await app.inject({ method: 'POST', url: `/api/ballots/${t}`, payload })
      expect(again.statusCode, again.body).toBe(200)
      expect(again.json().receipt).toBe(res.json().receipt)
      expect((await app.inject({ method: 'GET', url: `/api/receipts/${res.json().receipt}` })).json().status).toBe('pending')
    }
    const pending = db.select().from(pendingBallots).all()
    expect(pending).toHaveLength(4)
    const closed = await app.inject({ method: 'POST', url: `/api/rounds/${round.id}/close`, headers: w.auth.xa, payload: {} })
    expect(closed.statusCode, closed.body).toBe(200)
    const landed = db.select().from(ballots).all()
    expect(landed.map((b) => b.receipt).sort()).toEqual([...receipts].sort())
    const onBallots = new Set(landed.flatMap((b) => [b.receipt, b.clientId]))
    expect(landed.every((b) => b.clientId)).toBe(true)
    expect(pending.flatMap((p) => [p.receipt, p.clientKey]).filter((v) => onBallots.has(v))).toEqual([])
    for (const r of receipts) expect((await app.inject({ method: 'GET', url: `/api/receipts/${r}` })).json().status).toBe('counted')
  })

  it('keeps pending content unreadable without the secret, and a tampered sealed box never blocks its batch', async () => {
    const { app, db } = await buildTestApp({ env: { MIX_MIN_BATCH: '5' } })
    app.services.ballots.stopLanding()
    const w = await makeWorld(app, db)
    const { round, tokens } = await openRoundWithLinks(app, w)
    for (const t of tokens.slice(0, 6))
      await app.inject({ method: 'POST', url: `/api/ballots/${t}`, payload: { answers: allSatisfied, comment: 'Bí mật của hộ' } })
    const rows = db.select().from(pendingBallots).all()
    expect(rows.length).toBe(6)
    // the whole comment's bytes: two bytes alone ("Bí") turn up by chance in about one run in a hundred
    const secret = Buffer.from('Bí mật của hộ', 'utf8')
    for (const r of rows) expect(Buffer.from(r.sealed, 'base64').includes(secret)).toBe(false)
    // one box damaged on disk: the others land, it stays pending (and is reported), close does not fail
    // the victim from the largest group, so that the rest of its group is a batch of several
    const sizes = new Map<string, number>()
    for (const r of rows) sizes.set(r.villageId, (sizes.get(r.villageId) ?? 0) + 1)
    const largest = [...sizes].sort((a, b) => b[1] - a[1])[0]?.[0]
    const victim = rows.find((r) => r.villageId === largest)?.id as string
    expect(sizes.get(largest as string)).toBeGreaterThanOrEqual(3)
    db.$client.prepare("UPDATE pending_ballots SET sealed = 'AAAA' || substr(sealed, 5) WHERE id = ?").run(victim)
    const closed = await app.inject({ method: 'POST', url: `/api/rounds/${round.id}/close`, headers: w.auth.xa, payload: {} })
    expect(closed.statusCode, closed.body).toBe(200)
    expect(db.select().from(ballots).all()).toHaveLength(5)
    // ...and they land together: a damaged box (which a database holder can make) must not turn its batch into one
    // landing per ballot, each deleting its pending row (written beside its household) in the same subtransaction
    // as it writes the ballot: on PostgreSQL the WAL and xmin would tie them
    if (onPostgres) {
      // (each village's group lands in a savepoint of its own: one subtransaction per group, not per ballot)
      const perGroup = db.$client
        .prepare('SELECT village_id AS v, count(DISTINCT xmin::text)::int AS n FROM ballots GROUP BY village_id')
        .all() as { v: string; n: number }[]
      expect(perGroup.find((g) => g.v === largest)).toBeDefined()
      for (const g of perGroup) expect(g).toMatchObject({ n: 1 })
    }
    expect(
      db
        .select()
        .from(pendingBallots)
        .all()
        .map((r) => r.id),
    ).toEqual([victim])
  })
})

describe('a pending row put back after it landed (a database holder replaying the pending store)', () => {
  it('stays pending alone and is reported; the rest of its batch lands, and the ballot is not counted twice', async () => {
    const { app, db } = await buildTestApp({ env: { MIX_MIN_BATCH: '5' } })
    app.services.ballots.stopLanding()
    const w = await makeWorld(app, db)
    const { round, tokens } = await openRoundWithLinks(app, w)
    const post = (t: string | undefined) => app.inject({ method: 'POST', url: `/api/ballots/${t}`, payload: { answers: allSatisfied } })
    for (const t of tokens.slice(0, 3)) expect((await post(t)).statusCode).toBe(201)
    const copy = db.select().from(pendingBallots).all()
    expect(await landNow(app, round.id)).toBe(3)
    for (const t of tokens.slice(3, 7)) expect((await post(t)).statusCode).toBe(201)
    db.insert(pendingBallots)
      .values(copy[0] as (typeof copy)[number])
      .run()
    const errors: unknown[] = []
    expect(await landNow(app, round.id)).toBe(4)
    expect(db.select().from(ballots).all()).toHaveLength(7)
    expect(db.select({ id: pendingBallots.id }).from(pendingBallots).all()).toEqual([{ id: copy[0]?.id }])
    // the worker's next tick tells the operator
    app.services.ballots.startLanding((err) => errors.push(err))
    await expect.poll(() => errors.length, { timeout: 5_000 }).toBeGreaterThan(0)
    expect(String(errors[0])).toContain('landed already')
    app.services.ballots.stopLanding()
  })
})

describe('the WAL after a landing', () => {
  it("is truncated by the worker's next tick after the close lands the rest, and after its own landings", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hl-wal-'))
    const file = join(dir, 'hailong.db')
    const db = createDb(file)
    migrateDb(db)
    const app = await buildApp({
      config: testConfig({ MIX_MIN_BATCH: '2', LANDING_INTERVAL_MS: '50' }),
      db,
      clock: fixedClock('2025-06-01T08:00:00Z'),
      logger: false,
    })
    await app.ready()
    onTestFinished(async () => {
      await app.close()
      closeDb(db)
      rmSync(dir, { recursive: true, force: true })
    })
    const walBytes = () => (existsSync(`${file}-wal`) ? statSync(`${file}-wal`).size : 0)
    const truncated = async () => {
      for (let i = 0; i < 100 && walBytes() > 0; i++) await new Promise((r) => setTimeout(r, 50))
      return walBytes()
    }
    const w = await makeWorld(app, db, { perVillage: 10 })
    const { round, links, tokens } = await openRoundWithLinks(app, w)
    const village = links[0]?.villageId as string
    const mine = tokens.filter((_, i) => links[i]?.villageId === village)
    for (const t of mine.slice(0, 4)) {
      const res = await app.inject({ method: 'POST', url: `/api/ballots/${t}`, payload: { answers: allSatisfied } })
      expect(res.statusCode, res.body).toBe(201)
    }
    // 4 pending = 2 × MIX_MIN_BATCH: the worker lands 2, then folds and truncates the WAL
    expect(await truncated()).toBe(0)
    expect(db.select().from(ballots).all()).toHaveLength(2)

    const other = tokens.find((_, i) => links[i]?.villageId !== village) as string
    expect((await app.inject({ method: 'POST', url: `/api/ballots/${other}`, payload: { answers: allSatisfied } })).statusCode).toBe(201)
    expect(walBytes()).toBeGreaterThan(0)
    const closed = await app.inject({ method: 'POST', url: `/api/rounds/${round.id}/close`, headers: w.auth.xa, payload: {} })
    expect(closed.statusCode, closed.body).toBe(200)
    expect(db.select().from(pendingBallots).all()).toHaveLength(0)
    expect(await truncated()).toBe(0)
  })
})
