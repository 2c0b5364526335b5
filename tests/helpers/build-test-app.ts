import { type AppDb, asyncDb, createTestDb, type Db } from '@app/db'
import { buildApp } from '@app/server'
import { fixedClock } from '@app/server/lib/clock.ts'
import type { FastifyInstance } from 'fastify'
import { onTestFinished } from 'vitest'
import { missingSyncDb, onPostgres, openPgTestDb } from './pg-test-db.js'
import { testConfig } from './test-config.js'

export interface TestApp {
  app: FastifyInstance
  /** The synchronous SQLite handle (on PostgreSQL: pg-sync.ts's stand-in, with TEST_DATABASE_URL only). */
  db: Db
  /** The asynchronous API the app uses, on either engine. */
  appDb: AppDb
  clock: ReturnType<typeof fixedClock>
}

/** A real app on a fresh migrated in-memory database with a fixed clock; closed when the test ends. */
export async function buildTestApp(opts: { env?: Record<string, string>; now?: string } = {}): Promise<TestApp> {
  // TEST_ENGINE=postgres: a fresh PostgreSQL database instead (pg-test-db.ts)
  if (onPostgres) {
    const pg = await openPgTestDb()
    const clock = fixedClock(opts.now ?? '2025-06-01T08:00:00Z')
    const app = await buildApp({ config: testConfig(opts.env), db: pg.db, clock, logger: false })
    await app.ready()
    onTestFinished(async () => {
      await app.close()
      await pg.close()
    })
    return { app, db: pg.sync ?? missingSyncDb(), appDb: pg.db, clock }
  }
  const db = createTestDb()
  const clock = fixedClock(opts.now ?? '2025-06-01T08:00:00Z')
  const app = await buildApp({ config: testConfig(opts.env), db, clock, logger: false })
  await app.ready()
  onTestFinished(async () => {
    await app.close()
    db.$client.close()
  })
  return { app, db, appDb: asyncDb(db), clock }
}

/** Log in through the real endpoint and return the bearer header. */
export async function loginAs(app: FastifyInstance, username: string, password = 'hailong-test-pw'): Promise<{ authorization: string }> {
  const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password } })
  if (res.statusCode !== 200) throw new Error(`login ${username} failed: ${res.statusCode} ${res.body}`)
  return { authorization: `Bearer ${res.json().token}` }
}
