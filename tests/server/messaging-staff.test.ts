import { households } from '@app/db'
import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { buildTestApp, loginAs } from '../helpers/build-test-app.js'
import { makeUser } from '../helpers/factories.js'
import { invitationRows, openRoundWithZalo, outboxRows, startMessaging, waitFor } from './messaging-harness.js'

describe('GET /api/rounds/:id/messaging and POST …/retry', () => {
  it('counts queued/sent/delivered/failed/fell back to SMS, lists failures in Vietnamese, and retries them', async () => {
    const m = await startMessaging({ perVillage: 3, others: true })
    const round = await openRoundWithZalo(m)
    const before = (await m.app.inject({ url: `/api/rounds/${round.id}/messaging`, headers: m.world.auth.xa })).json()
    expect(before.counts).toMatchObject({ queued: 6, sent: 0, delivered: 0, failed: 0 })
    expect(before.modes).toEqual({ zalo: 'fake', sms: 'fake' })

    m.fake.control.setRecipient('84901000000', 'cannot_receive') // → SMS
    m.fake.control.setRecipient('84901000001', 'refused_template') // -139: fails, no SMS
    const rt = m.runtime()
    await rt.worker.start()
    await waitFor(() => outboxRows(m).every((r) => ['sent', 'failed'].includes(r.status)) && outboxRows(m).length === 8, 5_000, 'settled')
    await waitFor(() => invitationRows(m).filter((i) => i.status === 'delivered').length === 2, 5_000, 'receipts')
    const view = (await m.app.inject({ url: `/api/rounds/${round.id}/messaging`, headers: m.world.auth.xa })).json()
    expect(view.counts).toMatchObject({ queued: 0, sent: 2, delivered: 2, failed: 2, fellBackToSms: 2, unknown: 0 })
    const refused = view.failures.filter((f: { code: string }) => f.code === 'zalo:-139')
    expect(refused).toHaveLength(2)
    expect(refused[0].reason).toBe('Người nhận đã từ chối loại tin này')
    expect(refused[0].householdCode).toBe('H0002')
    // the Zalo rows that fell back are listed too, with the SMS explanation
    expect(view.failures.find((f: { code: string }) => f.code === 'zalo:-119').reason).toMatch(/đã chuyển sang SMS/)

    // other commune's staff and a collector cannot see or retry it
    for (const who of ['khac', 'thuky'] as const) {
      expect((await m.app.inject({ url: `/api/rounds/${round.id}/messaging`, headers: m.world.auth[who] })).statusCode).toBe(404)
    }
    const foreign = await m.app.inject({ method: 'POST', url: `/api/rounds/${round.id}/messaging/retry`, headers: m.world.auth.khac })
    expect(foreign.statusCode).toBe(404)
    expect(foreign.json().error.code).toBe('not_found')

    // the recipient changes their mind; staff retry: only the -139 rows (fallen-back Zalo rows stay done)
    m.fake.control.setRecipient('84901000001', 'active')
    const retry = await m.app.inject({ method: 'POST', url: `/api/rounds/${round.id}/messaging/retry`, headers: m.world.auth.xa })
    expect(retry.json()).toEqual({ retried: 2 })
    await waitFor(() => invitationRows(m).filter((i) => i.status === 'delivered').length === 4, 5_000, 'retried delivered')
    expect(m.fake.control.stats().duplicateTrackingIds).toEqual([])
  })

  it('validates the policy body (400 validation_failed)', async () => {
    const m = await startMessaging({ perVillage: 1 })
    const round = await openRoundWithZalo(m)
    const res = await m.app.inject({
      method: 'PUT',
      url: `/api/rounds/${round.id}/messaging/policy`,
      headers: m.world.auth.xa,
      payload: { reminderMax: 99 },
    })
    expect(res.statusCode).toBe(400)
    expect(res.json().error.code).toBe('validation_failed')
    // an empty (or unknown-keys-only) body changes nothing and answers the current policy
    const empty = await m.app.inject({
      method: 'PUT',
      url: `/api/rounds/${round.id}/messaging/policy`,
      headers: m.world.auth.xa,
      payload: { answers: {} },
    })
    expect(empty.statusCode).toBe(200)
    expect(empty.json()).toEqual({ reminderMax: 2, reminderGapHours: 48, unknownOutcome: 'resend' })
  })
})

describe('GET /demo/zalo', () => {
  it('lists what each fake phone received with clickable links, everything escaped', async () => {
    const m = await startMessaging({ perVillage: 1 })
    m.db.update(households).set({ headName: '<img src=x onerror=alert(1)>' }).where(eq(households.id, m.world.households[0]!.id)).run()
    await openRoundWithZalo(m)
    const rt = m.runtime()
    await rt.worker.start()
    await waitFor(() => m.fake.control.messages().length === 2, 5_000, 'sent')
    // the admin's one-time link sets the session cookie the page asks for (tests/security/demo-inbox.test.ts)
    await makeUser(m.db, { username: 'quantri', role: 'admin', unitId: m.world.province.id })
    const link = await m.app.inject({ method: 'POST', url: '/api/zalo/demo-inbox-link', headers: await loginAs(m.app, 'quantri') })
    const opened = await m.app.inject({ url: link.json().url })
    const cookie = String(opened.headers['set-cookie']).split(';')[0] as string
    const res = await m.app.inject({ url: '/demo/zalo', headers: { cookie } })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toMatch(/text\/html/)
    expect(res.body).toContain('<h2>84901000000</h2>')
    expect(res.body).toMatch(/<a href="https:\/\/hailong\.example\.vn\/r\/[A-Za-z0-9_-]+">/)
    expect(res.body).not.toContain('<img src=x')
    expect(res.body).toContain('&lt;img src=x onerror=alert(1)&gt;')
  })

  it('does not exist outside fake mode; ZALO_MODE=off has no webhook route either', async () => {
    const { app } = await buildTestApp({ env: { ZALO_MODE: 'off' } })
    expect((await app.inject({ url: '/demo/zalo' })).statusCode).toBe(404)
    expect((await app.inject({ method: 'POST', url: '/api/webhooks/zalo', payload: {} })).statusCode).toBe(404)
  })
})
