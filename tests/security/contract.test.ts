import { createTestDb } from '@app/db'
import { buildApp } from '@app/server'
import { fixedClock } from '@app/server/lib/clock.ts'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { testConfig } from '../helpers/test-config.js'
import { type RouteInfo, routeTable } from './helpers/route-table.js'

vi.mock('fastify', async (orig) => (await import('./helpers/route-table.js')).recordRoutes(orig))

let routes: RouteInfo[]
let close: () => Promise<void>

beforeAll(async () => {
  const db = createTestDb()
  const app = await buildApp({ config: testConfig(), db, clock: fixedClock('2025-06-01T08:00:00Z'), logger: false })
  await app.ready()
  routes = routeTable(app)
  close = async () => {
    await app.close()
    db.$client.close()
  }
}, 60_000)

afterAll(() => close?.())

describe('one contract: every API route declares what it answers', () => {
  // The HTML pages (/r/:token, /v/:roundId, /hoi/…, the staff app) are documents, not API: they are hidden from the
  // OpenAPI document and answer HTML, so only /api is held to the JSON contract.
  it('has a response schema for its success (or redirect) status on every /api route, so it is checked and appears in /api/openapi.json', () => {
    const api = routes.filter((r) => r.url.startsWith('/api/'))
    expect(api.length).toBeGreaterThan(50)
    const without = api.filter((r) => !r.responseStatuses.some((s) => /^[23]/.test(s))).map((r) => r.key)
    expect(without).toEqual([])
    expect(api.filter((r) => r.hidden).map((r) => r.key)).toEqual([])
  })
})
