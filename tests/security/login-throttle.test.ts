import { describe, expect, it } from 'vitest'
import { buildTestApp } from '../helpers/build-test-app.js'
import { makeCommune, makeUser } from '../helpers/factories.js'

describe('login throttle (attacker guesses one staff password in parallel)', () => {
  it('checks at most LOGIN_MAX_FAILURES of 40 parallel wrong passwords; the rest are 429 without a check', async () => {
    const { app, db } = await buildTestApp({ env: { LOGIN_MAX_FAILURES: '10' } })
    const w = makeCommune(db)
    await makeUser(db, { username: 'xa', role: 'front_staff', unitId: w.commune.id })
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'xa', password: `doan-sai-mat-khau-${i}` } }),
      ),
    )
    const codes = results.map((r) => r.statusCode)
    const checked = codes.filter((c) => c === 401).length
    expect(
      codes.every((c) => c === 401 || c === 429),
      codes.join(','),
    ).toBe(true)
    expect(checked).toBeLessThanOrEqual(10)
    expect(codes.filter((c) => c === 429).length).toBe(40 - checked)
    // the right password is refused too while the window lasts
    const right = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'xa', password: 'hailong-test-pw' } })
    expect(right.statusCode).toBe(429)
    expect(right.json().error.code).toBe('rate_limited')
  })

  it('still lets a user in after a few mistakes, and a success does not count as a failure', async () => {
    const { app, db, clock } = await buildTestApp({ env: { LOGIN_MAX_FAILURES: '3', LOGIN_WINDOW_MINUTES: '15' } })
    const w = makeCommune(db)
    await makeUser(db, { username: 'xa', role: 'front_staff', unitId: w.commune.id })
    const login = (password: string) => app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'xa', password } })
    for (let round = 0; round < 3; round++) {
      expect((await login('sai-mat-khau-1')).statusCode).toBe(401)
      expect((await login('sai-mat-khau-2')).statusCode).toBe(401)
      expect((await login('hailong-test-pw')).statusCode).toBe(200)
    }
    for (let i = 0; i < 3; i++) expect((await login(`sai-mat-khau-${i}`)).statusCode).toBe(401)
    expect((await login('hailong-test-pw')).statusCode).toBe(429)
    clock.advance(16 * 60_000)
    expect((await login('hailong-test-pw')).statusCode).toBe(200)
  })
})
