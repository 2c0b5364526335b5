import { createTestDb, type Db } from '@app/db'
import { buildApp } from '@app/server'
import { fixedClock } from '@app/server/lib/clock.ts'
import type { FastifyInstance } from 'fastify'
import { onTestFinished } from 'vitest'
import { testConfig } from './test-config.js'

export interface TestApp {
  app: FastifyInstance
  db: Db
  clock: ReturnType<typeof fixedClock>
}

/** A real app on a fresh migrated in-memory database with a fixed clock; closed when the test ends. */
export async function buildTestApp(opts: { env?: Record<string, string>; now?: string } = {}): Promise<TestApp> {
  const db = createTestDb()
  const clock = fixedClock(opts.now ?? '2025-06-01T08:00:00Z')
  const app = await buildApp({ config: testConfig(opts.env), db, clock, logger: false })
  await app.ready()
  onTestFinished(async () => {
    await app.close()
    db.$client.close()
  })
  return { app, db, clock }
}

/** Log in through the real endpoint and return the bearer header. */
export async function loginAs(app: FastifyInstance, username: string, password = 'hailong-test-pw'): Promise<{ authorization: string }> {
  const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password } })
  if (res.statusCode !== 200) throw new Error(`login ${username} failed: ${res.statusCode} ${res.body}`)
  return { authorization: `Bearer ${res.json().token}` }
}
