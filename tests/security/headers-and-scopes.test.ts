import { describe, expect, it } from 'vitest'
import { buildTestApp, loginAs } from '../helpers/build-test-app.js'
import { makeUser } from '../helpers/factories.js'
import { allSatisfied, createRound, makeWorld, openRoundWithLinks } from '../helpers/rounds.js'

describe('HSTS', () => {
  it('is sent when PUBLIC_BASE_URL is https, and not on a plain-http install', async () => {
    const https = await buildTestApp({ env: { PUBLIC_BASE_URL: 'https://hailong.example.vn' } })
    const res = await https.app.inject({ method: 'GET', url: '/api/health' })
    const hsts = String(res.headers['strict-transport-security'] ?? '')
    expect(hsts).toMatch(/max-age=(\d+)/)
    expect(Number(/max-age=(\d+)/.exec(hsts)?.[1])).toBeGreaterThanOrEqual(180 * 24 * 3600)
    const http = await buildTestApp()
    expect((await http.app.inject({ method: 'GET', url: '/api/health' })).headers['strict-transport-security']).toBeUndefined()
  })
})

describe('API docs', () => {
  it('need a staff login unless PUBLIC_API_DOCS=true', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    for (const url of ['/api/docs', '/api/docs/json', '/api/openapi.json']) {
      const anon = await app.inject({ method: 'GET', url })
      expect(anon.statusCode, url).toBe(401)
      expect(anon.json().error.code, url).toBe('unauthorized')
      const staff = await app.inject({ method: 'GET', url, headers: w.auth.xa })
      expect([200, 302], url).toContain(staff.statusCode)
    }
    const open = await buildTestApp({ env: { PUBLIC_API_DOCS: 'true' } })
    for (const url of ['/api/docs', '/api/docs/json', '/api/openapi.json'])
      expect([200, 302], url).toContain((await open.app.inject({ method: 'GET', url })).statusCode)
  })
})

describe('ledger verification of an open round', () => {
  it('is for front staff in scope only; council, collectors and admin get 403 while the round is open', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    const { round, tokens } = await openRoundWithLinks(app, w)
    // the collector works this round, so sees it, and still may not check its ledger while it is open
    const assign = await app.inject({
      method: 'PUT',
      url: `/api/rounds/${round.id}/collectors/${w.collector.id}`,
      headers: w.auth.xa,
      payload: { villageIds: w.villages.map((v) => v.id) },
    })
    expect(assign.statusCode, assign.body).toBe(200)
    for (const t of tokens.slice(0, 3))
      expect((await app.inject({ method: 'POST', url: `/api/ballots/${t}`, payload: { answers: allSatisfied } })).statusCode).toBe(201)
    const url = `/api/rounds/${round.id}/ledger/verify`
    expect((await app.inject({ method: 'GET', url, headers: w.auth.xa })).statusCode).toBe(200)
    expect((await app.inject({ method: 'GET', url, headers: w.auth.tinh })).statusCode).toBe(200)
    expect((await app.inject({ method: 'GET', url, headers: w.auth.khac })).statusCode).toBe(404)
    for (const who of ['hoidong', 'thuky', 'admin'] as const) {
      const res = await app.inject({ method: 'GET', url, headers: w.auth[who] })
      expect(res.statusCode, who).toBe(403)
      expect(res.json().error.code).toBe('forbidden')
    }
    // once sealed, the council checks the chain it appraises
    await app.inject({ method: 'POST', url: `/api/rounds/${round.id}/close`, headers: w.auth.xa, payload: {} })
    expect((await app.inject({ method: 'POST', url: `/api/rounds/${round.id}/seal`, headers: w.auth.xa })).statusCode).toBe(200)
    expect((await app.inject({ method: 'GET', url, headers: w.auth.hoidong })).statusCode).toBe(200)
  })
})

describe('household names', () => {
  it('go to front staff in scope and to collectors for the villages they are assigned to, not to council', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    const round = await createRound(app, w)
    const [v1, v2] = w.villages
    if (!v1 || !v2) throw new Error('two villages')
    const assign = await app.inject({
      method: 'PUT',
      url: `/api/rounds/${round.id}/collectors/${w.collector.id}`,
      headers: w.auth.xa,
      payload: { villageIds: [v1.id] },
    })
    expect(assign.statusCode, assign.body).toBe(200)
    const list = (villageId: string, headers: Record<string, string>) =>
      app.inject({ method: 'GET', url: `/api/units/${villageId}/households`, headers })
    const own = await list(v1.id, w.auth.thuky)
    expect(own.statusCode).toBe(200)
    expect(own.json().items[0].headName).toMatch(/Chủ Hộ/)
    const other = await list(v2.id, w.auth.thuky)
    expect(other.statusCode).toBe(403)
    expect(other.body).not.toMatch(/Chủ Hộ/)
    const council = await list(v1.id, w.auth.hoidong)
    expect(council.statusCode).toBe(403)
    expect(council.body).not.toMatch(/Chủ Hộ/)
    expect((await list(v2.id, w.auth.xa)).statusCode).toBe(200)
    // a collector of the commune never assigned anywhere sees no names either
    await makeUser(db, { username: 'thuky2', role: 'collector', unitId: w.commune.id })
    expect((await list(v1.id, await loginAs(app, 'thuky2'))).statusCode).toBe(403)
  })
})
