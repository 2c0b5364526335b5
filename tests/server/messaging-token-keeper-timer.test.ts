/**
 * The token keeper's own timer (plugins/background.ts), on a fake clock: vitest fakes setInterval only (HTTP, the
 * worker's sleeps and the retries keep real timers), and the app's clock and the fake Zalo's move with it. The keeper
 * runs at start-up and then every 24 h, rotates the pair each day (the access token still has an hour, the refresh
 * token ~89 days), and once refreshes fail, warns in the log and the staff API 14 days before a re-consent.
 */
import { asyncDb, createTestDb } from '@app/db'
import { FakeClock, startFakeZalo } from '@app/fake-zalo'
import { buildApp } from '@app/server'
import { createMessagingRepo } from '@app/server/modules/messaging/repo.ts'
import { REFRESH_TOKEN_TTL_MS } from '@app/server/modules/messaging/token-status.ts'
import { backgroundPlugin, TOKEN_KEEPER_MS } from '@app/server/plugins/background.ts'
import { describe, expect, it, onTestFinished, vi } from 'vitest'
import { loginAs } from '../helpers/build-test-app.js'
import { makeUnit, makeUser } from '../helpers/factories.js'
import { testConfig } from '../helpers/test-config.js'
import { sleep, waitFor } from './messaging-harness.js'

const DAY = 86_400_000
const HOUR = 3_600_000

describe('token keeper timer (daily, fake clock)', () => {
  it('runs at start-up and every 24 h, refreshing well before expiry; warns 14 days before a re-consent', async () => {
    const clock = new FakeClock()
    clock.freeze(Date.parse('2025-06-02T03:00:00Z'))
    const fake = await startFakeZalo({ clock, timeScale: 0.001 })
    const t = fake.control.tokens()
    const db = createTestDb()
    const logs: { msg: string; level: number; daysUntilReconsent?: number; when?: string }[] = []
    const config = testConfig({
      ZALO_MODE: 'fake',
      ZALO_ZNS_BASE_URL: fake.url,
      ZALO_OAUTH_BASE_URL: fake.url,
      ZALO_REFRESH_TOKEN: t.refreshToken,
      ZALO_ACCESS_TOKEN: t.accessToken,
      ZALO_BACKOFF_BASE_MS: '2',
      ZALO_BACKOFF_CAP_MS: '5',
      SMS_MODE: 'off',
      LOG_LEVEL: 'info',
      LANDING_INTERVAL_MS: '600000',
    })
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] })
    const app = await buildApp({
      config,
      db,
      clock: { now: () => new Date(clock.now()) },
      logStream: { write: (line: string) => void logs.push(JSON.parse(line)) },
    })
    onTestFinished(async () => {
      vi.useRealTimers()
      await app.close()
      await fake.close()
      db.$client.close()
    })
    // the round sweeper (every 30 s) would fire 2,880 times a simulated day: hourly is enough here
    await app.register(backgroundPlugin, { roundSweepMs: HOUR })
    await app.ready()

    const repo = createMessagingRepo(asyncDb(db))
    const KEPT = 'zalo token keeper ran'
    const WARNED = 'zalo: an OA admin must re-consent soon (or now) unless the token can be refreshed'
    const runs = () => logs.filter((l) => l.msg === KEPT || l.msg === WARNED)
    const refreshCalls = () => fake.control.requests({ path: '/v4/oa/access_token' }).length
    /** One day on every clock: the app's, the fake Zalo's, and the timers'. */
    const nextDay = async () => {
      const n = runs().length
      clock.advance(DAY)
      vi.advanceTimersByTime(DAY)
      await waitFor(() => runs().length === n + 1, 5_000, 'the daily run')
    }

    expect(TOKEN_KEEPER_MS).toBe(DAY)
    await waitFor(() => runs().length === 1, 5_000, 'the start-up run')
    expect(runs()[0]).toMatchObject({ msg: KEPT, when: 'start-up' })
    expect(refreshCalls()).toBe(1)

    for (let day = 1; day <= 3; day++) {
      const before = (await repo.token('oa'))!
      // a minute short of a day: the timer has not fired
      clock.advance(DAY - 60_000)
      vi.advanceTimersByTime(DAY - 60_000)
      await sleep(30)
      expect(runs()).toHaveLength(day)
      clock.advance(60_000)
      vi.advanceTimersByTime(60_000)
      await waitFor(() => runs().length === day + 1, 5_000, `run of day ${day}`)
      expect(runs()[day]).toMatchObject({ msg: KEPT, when: 'daily' })
      expect(refreshCalls()).toBe(day + 1)
      // refreshed while the old access token still had an hour and its refresh token ~89 of its 90 days
      const now = clock.now()
      expect(Date.parse(before.accessExpiresAt) - now).toBeGreaterThanOrEqual(HOUR)
      expect(Date.parse(before.rotatedAt) + REFRESH_TOKEN_TTL_MS - now).toBeGreaterThanOrEqual(89 * DAY)
      const after = (await repo.token('oa'))!
      expect(after.rotatedAt).toBe(new Date(now).toISOString())
      expect(after.refreshToken).toBe(fake.control.tokens().refreshToken)
    }

    // from now on Zalo's token endpoint fails; quiet months pass (the timer still fires daily: here 3 of those days)
    fake.control.addFault({ kind: 'http_error', route: '/v4/oa/access_token', status: 503, times: 0 })
    const rotated = Date.parse((await repo.token('oa'))!.rotatedAt)
    clock.set(rotated + 73 * DAY)
    const seen: (number | undefined)[] = []
    for (let d = 74; d <= 76; d++) {
      await nextDay()
      const last = runs().at(-1)!
      seen.push(last.daysUntilReconsent)
      expect(last.msg, `day ${d}`).toBe(d < 76 ? KEPT : WARNED)
    }
    expect(seen).toEqual([16, 15, 14])
    expect((await repo.token('oa'))!.rotatedAt).toBe(new Date(rotated).toISOString())

    // the staff app shows the same warning (admins and front staff)
    const province = makeUnit(db, { kind: 'province', name: 'Tỉnh Thử' })
    await makeUser(db, { username: 'quantri', role: 'admin', unitId: province.id })
    const status = (await app.inject({ url: '/api/zalo/token', headers: await loginAs(app, 'quantri') })).json()
    expect(status).toMatchObject({ state: 'ok', daysUntilReconsent: 14 })
    expect(status.warning).toMatch(/còn 14 ngày/)
  }, 60_000)
})
