/**
 * The OA token between rounds: which token-endpoint failures are retried and which need a human (OAuth v4), against
 * the fake Zalo's token endpoint and its faults.
 */
import { asyncDb, createTestDb, zaloTokens } from '@app/db'
import { startFakeZalo } from '@app/fake-zalo'
import { fixedClock } from '@app/server/lib/clock.ts'
import { createAuditService } from '@app/server/modules/audit/service.ts'
import { createMessagingRepo } from '@app/server/modules/messaging/repo.ts'
import { createTokenManager } from '@app/server/modules/messaging/token-manager.ts'
import { tokenStatus } from '@app/server/modules/messaging/token-status.ts'
import { createZaloClient } from '@app/server/modules/messaging/zalo-client.ts'
import { request } from 'undici'
import { describe, expect, it, onTestFinished } from 'vitest'
import { loginAs } from '../helpers/build-test-app.js'
import { makeUser } from '../helpers/factories.js'
import { startMessaging } from './messaging-harness.js'

const T0 = '2025-06-02T03:00:00Z'

async function world() {
  const fake = await startFakeZalo({ clock: T0, timeScale: 0.001 })
  const client = createZaloClient({
    znsBaseUrl: fake.url,
    oauthBaseUrl: fake.url,
    appId: fake.control.settings().appId,
    appSecret: fake.control.settings().appSecret,
    timeouts: { connectMs: 500, responseMs: 300, requestMs: 300 },
  })
  const db = createTestDb()
  onTestFinished(async () => {
    await client.close()
    await fake.close()
    db.$client.close()
  })
  const clock = fixedClock(T0)
  const repo = createMessagingRepo(asyncDb(db))
  const logs: { level: string; msg: string }[] = []
  const t = fake.control.tokens()
  const tokens = createTokenManager({
    db: asyncDb(db),
    repo,
    client,
    clock,
    audit: createAuditService({ clock }),
    bootstrap: { accessToken: t.accessToken, refreshToken: t.refreshToken },
    log: { warn: (_o, msg) => logs.push({ level: 'warn', msg }), error: (_o, msg) => logs.push({ level: 'error', msg }) },
    retry: { attempts: 3, baseMs: 1, capMs: 5 },
  })
  await tokens.state()
  const refreshCalls = () => fake.control.requests({ path: '/v4/oa/access_token' }).length
  return { fake, client, db, clock, repo, tokens, logs, refreshCalls, first: t }
}

describe('OAuth v4 refresh failures: retried unless Zalo says the refresh token is dead', () => {
  it('an HTTP 5xx from the token endpoint is retried with backoff and the rotation goes through', async () => {
    const w = await world()
    w.fake.control.addFault({ kind: 'http_error', route: '/v4/oa/access_token', status: 503, times: 2 })
    const fresh = await w.tokens.afterAuthFailure(w.first.accessToken)
    expect(fresh).toBe(w.fake.control.tokens().accessToken)
    expect(fresh).not.toBe(w.first.accessToken)
    expect(w.refreshCalls()).toBe(3)
    expect(await w.repo.token('oa')).toMatchObject({ state: 'ok', lastError: null, refreshToken: w.fake.control.tokens().refreshToken })
  })

  it('an HTTP 200 with an unknown or internal error is transient: no re-consent, the reason is kept, a later run succeeds', async () => {
    const w = await world()
    w.fake.control.addFault({ kind: 'zalo_error', route: '/v4/oa/access_token', code: -14099, times: 3 })
    expect(await w.tokens.afterAuthFailure(w.first.accessToken)).toBeNull()
    expect(w.refreshCalls()).toBe(3)
    expect(await w.tokens.state()).toBe('ok')
    expect(await w.repo.token('oa')).toMatchObject({ state: 'ok', lastError: 'oauth:-14099', refreshToken: w.first.refreshToken })
    expect(w.logs.some((l) => l.msg.includes('transient'))).toBe(true)
    // Zalo recovers: the same (still valid) refresh token rotates
    expect(await w.tokens.afterAuthFailure(w.first.accessToken)).toBe(w.fake.control.tokens().accessToken)
    expect(await w.repo.token('oa')).toMatchObject({ state: 'ok', lastError: null })
  })

  it('a token endpoint that does not answer in time is transient', async () => {
    const w = await world()
    w.fake.control.addFault({ kind: 'hang', route: '/v4/oa/access_token', phase: 'before', times: 3 })
    expect(await w.tokens.afterAuthFailure(w.first.accessToken)).toBeNull()
    expect(await w.tokens.state()).toBe('ok')
    expect((await w.repo.token('oa'))?.lastError).toMatch(/^(net|http):/)
  })

  it('an unknown code with a 5xx status is transient too', async () => {
    const w = await world()
    w.fake.control.addFault({ kind: 'html', route: '/v4/oa/access_token', status: 502, times: 3 })
    expect(await w.tokens.afterAuthFailure(w.first.accessToken)).toBeNull()
    expect(await w.tokens.state()).toBe('ok')
  })

  it('a wrong app secret is a configuration error: logged as such, no re-consent, not retried at once', async () => {
    const w = await world()
    w.fake.control.configure({ appSecret: 'another-secret-0123456789abcdef' })
    expect(await w.tokens.afterAuthFailure(w.first.accessToken)).toBeNull()
    expect(w.refreshCalls()).toBe(1)
    expect(await w.tokens.state()).toBe('ok')
    expect((await w.repo.token('oa'))?.lastError).toBe('oauth:-14004')
    expect(w.logs.some((l) => l.level === 'error' && l.msg.includes('ZALO_APP_SECRET'))).toBe(true)
  })

  it('a refresh token already used (invalid) → needs_reconsent at once, one call', async () => {
    const w = await world()
    await w.tokens.setPair({ accessToken: 'stale', refreshToken: 'rotated-elsewhere' })
    expect(await w.tokens.afterAuthFailure('stale')).toBeNull()
    expect(w.refreshCalls()).toBe(1)
    expect(await w.repo.token('oa')).toMatchObject({ state: 'needs_reconsent', lastError: 'oauth:-14014' })
  })

  it('a refresh token past its 3 months → needs_reconsent', async () => {
    const w = await world()
    w.fake.control.advanceClock(91 * 86_400_000)
    w.clock.advance(91 * 86_400_000)
    expect(await w.tokens.accessToken()).toBeNull()
    expect(await w.tokens.state()).toBe('needs_reconsent')
  })
})

describe('token keeper (daily and at start-up)', () => {
  it('rotates the pair on each run, so the refresh token always has ~3 months ahead; no warning', async () => {
    const w = await world()
    await w.tokens.keep(24 * 3_600_000)
    expect(w.refreshCalls()).toBe(1)
    const row = (await w.repo.token('oa'))!
    expect(row.refreshToken).toBe(w.fake.control.tokens().refreshToken)
    const s = tokenStatus('fake', row, w.clock.now(), null)
    expect(s).toMatchObject({ state: 'ok', daysUntilReconsent: 90, warning: null })
    // the next day: rotated again, the old refresh token is dead at Zalo but ours is the new one
    w.clock.advance(24 * 3_600_000)
    w.fake.control.advanceClock(24 * 3_600_000)
    await w.tokens.keep(24 * 3_600_000)
    expect(w.refreshCalls()).toBe(2)
    expect(await w.tokens.state()).toBe('ok')
  })

  it('when refreshes keep failing, warns 14 days before the refresh token would die — with the date and the reason', async () => {
    const w = await world()
    // the pair was last rotated 77 days ago and Zalo answers 503 since
    w.db.$client.prepare('update zalo_tokens set rotated_at = ?').run(new Date(w.clock.now().getTime() - 77 * 86_400_000).toISOString())
    w.fake.control.addFault({ kind: 'http_error', route: '/v4/oa/access_token', status: 503, times: 0 })
    await w.tokens.keep(24 * 3_600_000)
    const s = tokenStatus('live', await w.repo.token('oa'), w.clock.now(), null)
    expect(s.state).toBe('ok')
    expect(s.daysUntilReconsent).toBe(13)
    expect(s.warning).toBe(
      'Chưa làm mới được mã truy cập Zalo (Máy chủ trả lỗi HTTP 503). Nếu đến 15/06/2025 (còn 13 ngày) vẫn chưa làm mới được, quản trị viên sẽ phải cấp quyền lại cho Zalo OA.',
    )
    // 15 days before, nothing to say yet
    w.db.$client.prepare('update zalo_tokens set rotated_at = ?').run(new Date(w.clock.now().getTime() - 75 * 86_400_000).toISOString())
    expect(tokenStatus('live', await w.repo.token('oa'), w.clock.now(), null).warning).toBeNull()
  })
})

describe('GET /api/zalo/token and the re-consent flow', () => {
  it('front staff see the warning, collectors may not look; admins get a PKCE consent link that stores a new pair', async () => {
    const m = await startMessaging({ others: true })
    await makeUser(m.db, { username: 'quantri', role: 'admin', unitId: m.world.province.id })
    const admin = await loginAs(m.app, 'quantri')
    const tokens = m.runtime().tokens!
    await tokens.state()
    await tokens.setPair({ accessToken: 'stale', refreshToken: 'rotated-elsewhere' })
    expect(await tokens.afterAuthFailure('stale')).toBeNull()

    const staff = await m.app.inject({ url: '/api/zalo/token', headers: m.world.auth.xa })
    expect(staff.statusCode).toBe(200)
    expect(staff.json()).toMatchObject({ state: 'needs_reconsent', reconsentUrl: null })
    expect(staff.json().warning).toMatch(/^Zalo OA cần được cấp quyền lại/)
    expect((await m.app.inject({ url: '/api/zalo/token', headers: m.world.auth.thuky })).statusCode).toBe(403)

    const view = (await m.app.inject({ url: '/api/zalo/token', headers: admin })).json()
    const link = new URL(view.reconsentUrl)
    expect(link.origin + link.pathname).toBe(`${m.fake.url}/v4/oa/permission`)
    expect(link.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/)
    // the OA admin consents at Zalo (the fake consents at once) and is sent back to our callback
    const consent = await request(link.toString(), { method: 'GET' })
    expect(consent.statusCode).toBe(302)
    const back = new URL(String(consent.headers.location))
    expect(back.pathname).toBe('/api/zalo/oauth/callback')
    const done = await m.app.inject({ url: `${back.pathname}${back.search}` })
    expect(done.statusCode).toBe(302)
    expect(done.headers.location).toBe('/app/admin?zalo=ok')
    expect(m.db.select().from(zaloTokens).get()).toMatchObject({ state: 'ok', refreshToken: m.fake.control.tokens().refreshToken })
    expect((await m.app.inject({ url: '/api/zalo/token', headers: m.world.auth.xa })).json()).toMatchObject({ state: 'ok', warning: null })
    // the same state again (a replayed callback) goes nowhere
    const again = await m.app.inject({ url: `${back.pathname}${back.search}` })
    expect(again.headers.location).toBe('/app/admin?zalo=expired')
  })
})
