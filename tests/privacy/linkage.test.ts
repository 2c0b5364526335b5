/**
 * TRUST.md §3.1, the database holder (actor D), on SQLite: residents of four villages open their links and answer
 * with realistic, overlapping timing while staff key paper and meeting ballots; a copy of the real server's SQLite
 * file and WAL is taken mid-round and again at close. From the copy alone, every ordering of a household-side
 * table is paired with every ordering of a ballot-side one, open times are joined with durations, and the
 * mid-round copy is searched for any readable answer. Over 20 simulated rounds the mean correct-link rate must
 * stay under 1.5 / k for batches of k. The simulation and the attacks are linkage-sim.ts (linkage-pg.test.ts runs
 * them on PostgreSQL).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createDb, type Db, migrateDb } from '@app/db'
import { buildApp } from '@app/server'
import { fixedClock } from '@app/server/lib/clock.ts'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { testConfig } from '../helpers/test-config.js'
import { sqliteHolder } from './linkage-helpers.js'
import { type LinkageResult, linkageWorld, runLinkage } from './linkage-sim.js'

const ROUNDS = Number(process.env.LINKAGE_ROUNDS ?? 20)

let dir: string
let db: Db
let app: FastifyInstance
const clock = fixedClock('2025-06-01T01:00:00Z')

afterAll(async () => {
  await app?.close()
  db?.$client.close()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

describe('a database holder cannot link ballots to households (TRUST.md §2.1, §2.3, §3.1)', () => {
  let result: LinkageResult

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hailong-linkage-'))
    db = createDb(join(dir, 'hailong.db'))
    migrateDb(db)
    app = await buildApp({ config: testConfig({ LINK_RATE_LIMIT_PER_MIN: '1000000' }), db, clock, logger: false })
    await app.ready()
    const world = await linkageWorld(app, db)
    result = await runLinkage(app, clock, world, sqliteHolder(join(dir, 'hailong.db')), ROUNDS)
    if (process.env.LINKAGE_DEBUG)
      for (const [r, t] of result.timings.entries())
        console.log(`round ${r}: simulate ${t.simulate.toFixed(0)} ms, attack ${t.attack.toFixed(0)} ms`)
  }, 120_000)

  it('every ordering and time join at close links no better than chance within a batch', () => {
    expect(result.atClose.byAttack.size).toBeGreaterThan(10)
    expect(result.atClose.broken()).toEqual([])
  })

  it('a copy taken mid-round links no better than chance either', () => {
    expect(result.midRound.broken()).toEqual([])
  })

  it('a copy taken mid-round shows no pending answer in any byte of the file or the WAL', () => {
    expect(result.readable.length, `${result.readable.length} answered comments readable mid-round`).toBe(0)
  })
})
