/**
 * The fake Zalo inbox lists every personal link with its phone number: only an admin session opens it, only in fake
 * mode. Attacks: no session, a staff member who is not admin, a link forged, tampered with, expired, reused or
 * outliving a logout, a cookie forged or carried over from another purpose.
 */
import { createHmac } from 'node:crypto'
import { users } from '@app/db'
import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { buildTestApp, loginAs } from '../helpers/build-test-app.js'
import { makeUser } from '../helpers/factories.js'
import { TEST_JWT_SECRET } from '../helpers/test-config.js'
import { type MessagingWorld, openRoundWithZalo, startMessaging, waitFor } from '../server/messaging-harness.js'

/** A world whose fake phones have received invitations, with an admin logged in. */
async function inboxWorld() {
  const m = await startMessaging({ perVillage: 1 })
  const admin = await makeUser(m.db, { username: 'quantri', role: 'admin', unitId: m.world.province.id })
  const adminAuth = await loginAs(m.app, 'quantri')
  await openRoundWithZalo(m)
  await m.runtime().worker.start()
  await waitFor(() => m.fake.control.messages().length === 2, 5_000, 'sent')
  return { m, admin, adminAuth }
}

async function issueLink(m: MessagingWorld, auth: { authorization: string }) {
  const res = await m.app.inject({ method: 'POST', url: '/api/zalo/demo-inbox-link', headers: auth })
  return res
}

/** Open a one-time link as a browser would: the redirect's cookie, then the page. */
async function openLink(m: MessagingWorld, url: string) {
  const first = await m.app.inject({ url })
  const setCookie = String(first.headers['set-cookie'] ?? '')
  const cookie = setCookie.split(';')[0] ?? ''
  return { first, setCookie, cookie }
}

function expectNothingLeaks(body: string) {
  expect(body).not.toMatch(/849\d{8}/)
  expect(body).not.toContain('/r/')
  expect(body).not.toContain('<h2>')
}

describe('/demo/zalo needs an admin session', () => {
  it('without a session: 401 in the error envelope, no phone and no link in the body', async () => {
    const { m } = await inboxWorld()
    for (const headers of [{}, { authorization: m.world.auth.xa!.authorization }, { cookie: 'hl_demo_inbox=abc.def' }]) {
      const res = await m.app.inject({ url: '/demo/zalo', headers })
      expect(res.statusCode).toBe(401)
      expect(res.json().error.code).toBe('unauthorized')
      expect(res.json().error.message).toMatch(/quản trị/)
      expectNothingLeaks(res.body)
    }
  })

  it('an admin gets a one-time link; opening it sets an HttpOnly SameSite=Strict cookie and shows the inbox', async () => {
    const { m, adminAuth } = await inboxWorld()
    const res = await issueLink(m, adminAuth)
    expect(res.statusCode).toBe(200)
    const { url, expiresAt } = res.json()
    expect(url).toMatch(/^\/demo\/zalo\?t=[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/)
    expect(Date.parse(expiresAt) - m.clock.now()).toBeLessThanOrEqual(5 * 60_000)

    const { first, setCookie, cookie } = await openLink(m, url)
    expect(first.statusCode).toBe(303)
    expect(first.headers.location).toBe('/demo/zalo')
    expectNothingLeaks(first.body)
    expect(setCookie).toMatch(/^hl_demo_inbox=/)
    expect(setCookie).toMatch(/HttpOnly/)
    expect(setCookie).toMatch(/SameSite=Strict/)
    expect(setCookie).toMatch(/Path=\/demo\/zalo/)
    expect(setCookie).toMatch(/Secure/) // PUBLIC_BASE_URL is https in this world

    const page = await m.app.inject({ url: '/demo/zalo', headers: { cookie } })
    expect(page.statusCode).toBe(200)
    expect(page.headers['cache-control']).toBe('no-store')
    expect(page.body).toContain('<h2>84901000000</h2>')
    // reloading works while the cookie lives
    expect((await m.app.inject({ url: '/demo/zalo', headers: { cookie } })).statusCode).toBe(200)

    // the link is used up: a second opening (history, a shared screen, a proxy log) is refused
    const again = await m.app.inject({ url })
    expect(again.statusCode).toBe(401)
    expect(again.headers['set-cookie']).toBeUndefined()
    expectNothingLeaks(again.body)

    // the cookie lives 30 minutes (a logout or demotion ends it sooner: next test)
    m.clock.advance(31 * 60_000)
    expect((await m.app.inject({ url: '/demo/zalo', headers: { cookie } })).statusCode).toBe(401)
  })

  it('front staff, collectors and council may not ask for a link (403); no link without a token (401)', async () => {
    const { m } = await inboxWorld()
    for (const role of ['front_staff', 'collector', 'council'] as const) {
      await makeUser(m.db, { username: `u.${role}`, role, unitId: m.world.commune.id })
      const res = await issueLink(m, await loginAs(m.app, `u.${role}`))
      expect(res.statusCode, role).toBe(403)
      expect(res.json().error.code).toBe('forbidden')
    }
    expect((await m.app.inject({ method: 'POST', url: '/api/zalo/demo-inbox-link' })).statusCode).toBe(401)
  })

  it('refuses an expired, tampered, forged or cross-purpose link, and one that outlives a logout or a demotion', async () => {
    const { m, admin, adminAuth } = await inboxWorld()
    const refused = async (url: string, status = 401) => {
      const res = await m.app.inject({ url })
      expect(res.statusCode, url).toBe(status)
      expect(res.headers['set-cookie'], url).toBeUndefined()
      expectNothingLeaks(res.body)
    }

    // expired: 5 minutes and a second later
    const late = (await issueLink(m, adminAuth)).json().url as string
    m.clock.advance(5 * 60_000 + 1_000)
    await refused(late)

    // tampered: the same signature over claims naming another user, or a later expiry
    const fresh = (await issueLink(m, adminAuth)).json().url as string
    const [body, sig] = fresh.slice('/demo/zalo?t='.length).split('.') as [string, string]
    const claims = JSON.parse(Buffer.from(body, 'base64url').toString())
    const edited = Buffer.from(JSON.stringify({ ...claims, exp: claims.exp + 86_400_000 })).toString('base64url')
    await refused(`/demo/zalo?t=${edited}.${sig}`)

    // forged: signed with the JWT secret itself (not the purpose key), or an HS256 staff JWT passed as a link
    const forgedSig = createHmac('sha256', TEST_JWT_SECRET).update(body).digest('base64url')
    await refused(`/demo/zalo?t=${body}.${forgedSig}`)
    await refused(`/demo/zalo?t=${adminAuth.authorization.slice('Bearer '.length)}`)

    // a link used as the cookie (another purpose) does not open the page
    expect(
      (await m.app.inject({ url: '/demo/zalo', headers: { cookie: `hl_demo_inbox=${fresh.slice('/demo/zalo?t='.length)}` } })).statusCode,
    ).toBe(401)

    // logout ends the links issued before it
    const beforeLogout = (await issueLink(m, adminAuth)).json().url as string
    await m.app.inject({ method: 'POST', url: '/api/auth/logout', headers: adminAuth })
    await refused(beforeLogout)

    // an admin demoted to front staff (role change bumps the token version): link and cookie stop at once
    const auth2 = await loginAs(m.app, 'quantri')
    const link2 = (await issueLink(m, auth2)).json().url as string
    const { cookie } = await openLink(m, link2)
    const link3 = (await issueLink(m, auth2)).json().url as string
    const patch = await m.app.inject({
      method: 'PATCH',
      url: `/api/users/${admin.id}`,
      headers: await loginAsOtherAdmin(m),
      payload: { role: 'front_staff', unitId: m.world.commune.id },
    })
    expect(patch.statusCode, patch.body).toBe(200)
    expect(m.db.select().from(users).where(eq(users.id, admin.id)).get()?.role).toBe('front_staff')
    await refused(link3)
    expect((await m.app.inject({ url: '/demo/zalo', headers: { cookie } })).statusCode).toBe(401)
  })

  it('exists only in fake mode: with Zalo off or live, neither the page nor the link route', async () => {
    const live = {
      ZALO_MODE: 'live',
      ZALO_APP_ID: '1234',
      ZALO_APP_SECRET: 'live-app-secret-0123456789',
      ZALO_OA_SECRET_KEY: 'live-oa-secret-0123456789',
      ZALO_TEMPLATE_ID: '1',
      SMS_MODE: 'off',
    }
    for (const env of [{ ZALO_MODE: 'off' }, live]) {
      const { app } = await buildTestApp({ env })
      expect((await app.inject({ url: '/demo/zalo' })).statusCode).toBe(404)
      expect((await app.inject({ method: 'POST', url: '/api/zalo/demo-inbox-link' })).statusCode).toBe(404)
    }
  })
})

async function loginAsOtherAdmin(m: MessagingWorld) {
  await makeUser(m.db, { username: 'quantri2', role: 'admin', unitId: m.world.province.id })
  return loginAs(m.app, 'quantri2')
}
