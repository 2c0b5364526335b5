import { auditLog, users } from '@app/db'
import { describe, expect, it } from 'vitest'
import { buildTestApp, loginAs } from '../helpers/build-test-app.js'
import { makeCommune, makeUser } from '../helpers/factories.js'

async function setup() {
  const t = await buildTestApp()
  const a = makeCommune(t.db, { code: 'AA' })
  const b = makeCommune(t.db, { code: 'BB', provinceName: 'Tỉnh Khác' })
  const admin = await makeUser(t.db, { username: 'root', role: 'admin', unitId: a.province.id })
  const staffA = await makeUser(t.db, { username: 'staff.a', role: 'front_staff', unitId: a.commune.id })
  const staffB = await makeUser(t.db, { username: 'staff.b', role: 'front_staff', unitId: b.commune.id })
  return { ...t, a, b, admin, staffA, staffB }
}

const NEW_USER_PASSWORD = 'a-long-enough-password'

describe('POST /api/users', () => {
  it('lets an admin create a user in any province, who can then log in', async () => {
    const { app, db, b, admin } = await setup()
    const res = await app.inject({
      method: 'POST',
      url: '/api/users',
      headers: await loginAs(app, 'root'),
      payload: { username: 'thu.ky.b', password: NEW_USER_PASSWORD, role: 'collector', unitId: b.commune.id },
    })
    expect(res.statusCode).toBe(201)
    expect(res.json()).toMatchObject({ username: 'thu.ky.b', role: 'collector', unitId: b.commune.id, disabled: false })
    expect(res.json()).not.toHaveProperty('passwordHash')
    const row = db
      .select()
      .from(users)
      .all()
      .find((u) => u.username === 'thu.ky.b')
    expect(row?.passwordHash).toMatch(/^scrypt\$/)
    expect(row?.passwordHash).not.toContain(NEW_USER_PASSWORD)
    const audit = db.select().from(auditLog).all()
    expect(audit.at(-1)).toMatchObject({ action: 'user.create', actorId: admin.id, targetId: res.json().id })
    expect((await loginAs(app, 'thu.ky.b', NEW_USER_PASSWORD)).authorization).toMatch(/^Bearer /)
  })

  it('answers 403 to front staff, and creates nothing', async () => {
    const { app, db, a } = await setup()
    const before = db.select().from(users).all().length
    const res = await app.inject({
      method: 'POST',
      url: '/api/users',
      headers: await loginAs(app, 'staff.a'),
      payload: { username: 'sneaky', password: NEW_USER_PASSWORD, role: 'admin', unitId: a.commune.id },
    })
    expect(res.statusCode).toBe(403)
    expect(res.json().error.code).toBe('forbidden')
    expect(db.select().from(users).all()).toHaveLength(before)
  })

  it('answers 409 already_exists for a taken username', async () => {
    const { app, b } = await setup()
    const res = await app.inject({
      method: 'POST',
      url: '/api/users',
      headers: await loginAs(app, 'root'),
      payload: { username: 'staff.b', password: NEW_USER_PASSWORD, role: 'council', unitId: b.province.id },
    })
    expect(res.statusCode).toBe(409)
    expect(res.json().error.code).toBe('already_exists')
  })

  it('answers 404 for an unknown unit and 400 for a short password', async () => {
    const { app, a } = await setup()
    const headers = await loginAs(app, 'root')
    const unknown = await app.inject({
      method: 'POST',
      url: '/api/users',
      headers,
      payload: { username: 'new.user', password: NEW_USER_PASSWORD, role: 'council', unitId: 'no-such-unit' },
    })
    expect(unknown.statusCode).toBe(404)
    const short = await app.inject({
      method: 'POST',
      url: '/api/users',
      headers,
      payload: { username: 'new.user', password: 'short', role: 'council', unitId: a.commune.id },
    })
    expect(short.statusCode).toBe(400)
    expect(short.json().error.code).toBe('validation_failed')
  })
})

describe('GET /api/users', () => {
  it('lists every user to an admin; front staff see only the collectors in their scope; others get 403', async () => {
    const { app, db, a, b } = await setup()
    await makeUser(db, { username: 'tk.a', role: 'collector', unitId: a.commune.id })
    await makeUser(db, { username: 'tk.b', role: 'collector', unitId: b.commune.id })
    const council = await makeUser(db, { username: 'hd.a', role: 'council', unitId: a.province.id })
    const res = await app.inject({ method: 'GET', url: '/api/users', headers: await loginAs(app, 'root') })
    expect(res.statusCode).toBe(200)
    expect(res.json().items.map((u: { username: string }) => u.username)).toEqual(['hd.a', 'root', 'staff.a', 'staff.b', 'tk.a', 'tk.b'])
    const staff = await app.inject({ method: 'GET', url: '/api/users', headers: await loginAs(app, 'staff.b') })
    expect(staff.statusCode).toBe(200)
    expect(staff.json().items.map((u: { username: string }) => u.username)).toEqual(['tk.b'])
    const other = await app.inject({ method: 'GET', url: '/api/users', headers: await loginAs(app, council.username) })
    expect(other.statusCode).toBe(403)
  })
})

describe('PATCH /api/users/:id', () => {
  it("disabling a user makes their existing token stop working at once; another user's token still works", async () => {
    const { app, db, staffA, admin } = await setup()
    const tokenA = await loginAs(app, 'staff.a')
    const tokenB = await loginAs(app, 'staff.b')
    expect((await app.inject({ method: 'GET', url: '/api/auth/me', headers: tokenA })).statusCode).toBe(200)

    const res = await app.inject({
      method: 'PATCH',
      url: `/api/users/${staffA.id}`,
      headers: await loginAs(app, 'root'),
      payload: { disabled: true },
    })
    expect(res.statusCode).toBe(200)
    expect(res.json().disabled).toBe(true)
    expect(db.select().from(auditLog).all().at(-1)).toMatchObject({ action: 'user.disable', actorId: admin.id, targetId: staffA.id })

    const after = await app.inject({ method: 'GET', url: '/api/auth/me', headers: tokenA })
    expect(after.statusCode).toBe(401)
    expect(after.json().error.code).toBe('unauthorized')
    expect((await app.inject({ method: 'GET', url: '/api/auth/me', headers: tokenB })).statusCode).toBe(200)
  })

  it('lets an admin re-enable a user and reset the password', async () => {
    const { app, staffA } = await setup()
    const headers = await loginAs(app, 'root')
    await app.inject({ method: 'PATCH', url: `/api/users/${staffA.id}`, headers, payload: { disabled: true } })
    const res = await app.inject({
      method: 'PATCH',
      url: `/api/users/${staffA.id}`,
      headers,
      payload: { disabled: false, password: NEW_USER_PASSWORD },
    })
    expect(res.statusCode).toBe(200)
    expect((await loginAs(app, 'staff.a', NEW_USER_PASSWORD)).authorization).toMatch(/^Bearer /)
  })

  it('answers 403 to front staff trying to disable another user', async () => {
    const { app, db, staffB } = await setup()
    const res = await app.inject({
      method: 'PATCH',
      url: `/api/users/${staffB.id}`,
      headers: await loginAs(app, 'staff.a'),
      payload: { disabled: true },
    })
    expect(res.statusCode).toBe(403)
    expect(
      db
        .select()
        .from(users)
        .all()
        .find((u) => u.id === staffB.id)?.disabled,
    ).toBe(false)
  })

  it('refuses to let an admin disable themselves (409) and answers 404 for an unknown user', async () => {
    const { app, admin } = await setup()
    const headers = await loginAs(app, 'root')
    const self = await app.inject({ method: 'PATCH', url: `/api/users/${admin.id}`, headers, payload: { disabled: true } })
    expect(self.statusCode).toBe(409)
    const unknown = await app.inject({ method: 'PATCH', url: '/api/users/nope', headers, payload: { disabled: true } })
    expect(unknown.statusCode).toBe(404)
  })
})

describe('POST /api/users/:id/password (admin reset)', () => {
  const me = (app: Awaited<ReturnType<typeof setup>>['app'], headers: { authorization: string }) =>
    app.inject({ method: 'GET', url: '/api/auth/me', headers })

  it('makes a temporary password shown once: old sessions and the old password stop working, the new one signs in', async () => {
    const { app, db, staffA, admin } = await setup()
    const oldSession = await loginAs(app, 'staff.a')
    const res = await app.inject({
      method: 'POST',
      url: `/api/users/${staffA.id}/password`,
      headers: await loginAs(app, 'root'),
      payload: {},
    })
    expect(res.statusCode).toBe(200)
    const { temporaryPassword, user } = res.json() as { temporaryPassword: string; user: { id: string } }
    expect(user.id).toBe(staffA.id)
    // 3 groups of 5 signs nobody misreads: about 74 bits
    expect(temporaryPassword).toMatch(/^[a-hj-km-np-z2-9]{5}-[a-hj-km-np-z2-9]{5}-[a-hj-km-np-z2-9]{5}$/)
    expect((await me(app, oldSession)).statusCode).toBe(401)
    await expect(loginAs(app, 'staff.a')).rejects.toThrow(/401/)
    expect((await me(app, await loginAs(app, 'staff.a', temporaryPassword))).statusCode).toBe(200)
    const entry = db.select().from(auditLog).all().at(-1)
    expect(entry).toMatchObject({ action: 'user.password_reset', actorId: admin.id, targetId: staffA.id })
    // the audit says a temporary password was made, never which
    expect(JSON.stringify(entry)).not.toContain(temporaryPassword)
    const row = db
      .select()
      .from(users)
      .all()
      .find((u) => u.id === staffA.id)
    expect(row?.passwordHash).not.toContain(temporaryPassword)
  })

  it('takes a password the admin types (at least 10 signs) and returns no temporary one', async () => {
    const { app, staffA } = await setup()
    const headers = await loginAs(app, 'root')
    const short = await app.inject({ method: 'POST', url: `/api/users/${staffA.id}/password`, headers, payload: { password: 'ngan' } })
    expect(short.statusCode).toBe(400)
    expect(short.json().error.code).toBe('validation_failed')
    const res = await app.inject({
      method: 'POST',
      url: `/api/users/${staffA.id}/password`,
      headers,
      payload: { password: NEW_USER_PASSWORD },
    })
    expect(res.statusCode).toBe(200)
    expect(res.json().temporaryPassword).toBeNull()
    expect((await loginAs(app, 'staff.a', NEW_USER_PASSWORD)).authorization).toMatch(/^Bearer /)
  })

  it('answers 403 to front staff, council and collectors, and the password stays as it was', async () => {
    const { app, db, a, staffB } = await setup()
    await makeUser(db, { username: 'hd', role: 'council', unitId: a.province.id })
    await makeUser(db, { username: 'tk', role: 'collector', unitId: a.commune.id })
    const before = db
      .select()
      .from(users)
      .all()
      .find((u) => u.id === staffB.id)?.passwordHash
    for (const who of ['staff.a', 'hd', 'tk']) {
      for (const payload of [{}, { password: NEW_USER_PASSWORD }]) {
        const res = await app.inject({ method: 'POST', url: `/api/users/${staffB.id}/password`, headers: await loginAs(app, who), payload })
        expect(res.statusCode, who).toBe(403)
        expect(res.json().error.code).toBe('forbidden')
      }
      const patch = await app.inject({
        method: 'PATCH',
        url: `/api/users/${staffB.id}`,
        headers: await loginAs(app, who),
        payload: { role: 'admin', unitId: a.province.id },
      })
      expect(patch.statusCode, who).toBe(403)
    }
    const after = db
      .select()
      .from(users)
      .all()
      .find((u) => u.id === staffB.id)
    expect(after?.passwordHash).toBe(before)
    expect(after?.role).toBe('front_staff')
    await expect(loginAs(app, 'staff.b')).resolves.toBeTruthy()
  })

  it('answers 404 for an unknown user and 401 without a session', async () => {
    const { app, staffA } = await setup()
    const unknown = await app.inject({ method: 'POST', url: '/api/users/nope/password', headers: await loginAs(app, 'root'), payload: {} })
    expect(unknown.statusCode).toBe(404)
    const anon = await app.inject({ method: 'POST', url: `/api/users/${staffA.id}/password`, payload: {} })
    expect(anon.statusCode).toBe(401)
  })
})

describe('an admin cannot lock himself out', () => {
  it('refuses (409 self_lockout) to disable, demote or reset the password of his own account, and his session goes on', async () => {
    const { app, db, admin } = await setup()
    const headers = await loginAs(app, 'root')
    const attempts = [
      { method: 'PATCH' as const, url: `/api/users/${admin.id}`, payload: { disabled: true } },
      { method: 'PATCH' as const, url: `/api/users/${admin.id}`, payload: { role: 'front_staff' } },
      { method: 'PATCH' as const, url: `/api/users/${admin.id}`, payload: { password: NEW_USER_PASSWORD } },
      { method: 'POST' as const, url: `/api/users/${admin.id}/password`, payload: {} },
    ]
    for (const a of attempts) {
      const res = await app.inject({ ...a, headers })
      expect(res.statusCode, JSON.stringify(a.payload)).toBe(409)
      expect(res.json().error.code).toBe('self_lockout')
    }
    const row = db
      .select()
      .from(users)
      .all()
      .find((u) => u.id === admin.id)
    expect(row).toMatchObject({ role: 'admin', disabled: false })
    expect((await app.inject({ method: 'GET', url: '/api/auth/me', headers })).statusCode).toBe(200)
  })

  it('two admins disabling each other: the second write finds its own account disabled and is refused, one admin stays', async () => {
    const { app, db, admin, a } = await setup()
    const other = await makeUser(db, { username: 'root2', role: 'admin', unitId: a.province.id })
    // both requests passed the token check; the first write lands, then the second one's actor is stale
    const stale = { id: other.id, username: other.username, role: 'admin' as const, unitId: other.unitId }
    await app.services.users.update({ id: admin.id, username: 'root', role: 'admin', unitId: admin.unitId }, other.id, { disabled: true })
    await expect(app.services.users.update(stale, admin.id, { disabled: true })).rejects.toMatchObject({ statusCode: 403 })
    await expect(app.services.users.resetPassword(stale, admin.id, {})).rejects.toMatchObject({ statusCode: 403 })
    const admins = db
      .select()
      .from(users)
      .all()
      .filter((u) => u.role === 'admin' && !u.disabled)
    expect(admins.map((u) => u.username)).toEqual(['root'])
  })

  it('a new role or unit ends the sessions the user had; a village is not a unit for staff (400)', async () => {
    const { app, a, b, staffA } = await setup()
    const headers = await loginAs(app, 'root')
    const session = await loginAs(app, 'staff.a')
    const moved = await app.inject({ method: 'PATCH', url: `/api/users/${staffA.id}`, headers, payload: { unitId: b.commune.id } })
    expect(moved.statusCode).toBe(200)
    expect((await app.inject({ method: 'GET', url: '/api/auth/me', headers: session })).statusCode).toBe(401)
    const session2 = await loginAs(app, 'staff.a')
    const demoted = await app.inject({ method: 'PATCH', url: `/api/users/${staffA.id}`, headers, payload: { role: 'collector' } })
    expect(demoted.json()).toMatchObject({ role: 'collector', unitId: b.commune.id })
    expect((await app.inject({ method: 'GET', url: '/api/auth/me', headers: session2 })).statusCode).toBe(401)
    const village = await app.inject({ method: 'PATCH', url: `/api/users/${staffA.id}`, headers, payload: { unitId: a.villages[0]?.id } })
    expect(village.statusCode).toBe(400)
    expect(village.json().error.code).toBe('validation_failed')
  })
})

describe('POST /api/auth/password (own password)', () => {
  it('changes the password after a temporary one: every older session ends, the answer carries a new token', async () => {
    const { app, db, staffA } = await setup()
    const other = await loginAs(app, 'staff.a')
    const mine = await loginAs(app, 'staff.a')
    const res = await app.inject({
      method: 'POST',
      url: '/api/auth/password',
      headers: mine,
      payload: { currentPassword: 'hailong-test-pw', newPassword: NEW_USER_PASSWORD },
    })
    expect(res.statusCode).toBe(200)
    const fresh = { authorization: `Bearer ${res.json().token}` }
    expect((await app.inject({ method: 'GET', url: '/api/auth/me', headers: fresh })).statusCode).toBe(200)
    for (const old of [other, mine]) expect((await app.inject({ method: 'GET', url: '/api/auth/me', headers: old })).statusCode).toBe(401)
    await expect(loginAs(app, 'staff.a')).rejects.toThrow(/401/)
    expect((await loginAs(app, 'staff.a', NEW_USER_PASSWORD)).authorization).toMatch(/^Bearer /)
    const entry = db.select().from(auditLog).all().at(-1)
    expect(entry).toMatchObject({ action: 'user.password_change', actorId: staffA.id, targetId: staffA.id })
    expect(JSON.stringify(entry)).not.toContain(NEW_USER_PASSWORD)
  })

  it('a wrong current password is 403 (the session goes on) and counts against the login throttle; the same password again is 400', async () => {
    const { app } = await setup()
    const headers = await loginAs(app, 'staff.a')
    const wrong = { currentPassword: 'khong-dung-dau', newPassword: NEW_USER_PASSWORD }
    const first = await app.inject({ method: 'POST', url: '/api/auth/password', headers, payload: wrong })
    expect(first.statusCode).toBe(403)
    expect(first.json().error.code).toBe('invalid_credentials')
    expect((await app.inject({ method: 'GET', url: '/api/auth/me', headers })).statusCode).toBe(200)
    let limited = false
    for (let i = 0; i < 30 && !limited; i++) {
      const r = await app.inject({ method: 'POST', url: '/api/auth/password', headers, payload: wrong })
      limited = r.statusCode === 429
    }
    expect(limited).toBe(true)
    // past the limit even the right current password is refused unchecked
    const right = await app.inject({
      method: 'POST',
      url: '/api/auth/password',
      headers,
      payload: { currentPassword: 'hailong-test-pw', newPassword: NEW_USER_PASSWORD },
    })
    expect(right.statusCode).toBe(429)
    const { app: app2 } = await setup()
    const same = await app2.inject({
      method: 'POST',
      url: '/api/auth/password',
      headers: await loginAs(app2, 'staff.a'),
      payload: { currentPassword: 'hailong-test-pw', newPassword: 'hailong-test-pw' },
    })
    expect(same.statusCode).toBe(400)
    expect((await app2.inject({ method: 'POST', url: '/api/auth/password', payload: wrong })).statusCode).toBe(401)
  })
})
