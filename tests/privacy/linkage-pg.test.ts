/**
 * TRUST.md §3.1 on PostgreSQL: the same simulation and attacks as linkage.test.ts (linkage-sim.ts), with the app on
 * a PostgreSQL database and the holder (actor D) as that server's superuser. The holder's implicit orders are heap
 * scan order, ctid and xmin (the order of the writing transactions); mid-round it also joins participations to
 * pending ballots written by the same transaction and follows what the pending row carries to the ballot at close;
 * it reads the database's relation files and the WAL segments written since the round opened, as they lie on disk.
 */
import { type Db, pgAppDb } from '@app/db'
import { closePgDb, createPgDb, type PgDb } from '@app/db/pg'
import { buildApp } from '@app/server'
import { fixedClock } from '@app/server/lib/clock.ts'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cloneTemplate, migratedTemplate, PG_SKIP_REASON, type TestDatabase, testDatabaseUrl } from '../helpers/pg-provision.js'
import { syncPgDb } from '../helpers/pg-sync.js'
import { testConfig } from '../helpers/test-config.js'
import { pgHolder } from './linkage-helpers.js'
import { type LinkageResult, linkageWorld, runLinkage } from './linkage-sim.js'

const ROUNDS = Number(process.env.LINKAGE_ROUNDS ?? 10)
const server = testDatabaseUrl()
const skipped = server ? '' : ` (skipped: ${PG_SKIP_REASON})`

describe.skipIf(!server)(`a database holder cannot link ballots to households on PostgreSQL (TRUST.md §2.1, §2.3, §3.1)${skipped}`, () => {
  let clone: TestDatabase
  let pool: PgDb
  let sync: Db
  let app: FastifyInstance
  let result: LinkageResult
  let unreadable: string | undefined
  const clock = fixedClock('2025-06-01T01:00:00Z')

  beforeAll(async () => {
    clone = await cloneTemplate(await migratedTemplate(), 'linkage')
    pool = createPgDb(clone.url, { max: 4 })
    sync = syncPgDb(clone.url)
    app = await buildApp({ config: testConfig({ LINK_RATE_LIMIT_PER_MIN: '1000000' }), db: pgAppDb(pool), clock, logger: false })
    await app.ready()
    const world = await linkageWorld(app, sync)
    const holder = pgHolder(sync)
    unreadable = holder.filesReadable()
    result = await runLinkage(app, clock, world, holder, ROUNDS)
    if (process.env.LINKAGE_DEBUG) {
      for (const [r, t] of result.timings.entries())
        console.log(`round ${r}: simulate ${t.simulate.toFixed(0)} ms, attack ${t.attack.toFixed(0)} ms`)
      for (const [a, s] of result.atClose.byAttack) console.log(`${(s.right / s.groups).toFixed(2)} per batch  ${a}`)
    }
  }, 180_000)

  afterAll(async () => {
    await app?.close()
    sync?.$client.close()
    if (pool) await closePgDb(pool)
    await clone?.drop()
  })

  it('every ordering (scan, ctid, xmin), the WAL and the time join at close link no better than chance within a batch', () => {
    expect(result.atClose.byAttack.size).toBeGreaterThan(10)
    expect([...result.atClose.byAttack.keys()].some((a) => a.includes('xmin'))).toBe(true)
    expect(result.atClose.broken()).toEqual([])
  })

  it('a look mid-round links no better than chance either', () => {
    expect(result.midRound.broken()).toEqual([])
  })

  it('mid-round, no pending answer shows in any byte of the relation files or the WAL written since the round opened', (ctx) => {
    if (unreadable) ctx.skip(unreadable)
    expect(result.readable.length, `${result.readable.length} answered comments readable mid-round`).toBe(0)
  })
})
