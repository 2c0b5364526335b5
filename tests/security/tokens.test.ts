import { users } from '@app/db'
import { eq } from 'drizzle-orm'
import type { FastifyInstance } from 'fastify'
import { describe, expect, it } from 'vitest'
import { buildTestApp, loginAs } from '../helpers/build-test-app.js'
import { makeCommune, makeUnit, makeUser } from '../helpers/factories.js'
import { TEST_JWT_SECRET } from '../helpers/test-config.js'
import { craftJwt, nowSeconds } from '../helpers/tokens.js'

/** A staff token must die with the situation it was issued for: reset password, disabled account, changed role or scope. */
async function setup() {
  const t = await buildTestApp()
  const w = makeCommune(t.db)
  const admin = await makeUser(t.db, { username: 'quantri', role: 'admin', unitId: w.province.id })
  const staff = await makeUser(t.db, { username: 'xa', role: 'front_staff', unitId: w.commune.id })
  const adminAuth = await loginAs(t.app, 'quantri')
  return { ...t, w, admin, staff, adminAuth }
}

const me = (app: FastifyInstance, headers: Record<string, string>) => app.inject({ method: 'GET', url: '/api/auth/me', headers })

describe('staff tokens are revocable', () => {
  it('a token issued before a password reset stops working; a new login works', async () => {
    const { app, staff, adminAuth } = await setup()
    const old = await loginAs(app, 'xa')
    expect((await me(app, old)).statusCode).toBe(200)
    const reset = await app.inject({
      method: 'PATCH',
      url: `/api/users/${staff.id}`,
      headers: adminAuth,
      payload: { password: 'mat-khau-moi-dai-du' },
    })
    expect(reset.statusCode, reset.body).toBe(200)
    expect((await me(app, old)).statusCode).toBe(401)
    expect((await me(app, await loginAs(app, 'xa', 'mat-khau-moi-dai-du'))).statusCode).toBe(200)
  })

  it('disabling and re-enabling a user does not revive the old token', async () => {
    const { app, staff, adminAuth } = await setup()
    const old = await loginAs(app, 'xa')
    for (const disabled of [true, false]) {
      const res = await app.inject({ method: 'PATCH', url: `/api/users/${staff.id}`, headers: adminAuth, payload: { disabled } })
      expect(res.statusCode, res.body).toBe(200)
    }
    expect((await me(app, old)).statusCode).toBe(401)
    expect((await me(app, await loginAs(app, 'xa'))).statusCode).toBe(200)
  })

  it('a change of role or of unit ends the old token', async () => {
    const { app, db, w, staff, adminAuth } = await setup()
    const other = makeUnit(db, { kind: 'commune', name: 'Xã Bên', parentId: w.province.id })
    for (const payload of [{ role: 'collector' }, { unitId: other.id }]) {
      const old = await loginAs(app, 'xa')
      const res = await app.inject({ method: 'PATCH', url: `/api/users/${staff.id}`, headers: adminAuth, payload })
      expect(res.statusCode, res.body).toBe(200)
      expect((await me(app, old)).statusCode, JSON.stringify(payload)).toBe(401)
    }
  })

  it('logout revokes the token it is called with', async () => {
    const { app } = await setup()
    const auth = await loginAs(app, 'xa')
    const out = await app.inject({ method: 'POST', url: '/api/auth/logout', headers: auth })
    expect(out.statusCode, out.body).toBe(204)
    expect((await me(app, auth)).statusCode).toBe(401)
    expect((await app.inject({ method: 'POST', url: '/api/auth/logout', headers: auth })).statusCode).toBe(401)
    expect((await me(app, await loginAs(app, 'xa'))).statusCode).toBe(200)
  })

  it('refuses a token signed with the real secret but without exp', async () => {
    const { app, db, staff } = await setup()
    const row = db.select().from(users).where(eq(users.id, staff.id)).get()
    if (!row) throw new Error('no user')
    const valid = await loginAs(app, 'xa')
    // copy every claim of a real token (whatever the server puts there) but drop exp
    const claims = JSON.parse(Buffer.from(valid.authorization.split('.')[1] as string, 'base64url').toString()) as Record<string, unknown>
    delete claims.exp
    const noExp = craftJwt({ alg: 'HS256', typ: 'JWT' }, { ...claims, iat: nowSeconds() }, TEST_JWT_SECRET)
    const res = await me(app, { authorization: `Bearer ${noExp}` })
    expect(res.statusCode).toBe(401)
    expect(res.json().error.code).toBe('unauthorized')
  })

  it('keeps JWT_TTL_MINUTES as the lifetime', async () => {
    const { app } = await setup()
    const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'xa', password: 'hailong-test-pw' } })
    const claims = JSON.parse(Buffer.from(res.json().token.split('.')[1], 'base64url').toString()) as { iat: number; exp: number }
    expect(claims.exp - claims.iat).toBe(120 * 60)
  })
})
