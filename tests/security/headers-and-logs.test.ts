import { createTestDb } from '@app/db'
import { buildApp } from '@app/server'
import { fixedClock } from '@app/server/lib/clock.ts'
import { formatSlipCode } from '@app/shared'
import { describe, expect, it, onTestFinished, vi } from 'vitest'
import { buildTestApp } from '../helpers/build-test-app.js'
import { TEST_PASSWORD } from '../helpers/factories.js'
import { allSatisfied, makeWorld, openRoundWithLinks } from '../helpers/rounds.js'
import { testConfig } from '../helpers/test-config.js'
import { routeTable } from './helpers/route-table.js'

vi.mock('fastify', async (orig) => (await import('./helpers/route-table.js')).recordRoutes(orig))

describe('security headers', () => {
  it.each(['/', '/r/x', '/api/health', '/v/unknown', '/api/rounds'])('%s carries a strict CSP and the helmet headers', async (url) => {
    const { app } = await buildTestApp()
    const res = await app.inject({ method: 'GET', url })
    const csp = String(res.headers['content-security-policy'] ?? '')
    const directives = Object.fromEntries(
      csp
        .split(';')
        .map((d) => d.trim().split(/\s+/))
        .filter((d) => d[0])
        .map(([k, ...v]) => [k, v]),
    ) as Record<string, string[]>
    expect(directives['default-src']).toEqual(["'self'"])
    // the resident page allows its one inlined module by hash (plugins/respond-page.ts), nothing else
    expect(directives['script-src']?.filter((s) => !/^'sha256-[A-Za-z0-9+/]{43}='$/.test(s))).toEqual(["'self'"])
    expect(directives['object-src']).toEqual(["'none'"])
    expect(directives['base-uri']).toEqual(["'self'"])
    expect(directives['form-action']).toEqual(["'self'"])
    expect(["'none'", "'self'"]).toContain(directives['frame-ancestors']?.[0])
    expect(csp).not.toMatch(/unsafe-eval|\*/)
    expect(directives['script-src']?.join(' ')).not.toContain('unsafe-inline')
    expect(res.headers['x-content-type-options']).toBe('nosniff')
    expect(res.headers['referrer-policy']).toBe('no-referrer')
    expect(res.headers['x-frame-options']).toBeDefined()
    expect(res.headers['cross-origin-opener-policy']).toBe('same-origin')
    expect(res.headers['x-powered-by']).toBeUndefined()
    expect(res.headers['set-cookie']).toBeUndefined()
  })
})

describe('secrets stay out of URLs', () => {
  it('only the resident link routes take a token in the path, and no query string carries a credential', async () => {
    const { app } = await buildTestApp()
    const routes = routeTable(app)
    const tokenRoutes = routes.filter((r) => r.params.some((p) => /token|secret|password|jwt|key/i.test(p))).map((r) => r.key)
    // the assisted answer is the household's own link opened by a signed-in team member: logged like the resident
    // routes (token redacted, address cut to its /24)
    expect(tokenRoutes.sort()).toEqual([
      'GET /api/ballots/:token',
      'GET /r/:token',
      'POST /api/ballots/:token',
      'POST /api/ballots/:token/assisted',
    ])
    const credentialQueries = routes.filter((r) => r.queryKeys.some((k) => /token|secret|password|jwt|auth|session/i.test(k)))
    expect(credentialQueries.map((r) => r.key)).toEqual([])
    // Staff authenticate with a bearer header only: login sets no cookie and a token in the query is ignored.
    const login = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'nobody', password: 'x'.repeat(12) } })
    expect(login.headers['set-cookie']).toBeUndefined()
  })
})

describe('PII never reaches the logs', () => {
  it('logs no password, link token, phone number or head-of-household name through login, import, links and ballots', async () => {
    const lines: string[] = []
    const db = createTestDb()
    const app = await buildApp({
      config: testConfig({ LOG_LEVEL: 'trace', LINK_RATE_LIMIT_PER_MIN: '100000' }),
      db,
      clock: fixedClock('2025-06-01T08:00:00Z'),
      logStream: { write: (line: string) => void lines.push(line) },
    })
    await app.ready()
    onTestFinished(async () => {
      await app.close()
      db.$client.close()
    })
    const w = await makeWorld(app, db, { perVillage: 0 })
    const names = ['Phạm Thị Bí Mật', 'Nguyễn Văn Riêng Tư']
    const phones = ['84987650001', '84987650002']
    const csv = [
      'village_code,household_code,head_name,phone,address',
      `${w.villages[0]?.code},PII1,${names[0]},${phones[0]},Số 7 đường Kín`,
      `${w.villages[1]?.code},PII2,${names[1]},0987650002,Số 9 đường Kín`,
    ].join('\n')
    const imp = await app.inject({
      method: 'POST',
      url: `/api/units/${w.commune.id}/households/import`,
      headers: { ...w.auth.xa, 'content-type': 'text/csv' },
      payload: csv,
    })
    expect(imp.json()).toMatchObject({ created: 2, rejected: [] })
    const bad = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'xa', password: 'sai-mat-khau-roi' } })
    expect(bad.statusCode).toBe(401)
    // Listing households (with phones for front staff) and searching by name.
    await app.inject({
      method: 'GET',
      url: `/api/units/${w.villages[0]?.id}/households?q=${encodeURIComponent(names[0] as string)}`,
      headers: w.auth.xa,
    })
    const { round, tokens } = await openRoundWithLinks(app, w)
    const [t1, t2] = tokens as [string, string]
    await app.inject({ method: 'GET', url: `/r/${t1}` })
    await app.inject({ method: 'GET', url: `/api/ballots/${t1}` })
    const sub = await app.inject({
      method: 'POST',
      url: `/api/ballots/${t1}`,
      payload: { answers: allSatisfied, clientId: 'pii-client-1' },
    })
    expect(sub.statusCode).toBe(201)
    await app.inject({ method: 'POST', url: `/api/ballots/${t1}?x=1`, payload: { answers: allSatisfied } }) // 409, logged at warn
    await app.inject({ method: 'POST', url: `/api/ballots/${t2}`, payload: { answers: { q1: { satisfied: false } } } }) // 400
    await app.inject({ method: 'GET', url: `/api/receipts/${sub.json().receipt}` })
    await app.inject({ method: 'GET', url: `/api/rounds/${round.id}/households?villageId=${w.villages[0]?.id}`, headers: w.auth.xa })
    // the slip's code typed on /ma: the code is in the body, the token in the redirect; neither is logged
    const form = { 'content-type': 'application/x-www-form-urlencoded' }
    const typed = await app.inject({ method: 'POST', url: '/ma', headers: form, payload: `ma=${encodeURIComponent(formatSlipCode(t2))}` })
    expect(typed.statusCode).toBe(303)
    await app.inject({ method: 'POST', url: '/ma', headers: form, payload: 'ma=ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZ' })

    const log = lines.join('')
    expect(lines.length).toBeGreaterThan(20)
    // resident routes (TRUST.md §2.5): the route without any token fingerprint, and the address cut to its /24
    expect(log).toContain('/api/ballots/[link]')
    const resident = lines.filter((l) => /"url":"\/(r\/|api\/ballots\/|api\/receipts\/|ma")/.test(l))
    expect(resident.length).toBeGreaterThanOrEqual(7)
    expect(resident.some((l) => l.includes('"url":"/ma"'))).toBe(true)
    for (const l of resident) {
      expect(l).not.toMatch(/#[0-9a-f]{8}/)
      const addr = (JSON.parse(l) as { req?: { remoteAddress?: string } }).req?.remoteAddress
      if (addr !== undefined) expect(addr).toMatch(/\.0\/24$|::\/48$/)
    }
    const secrets = [
      TEST_PASSWORD,
      'sai-mat-khau-roi',
      t1,
      t2,
      formatSlipCode(t2),
      'ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZ',
      ...names,
      ...phones,
      '0987650002',
      '987650001',
      'đường Kín',
      w.auth.xa.authorization.slice('Bearer '.length),
    ]
    const leaks = secrets.filter((s) => log.includes(s) || log.includes(encodeURIComponent(s)))
    expect(leaks).toEqual([])
  })
})
