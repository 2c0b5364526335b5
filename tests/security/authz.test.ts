import { type Db, users } from '@app/db'
import { buildApp } from '@app/server'
import { fixedClock } from '@app/server/lib/clock.ts'
import { eq } from 'drizzle-orm'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { onPostgres } from '../helpers/pg-test-db.js'
import { TEST_JWT_SECRET, testConfig } from '../helpers/test-config.js'
import { craftJwt, nowSeconds } from '../helpers/tokens.js'
import { AUTHZ_MATRIX, type Entry, type Outcome } from './authz-matrix.js'
import { type CaseDb, openCaseDb } from './helpers/case-db.js'
import { fillParams, queryString } from './helpers/fill.js'
import { type RouteInfo, routeTable } from './helpers/route-table.js'
import { type AuthzWorld, makeAuthzWorld, ROLES, type ScopeFixtures } from './helpers/world.js'

vi.mock('fastify', async (orig) => (await import('./helpers/route-table.js')).recordRoutes(orig))

/** On PostgreSQL every statement is a network round trip, and each one outside an app transaction three (pg-case-savepoint.ts). */
const SLOW = onPostgres ? 3 : 1

const ERROR_CODE: Partial<Record<Outcome, string>> = { 401: 'unauthorized', 403: 'forbidden', 404: 'not_found' }

let app: FastifyInstance
let db: Db
let cdb: CaseDb
let w: AuthzWorld
let routes: RouteInfo[]

beforeAll(async () => {
  // each case runs in a savepoint (PostgreSQL: a transaction) rolled back afterwards: the app's transactions nest in it
  cdb = await openCaseDb()
  db = cdb.db
  app = await buildApp({
    config: testConfig({ LINK_RATE_LIMIT_PER_MIN: '1000000' }),
    db: cdb.appDb,
    clock: fixedClock('2025-06-01T08:00:00Z'),
    logger: false,
  })
  await app.ready()
  routes = routeTable(app)
  w = await makeAuthzWorld(app, db)
}, SLOW * 60_000)

afterAll(async () => {
  await app?.close()
  await cdb?.close()
})

/** One request against a target, inside a savepoint rolled back afterwards: every case sees the same world. */
async function call(key: string, entry: Entry, f: ScopeFixtures, headers: Record<string, string>) {
  const [method, path] = key.split(' ') as [string, string]
  const url = fillParams(path, f, entry) + queryString(entry.query?.(f))
  const body = entry.body?.(f)
  const h = { ...headers, ...(entry.contentType ? { 'content-type': entry.contentType } : {}) }
  await cdb.openCase('authz_case')
  try {
    return await app.inject({
      method: method as 'GET',
      url,
      headers: h,
      ...(body === undefined ? {} : { payload: body as string }),
    })
  } finally {
    await cdb.rollBackCase('authz_case')
  }
}

function matches(expected: Outcome, res: { statusCode: number; body: string; headers?: Record<string, unknown> }): boolean {
  if (expected === 'ok') return res.statusCode >= 200 && res.statusCode < 300
  if (res.statusCode !== expected) return false
  const code = ERROR_CODE[expected]
  // a page for people (not JSON) answers in Vietnamese, not with the API's error envelope
  if (!String(res.headers?.['content-type'] ?? '').includes('application/json')) return true
  return !code || (JSON.parse(res.body) as { error?: { code?: string } }).error?.code === code
}

describe('authorisation matrix (tests/security/authz-matrix.ts)', () => {
  it('has an entry for every registered route, and a registered route for every entry', () => {
    const missing = routes.filter((r) => !AUTHZ_MATRIX[r.key]).map((r) => r.key)
    const stale = Object.keys(AUTHZ_MATRIX).filter((k) => !routes.some((r) => r.key === k))
    expect(
      missing.map((k) => `${k}: add an entry to tests/security/authz-matrix.ts`),
      'routes without an authorisation entry',
    ).toEqual([])
    expect(stale, 'entries whose route no longer exists').toEqual([])
    expect(routes.length).toBeGreaterThan(40)
  })

  it('refuses every staff route without a valid token: none, expired, another secret, alg none', async () => {
    const admin = db.select().from(users).where(eq(users.username, 'quantri')).get()
    if (!admin) throw new Error('no admin')
    const claims = { sub: admin.id, role: admin.role, unitId: admin.unitId }
    const now = nowSeconds()
    const bad: Record<string, Record<string, string>> = {
      none: {},
      garbage: { authorization: 'Bearer not-a-jwt' },
      expired: {
        authorization: `Bearer ${craftJwt({ alg: 'HS256', typ: 'JWT' }, { ...claims, iat: now - 7200, exp: now - 3600 }, TEST_JWT_SECRET)}`,
      },
      otherSecret: {
        authorization: `Bearer ${craftJwt({ alg: 'HS256', typ: 'JWT' }, { ...claims, iat: now, exp: now + 3600 }, 'another-secret-another-secret-0123456789')}`,
      },
      algNone: { authorization: `Bearer ${craftJwt({ alg: 'none', typ: 'JWT' }, { ...claims, iat: now, exp: now + 3600 })}` },
    }
    const failures: string[] = []
    let checked = 0
    for (const r of routes) {
      const entry = AUTHZ_MATRIX[r.key]
      if (entry?.kind !== 'staff') continue
      for (const [name, headers] of Object.entries(bad)) {
        const res = await call(r.key, entry, w.own, headers)
        checked++
        if (!matches(401, res)) failures.push(`${r.key} with ${name} token: ${res.statusCode} ${res.body.slice(0, 120)}`)
      }
    }
    expect(failures).toEqual([])
    expect(checked).toBeGreaterThan(40 * 5)
  })

  it(
    'gives each role the expected outcome on own-scope and foreign-scope targets',
    async () => {
      const failures: string[] = []
      let checked = 0
      for (const r of routes) {
        const entry = AUTHZ_MATRIX[r.key]
        if (entry?.kind !== 'staff') continue
        for (const role of ROLES) {
          const scopes: ['own' | 'foreign', ScopeFixtures, Outcome][] = [['own', w.own, entry.own[role]]]
          if (entry.foreign !== 'same') scopes.push(['foreign', w.foreign, entry.foreign[role]])
          for (const [scope, f, expected] of scopes) {
            const res = await call(r.key, entry, f, w.auth[role])
            checked++
            if (res.statusCode >= 500) failures.push(`${r.key} as ${role} (${scope}): 5xx ${res.body.slice(0, 200)}`)
            else if (!matches(expected, res))
              failures.push(`${r.key} as ${role} (${scope}): expected ${expected}, got ${res.statusCode} ${res.body.slice(0, 160)}`)
          }
        }
      }
      console.log(`authz matrix: ${checked} route × role × scope cases`)
      expect(failures).toEqual([])
    },
    SLOW * 120_000,
  )

  it('serves every public route to an anonymous caller', async () => {
    const failures: string[] = []
    for (const r of routes) {
      const entry = AUTHZ_MATRIX[r.key]
      if (entry?.kind !== 'public') continue
      const res = await call(r.key, entry, w.own, {})
      if (!matches(entry.expect, res)) failures.push(`${r.key}: expected ${entry.expect}, got ${res.statusCode} ${res.body.slice(0, 160)}`)
    }
    expect(failures).toEqual([])
  })
})
