import { rounds } from '@app/db'
import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { createRound } from '../helpers/rounds.js'
import { invitationRows, openRoundWithZalo, outboxRows, startMessaging, waitFor } from './messaging-harness.js'

const settled = (s: string) => s !== 'pending' && s !== 'sending'

describe('Zalo error classes → worker behaviour (ZALO.md §8.2)', () => {
  it('auth: an expired token mid-round costs exactly one refresh and no duplicate send', async () => {
    // driven by hand (runOnce), so nothing waits on wall-clock time: village 1 is sent, Zalo expires the access
    // token, then village 2 goes out with four lanes that all meet the dead token at once
    const m = await startMessaging({ perVillage: 15 })
    const round = await createRound(m.app, m.world, { opensAt: '2025-06-01T00:00:00Z', closesAt: '2025-06-20T00:00:00Z' })
    expect((await m.app.inject({ method: 'POST', url: `/api/rounds/${round.id}/open`, headers: m.world.auth.xa })).statusCode).toBe(200)
    const invite = async (villageId: string) => {
      const res = await m.app.inject({
        method: 'POST',
        url: `/api/rounds/${round.id}/invitations`,
        headers: m.world.auth.xa,
        payload: { channel: 'zalo', villageIds: [villageId] },
      })
      expect(res.statusCode, res.body).toBe(201)
    }
    const rt = m.runtime()
    await invite(m.world.villages[0]!.id)
    expect(await rt.worker.runOnce()).toBe(15)
    expect(m.fake.control.messages()).toHaveLength(15)
    expect(m.fake.control.stats().tokenRefreshes).toBe(0)

    m.fake.control.expireAccessToken()
    await invite(m.world.villages[1]!.id)
    expect(await rt.worker.runOnce()).toBe(15)
    expect(outboxRows(m).map((r) => r.status)).toEqual(Array(30).fill('sent'))
    const stats = m.fake.control.stats()
    expect(stats.sent).toBe(30)
    expect(stats.duplicateTrackingIds).toEqual([])
    expect(stats.tokenRefreshes).toBe(1)
    expect(m.fake.control.requests({ path: '/v4/oa/access_token' })).toHaveLength(1)
    // the new pair was persisted (the old refresh token is dead at Zalo)
    expect(await rt.tokens?.state()).toBe('ok')
    expect(rt.tokens && (await rt.tokens.accessToken())).toBe(m.fake.control.tokens().accessToken)
  })

  it('auth: a refresh token Zalo rejects stops Zalo sends and raises a re-consent alert; rows stay queued', async () => {
    const m = await startMessaging()
    const round = await openRoundWithZalo(m)
    const rt = m.runtime()
    // our stored pair is stale: the access token is unknown to Zalo and the refresh token was rotated elsewhere
    await rt.tokens!.setPair({ accessToken: 'stale-access', refreshToken: 'rotated-elsewhere' })
    await rt.worker.start()
    await waitFor(async () => (await rt.tokens?.state()) === 'needs_reconsent', 5_000, 'needs_reconsent')
    await new Promise((r) => setTimeout(r, 100))
    expect(m.fake.control.messages()).toHaveLength(0)
    expect(outboxRows(m).every((r) => r.status === 'pending')).toBe(true)
    const view = await m.app.inject({ url: `/api/rounds/${round.id}/messaging`, headers: m.world.auth.xa })
    expect(view.json().alerts.map((a: { code: string }) => a.code)).toContain('zalo_reconsent')
  })

  it('transient: -100 and HTTP 500 are retried with backoff until sent, without duplicates', async () => {
    const m = await startMessaging()
    await openRoundWithZalo(m)
    m.fake.control.addFault({ kind: 'zalo_error', code: -100, times: 2 })
    m.fake.control.addFault({ kind: 'http_error', status: 500, times: 2 })
    const rt = m.runtime()
    await rt.worker.start()
    await waitFor(() => outboxRows(m).every((r) => r.status === 'sent'), 5_000, 'all sent')
    expect(m.fake.control.stats().sent).toBe(6)
    expect(m.fake.control.stats().duplicateTrackingIds).toEqual([])
    expect(outboxRows(m).reduce((a, r) => a + r.attempts, 0)).toBe(6 + 4)
  })

  it('transient: gives up after ZALO_MAX_ATTEMPTS and marks the invitation failed', async () => {
    const m = await startMessaging({ perVillage: 1, env: { ZALO_MAX_ATTEMPTS: '3' } })
    await openRoundWithZalo(m)
    m.fake.control.addFault({ kind: 'http_error', status: 503, times: 0 })
    const rt = m.runtime()
    await rt.worker.start()
    await waitFor(() => outboxRows(m).every((r) => r.status === 'failed'), 5_000, 'failed')
    expect(outboxRows(m).map((r) => [r.attempts, r.lastError])).toEqual([
      [3, 'transient_exhausted'],
      [3, 'transient_exhausted'],
    ])
    expect(invitationRows(m).every((i) => i.status === 'failed')).toBe(true)
  })

  it('deferred: -133 (night ban on the fake) defers to the next morning, then sends', async () => {
    const m = await startMessaging({ perVillage: 1 })
    await openRoundWithZalo(m)
    // the fake bans 09:00–12:00 VN, it is 10:00 VN; our own window (07–21) is open
    m.fake.control.configure({ nightWindow: { startHour: 9, endHour: 12 } })
    const rt = m.runtime()
    await rt.worker.start()
    await waitFor(() => outboxRows(m).every((r) => r.status === 'deferred'), 5_000, 'deferred')
    for (const r of outboxRows(m)) {
      expect(r.lastError).toBe('zalo:-133')
      // next 06:00 VN, not before our 07:00 window, plus jitter (random 0.5 → 2.5 min)
      expect(r.nextAttemptAt).toBe('2025-06-03T00:02:30.000Z')
      expect(r.attempts).toBe(0)
    }
    m.clock.set(Date.parse('2025-06-03T00:05:00Z'))
    await waitFor(() => outboxRows(m).every((r) => r.status === 'sent'), 5_000, 'sent next morning')
    expect(m.fake.control.stats().duplicateTrackingIds).toEqual([])
  })

  it('deferred: daily quota — stops at remainingQuota 0 (and -144), resumes the next VN day', async () => {
    const m = await startMessaging()
    await openRoundWithZalo(m)
    m.fake.control.setQuotaUsed(498)
    const rt = m.runtime()
    await rt.worker.start()
    await waitFor(() => m.fake.control.messages().length === 2, 5_000, 'two sends')
    await waitFor(() => outboxRows(m).every((r) => r.status !== 'sending'), 5_000, 'quiet')
    await new Promise((r) => setTimeout(r, 100))
    expect(m.fake.control.messages()).toHaveLength(2)
    expect(outboxRows(m).filter((r) => r.status === 'sent')).toHaveLength(2)
    // paused until the next 00:00 VN (+ jitter)
    expect(new Date(rt.worker.pausedUntil()).toISOString()).toBe('2025-06-02T17:02:30.000Z')
    m.clock.set(Date.parse('2025-06-03T01:00:00Z')) // 08:00 VN the next day
    await waitFor(() => outboxRows(m).every((r) => r.status === 'sent'), 5_000, 'sent next day')
    expect(m.fake.control.stats().sent).toBe(6)
    expect(m.fake.control.stats().duplicateTrackingIds).toEqual([])
  })

  it('recipient: -118/-119/-114 fall back to one unaccented SMS with our /r/ link; -141 fails with a reason', async () => {
    const m = await startMessaging({ perVillage: 3 })
    const round = await openRoundWithZalo(m)
    // factories give village 1 and village 2 the same phone per index: index 0 → not on Zalo, index 1 → refused
    m.fake.control.setRecipient('84901000000', 'not_on_zalo')
    m.fake.control.setRecipient('84901000001', 'refused_oa')
    const rt = m.runtime()
    await rt.worker.start()
    await waitFor(() => outboxRows(m).every((r) => settled(r.status) && r.status !== 'unknown'), 5_000, 'settled')
    await waitFor(() => m.gw.control.messages.length === 2, 5_000, 'two SMS')
    const rows = outboxRows(m)
    expect(rows.filter((r) => r.channel === 'zalo' && r.lastError === 'zalo:-118')).toHaveLength(2)
    expect(rows.filter((r) => r.channel === 'sms' && r.status === 'sent')).toHaveLength(2)
    for (const sms of m.gw.control.messages) {
      expect(sms.unicode).toBe(false)
      expect(sms.segments).toBe(1)
      expect(sms.content).toMatch(/https:\/\/hailong\.example\.vn\/r\/[A-Za-z0-9_-]+/)
      expect(sms.phone).toBe('0901000000')
    }
    expect(m.gw.control.stats().duplicateRequestIds).toEqual([])
    const view = (await m.app.inject({ url: `/api/rounds/${round.id}/messaging`, headers: m.world.auth.xa })).json()
    expect(view.counts).toMatchObject({ fellBackToSms: 2, failed: 2 })
    expect(view.failures.filter((f: { code: string }) => f.code === 'zalo:-141')[0].reason).toBe('Người nhận đã từ chối nhận tin từ OA')
  })

  it('config: an unknown template id fails the row, halts the round (no more calls) until staff retry', async () => {
    const m = await startMessaging({ env: { ZALO_TEMPLATE_ID: '999999' } })
    const round = await openRoundWithZalo(m)
    const rt = m.runtime()
    await rt.worker.start()
    await waitFor(() => m.db.select().from(rounds).where(eq(rounds.id, round.id)).get()?.messagingHaltedAt, 5_000, 'halted')
    await waitFor(() => outboxRows(m).every((r) => r.status !== 'sending'), 5_000, 'in-flight done')
    await new Promise((r) => setTimeout(r, 100))
    const calls = m.fake.control.requests({ path: '/message/template' }).length
    const failed = outboxRows(m).filter((r) => r.status === 'failed').length
    expect(failed).toBe(calls)
    expect(calls).toBeLessThanOrEqual(4) // only what was already in flight (concurrency 4)
    const view = (await m.app.inject({ url: `/api/rounds/${round.id}/messaging`, headers: m.world.auth.xa })).json()
    expect(view.alerts[0].code).toBe('round_halted')
    expect(view.failures[0].reason).toMatch(/Mẫu tin ZNS không hợp lệ/)
    // staff fix the template (here: the fake learns it) and retry
    m.fake.control.setTemplate('999999', m.fake.control.core.registry.templates.get('231677')!)
    const retry = await m.app.inject({ method: 'POST', url: `/api/rounds/${round.id}/messaging/retry`, headers: m.world.auth.xa })
    expect(retry.statusCode).toBe(200)
    expect(retry.json().retried).toBe(failed)
    await waitFor(() => outboxRows(m).every((r) => r.status === 'sent'), 5_000, 'all sent')
    expect(m.fake.control.stats().duplicateTrackingIds).toEqual([])
  })
})
