/**
 * Two app instances on one PostgreSQL database, each with its own pool as two processes would have, sharing one
 * clock; a synchronous handle on the same database for assertions. The clone is dropped when the test ends.
 */
import { pgAppDb } from '@app/db'
import { closePgDb, createPgDb } from '@app/db/pg'
import { buildApp } from '@app/server'
import { type Clock, fixedClock } from '@app/server/lib/clock.ts'
import { onTestFinished } from 'vitest'
import { cloneTemplate, migratedTemplate } from './pg-provision.js'
import { syncPgDb } from './pg-sync.js'
import { testConfig } from './test-config.js'

export async function twoPgInstances<C extends Clock = ReturnType<typeof fixedClock>>(
  opts: { env?: Record<string, string>; now?: string; clock?: C } = {},
) {
  const clone = await cloneTemplate(await migratedTemplate())
  // a caller's clock when it must be shared with something else (the fake Zalo server)
  const clock = (opts.clock ?? fixedClock(opts.now ?? '2025-06-01T08:00:00Z')) as C
  const pools = [createPgDb(clone.url, { max: 4 }), createPgDb(clone.url, { max: 4 })]
  const appDbs = pools.map((p) => pgAppDb(p))
  const apps = await Promise.all(appDbs.map((db) => buildApp({ config: testConfig(opts.env ?? {}), db, clock, logger: false })))
  await Promise.all(apps.map((a) => a.ready()))
  const sync = syncPgDb(clone.url)
  onTestFinished(async () => {
    await Promise.all(apps.map((a) => a.close()))
    sync.$client.close()
    await Promise.all(pools.map((p) => closePgDb(p)))
    await clone.drop()
  })
  return {
    apps: apps as [(typeof apps)[0], (typeof apps)[0]],
    /** Each instance's own database handle (for what runs beside the app, like the outbox worker). */
    appDbs: appDbs as [(typeof appDbs)[0], (typeof appDbs)[0]],
    db: sync,
    clock,
    /** The database's address, for a raw connection that plays a third party (another instance mid-transaction). */
    url: clone.url,
  }
}
