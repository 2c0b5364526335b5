import { createTestDb } from '@app/db'
import { buildApp } from '@app/server'
import { fixedClock } from '@app/server/lib/clock.ts'
import * as shared from '@app/shared'
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

  // A schema is from the contract when shared/ exports it, or it is a list (items()/paged()) of one that shared/
  // exports; anything else is a restatement in a route, which the web client cannot import.
  const contract = new Set<unknown>(Object.values(shared))
  const fromContract = (schema: unknown): boolean => {
    if (contract.has(schema)) return true
    // `X.nullable()` / `X.optional()` of a shared schema is still that schema
    const inner = (schema as { _zod?: { def?: { type?: string; innerType?: unknown } } } | undefined)?._zod?.def
    if ((inner?.type === 'nullable' || inner?.type === 'optional') && contract.has(inner.innerType)) return true
    const shape = (schema as { shape?: Record<string, unknown> } | undefined)?.shape
    const element = (shape?.items as { element?: unknown } | undefined)?.element
    return element !== undefined && contract.has(element)
  }

  it('takes every JSON request body and success response body of an /api route from shared/src/schemas', () => {
    const api = routes.filter((r) => r.url.startsWith('/api/') && !r.url.startsWith('/api/docs'))
    const restated: string[] = []
    for (const r of api) {
      if (r.schemas.body !== undefined && !fromContract(r.schemas.body)) restated.push(`${r.key} body`)
      for (const [status, schema] of Object.entries(r.schemas.response)) {
        if (!/^2/.test(status)) continue
        const type = (schema as { type?: string }).type
        // 204 (z.null()) and files (described by their media type: PDF, CSV, XLSX) carry no JSON body to share
        const media = (schema as { description?: string }).description ?? ''
        if (status === '204' || type === 'null' || /^[a-z]+\/[\w.+-]+/.test(media)) continue
        if (!fromContract(schema)) restated.push(`${r.key} ${status}`)
      }
    }
    expect(restated).toEqual([])
  })
})
