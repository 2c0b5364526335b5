import { loginThrottle } from '@app/db'
import { describe, expect, it } from 'vitest'
import { buildTestApp, loginAs } from '../helpers/build-test-app.js'
import { makeCommune, makeUser, TEST_PASSWORD } from '../helpers/factories.js'
import { TEST_JWT_SECRET } from '../helpers/test-config.js'
import { craftJwt, nowSeconds } from '../helpers/tokens.js'

async function setup(env: Record<string, string> = {}) {
  const t = await buildTestApp({ env })
  const a = makeCommune(t.db, { code: 'AA' })
  const b = makeCommune(t.db, { code: 'BB', provinceName: 'Tỉnh Khác' })
  const staffA = await makeUser(t.db, { username: 'staff.a', role: 'front_staff', unitId: a.commune.id })
  const staffB = await makeUser(t.db, { username: 'staff.b', role: 'front_staff', unitId: b.commune.id })
  return { ...t, a, b, staffA, staffB }
}

const login = (app: Awaited<ReturnType<typeof setup>>['app'], username: string, password: string, remoteAddress = '127.0.0.1') =>
  app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password }, remoteAddress })

describe('POST /api/auth/login', () => {
  it('returns a token and the user for the right password', async () => {
    const { app, staffA, a } = await setup()
    const res = await login(app, 'staff.a', TEST_PASSWORD)
    expect(res.statusCode).toBe(200)
    const body = res.json()
    expect(body.user).toEqual({ id: staffA.id, username: 'staff.a', role: 'front_staff', unitId: a.commune.id, unitKind: 'commune' })
    expect(body.token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/)
    expect(typeof body.expiresAt).toBe('string')
    expect(body.user).not.toHaveProperty('passwordHash')
  })

  it('answers 401 invalid_credentials for a wrong password', async () => {
    const { app } = await setup()
    const res = await login(app, 'staff.a', 'not-the-password')
    expect(res.statusCode).toBe(401)
    expect(res.json().error.code).toBe('invalid_credentials')
  })

  it('gives an unknown user the same answer as a wrong password', async () => {
    const { app } = await setup()
    const wrong = await login(app, 'staff.a', 'not-the-password')
    const unknown = await login(app, 'nobody', 'not-the-password')
    expect(unknown.statusCode).toBe(401)
    expect(unknown.json()).toEqual(wrong.json())
  })

  it('refuses a disabled user with the right password, while another user still logs in', async () => {
    const { app, db, staffA } = await setup()
    db.$client.prepare('UPDATE users SET disabled = 1 WHERE id = ?').run(staffA.id)
    const res = await login(app, 'staff.a', TEST_PASSWORD)
    expect(res.statusCode).toBe(401)
    expect(res.json().error.code).toBe('invalid_credentials')
    expect((await login(app, 'staff.b', TEST_PASSWORD)).statusCode).toBe(200)
  })

  it('answers 400 validation_failed for a body without a password', async () => {
    const { app } = await setup()
    const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'staff.a' } })
    expect(res.statusCode).toBe(400)
    expect(res.json().error.code).toBe('validation_failed')
  })
})

describe('login throttling (per username + IP)', () => {
  it('answers 429 rate_limited with retry-after after LOGIN_MAX_FAILURES failures, even for the right password', async () => {
    const { app } = await setup({ LOGIN_MAX_FAILURES: '3' })
    for (let i = 0; i < 3; i++) expect((await login(app, 'staff.a', 'wrong-password')).statusCode).toBe(401)
    const res = await login(app, 'staff.a', TEST_PASSWORD)
    expect(res.statusCode).toBe(429)
    expect(res.json().error.code).toBe('rate_limited')
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0)
  })

  it('does not block the same username from another IP, nor another username from the same IP', async () => {
    const { app } = await setup({ LOGIN_MAX_FAILURES: '3' })
    for (let i = 0; i < 3; i++) await login(app, 'staff.a', 'wrong-password', '10.0.0.1')
    expect((await login(app, 'staff.a', TEST_PASSWORD, '10.0.0.1')).statusCode).toBe(429)
    expect((await login(app, 'staff.a', TEST_PASSWORD, '10.0.0.2')).statusCode).toBe(200)
    expect((await login(app, 'staff.b', TEST_PASSWORD, '10.0.0.1')).statusCode).toBe(200)
  })

  it('does not count successful logins', async () => {
    const { app } = await setup({ LOGIN_MAX_FAILURES: '2' })
    for (let i = 0; i < 4; i++) expect((await login(app, 'staff.a', TEST_PASSWORD)).statusCode).toBe(200)
    expect((await login(app, 'staff.a', 'wrong-password')).statusCode).toBe(401)
    expect((await login(app, 'staff.a', TEST_PASSWORD)).statusCode).toBe(200)
  })

  it('lets the user in again once the window has passed', async () => {
    const { app, db, clock } = await setup({ LOGIN_MAX_FAILURES: '2', LOGIN_WINDOW_MINUTES: '15' })
    for (let i = 0; i < 2; i++) await login(app, 'staff.a', 'wrong-password')
    expect((await login(app, 'staff.a', TEST_PASSWORD)).statusCode).toBe(429)
    expect(
      db
        .select()
        .from(loginThrottle)
        .all()
        .map((r) => r.count),
    ).toEqual([2, 2])
    clock.advance(15 * 60_000 + 1000)
    expect((await login(app, 'staff.a', TEST_PASSWORD)).statusCode).toBe(200)
  })

  it('blocks an IP that tries many usernames (LOGIN_MAX_FAILURES_PER_IP)', async () => {
    const { app } = await setup({ LOGIN_MAX_FAILURES: '10', LOGIN_MAX_FAILURES_PER_IP: '3' })
    for (const u of ['x1', 'x2', 'x3']) expect((await login(app, u, 'wrong-password', '10.9.9.9')).statusCode).toBe(401)
    expect((await login(app, 'staff.a', TEST_PASSWORD, '10.9.9.9')).statusCode).toBe(429)
    expect((await login(app, 'staff.a', TEST_PASSWORD, '10.9.9.8')).statusCode).toBe(200)
  })
})

describe('bearer tokens', () => {
  const me = (app: Awaited<ReturnType<typeof setup>>['app'], authorization?: string) =>
    app.inject({ method: 'GET', url: '/api/auth/me', headers: authorization ? { authorization } : {} })

  it('GET /api/auth/me returns the logged-in user', async () => {
    const { app, staffB, b } = await setup()
    const res = await app.inject({ method: 'GET', url: '/api/auth/me', headers: await loginAs(app, 'staff.b') })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ id: staffB.id, username: 'staff.b', role: 'front_staff', unitId: b.commune.id, disabled: false })
  })

  it('answers 401 unauthorized without a token', async () => {
    const { app } = await setup()
    const res = await me(app)
    expect(res.statusCode).toBe(401)
    expect(res.json().error.code).toBe('unauthorized')
  })

  it('refuses an expired token', async () => {
    const { app, staffA, a } = await setup()
    const iat = nowSeconds() - 3 * 3600
    const token = craftJwt(
      { alg: 'HS256', typ: 'JWT' },
      { sub: staffA.id, role: 'front_staff', unitId: a.commune.id, tv: 0, iat, exp: iat + 3600 },
      TEST_JWT_SECRET,
    )
    const res = await me(app, `Bearer ${token}`)
    expect(res.statusCode).toBe(401)
    expect(res.json().error.code).toBe('unauthorized')
    // the same claims with a future exp are accepted, so the refusal above is about expiry
    const fresh = craftJwt(
      { alg: 'HS256', typ: 'JWT' },
      { sub: staffA.id, role: 'front_staff', unitId: a.commune.id, tv: 0, iat: nowSeconds(), exp: nowSeconds() + 600 },
      TEST_JWT_SECRET,
    )
    expect((await me(app, `Bearer ${fresh}`)).statusCode).toBe(200)
  })

  it('refuses a token signed with another secret', async () => {
    const { app, staffA, a } = await setup()
    const token = craftJwt(
      { alg: 'HS256', typ: 'JWT' },
      { sub: staffA.id, role: 'admin', unitId: a.commune.id, iat: nowSeconds(), exp: nowSeconds() + 600 },
      'another-secret-another-secret-another-secret',
    )
    const res = await me(app, `Bearer ${token}`)
    expect(res.statusCode).toBe(401)
    expect(res.json().error.code).toBe('unauthorized')
  })

  it('refuses an unsigned alg: none token', async () => {
    const { app, staffA, a } = await setup()
    const token = craftJwt({ alg: 'none', typ: 'JWT' }, { sub: staffA.id, role: 'admin', unitId: a.commune.id, iat: nowSeconds() })
    const res = await me(app, `Bearer ${token}`)
    expect(res.statusCode).toBe(401)
    expect(res.json().error.code).toBe('unauthorized')
  })

  it('refuses a token with another algorithm (HS512) even with the right secret', async () => {
    const { app, staffA, a } = await setup()
    const { createHmac } = await import('node:crypto')
    const unsigned = `${Buffer.from(JSON.stringify({ alg: 'HS512', typ: 'JWT' })).toString('base64url')}.${Buffer.from(
      JSON.stringify({ sub: staffA.id, role: 'front_staff', unitId: a.commune.id, iat: nowSeconds(), exp: nowSeconds() + 600 }),
    ).toString('base64url')}`
    const token = `${unsigned}.${createHmac('sha512', TEST_JWT_SECRET).update(unsigned).digest('base64url')}`
    expect((await me(app, `Bearer ${token}`)).statusCode).toBe(401)
  })

  it('refuses garbage in the authorization header', async () => {
    const { app } = await setup()
    expect((await me(app, 'Bearer not.a.token')).statusCode).toBe(401)
    expect((await me(app, 'Basic dXNlcjpwYXNz')).statusCode).toBe(401)
  })

  it('takes role and scope from the database, not from the token claims', async () => {
    const { app, staffA, b } = await setup()
    // a validly signed token whose claims lie about role and unit
    const token = craftJwt(
      { alg: 'HS256', typ: 'JWT' },
      { sub: staffA.id, role: 'admin', unitId: b.commune.id, tv: 0, iat: nowSeconds(), exp: nowSeconds() + 600 },
      TEST_JWT_SECRET,
    )
    const res = await me(app, `Bearer ${token}`)
    expect(res.statusCode).toBe(200)
    expect(res.json().role).toBe('front_staff')
    expect(
      (await app.inject({ method: 'GET', url: `/api/units/${b.commune.id}`, headers: { authorization: `Bearer ${token}` } })).statusCode,
    ).toBe(404)
  })
})
