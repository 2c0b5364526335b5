/**
 * Two app instances on one PostgreSQL database, each with its own pool as two processes would have, sharing one
 * clock; a synchronous handle on the same database for assertions. The clone is dropped when the test ends.
 */
import { pgAppDb } from '@app/db'
import { closePgDb, createPgDb } from '@app/db/pg'
import { buildApp } from '@app/server'
import { fixedClock } from '@app/server/lib/clock.ts'
import { onTestFinished } from 'vitest'
import { cloneTemplate, migratedTemplate } from './pg-provision.js'
import { syncPgDb } from './pg-sync.js'
import { testConfig } from './test-config.js'

export async function twoPgInstances(opts: { env?: Record<string, string>; now?: string } = {}) {
  const clone = await cloneTemplate(await migratedTemplate())
  const clock = fixedClock(opts.now ?? '2025-06-01T08:00:00Z')
  const pools = [createPgDb(clone.url, { max: 4 }), createPgDb(clone.url, { max: 4 })]
  const apps = await Promise.all(pools.map((p) => buildApp({ config: testConfig(opts.env ?? {}), db: pgAppDb(p), clock, logger: false })))
  await Promise.all(apps.map((a) => a.ready()))
  const sync = syncPgDb(clone.url)
  onTestFinished(async () => {
    await Promise.all(apps.map((a) => a.close()))
    sync.$client.close()
    await Promise.all(pools.map((p) => closePgDb(p)))
    await clone.drop()
  })
  return { apps: apps as [(typeof apps)[0], (typeof apps)[0]], db: sync, clock }
}
