import { describe, expect, it } from 'vitest'
import { invitation, invitationRows, openRoundWithZalo, outboxRows, startMessaging, waitFor } from './messaging-harness.js'

describe('outbox worker against the fake Zalo server', () => {
  it('sends each invitation once and records the delivery receipt (delivered_at = delivery_time)', async () => {
    const m = await startMessaging()
    await openRoundWithZalo(m)
    const rt = m.runtime()
    await rt.worker.start()
    const n = invitationRows(m).length
    expect(n).toBe(6)
    await waitFor(() => invitationRows(m).every((i) => i.status === 'delivered'), 5_000, 'all delivered')
    const sends = m.fake.control.messages()
    expect(sends).toHaveLength(n)
    expect(m.fake.control.stats().duplicateTrackingIds).toEqual([])
    for (const row of outboxRows(m)) {
      expect(row.status).toBe('sent')
      const msg = sends.find((s) => s.trackingId === row.trackingId)!
      expect(row.providerMessageId).toBe(msg.msgId)
      const inv = invitation(m, row.invitationId!)!
      expect(inv.deliveredAt).toBe(new Date(msg.deliveryTime!).toISOString())
      expect(inv.sentAt).not.toBeNull()
    }
    // the template data is clean: NFC name ≤ 30, the round title, our own /r/ link
    const first = sends[0]!
    expect(first.templateData.survey_url).toMatch(/^https:\/\/hailong\.example\.vn\/r\/[A-Za-z0-9_-]+$/)
    expect(first.phone).toMatch(/^84\d{9}$/)
    // the token travels in the bare access_token header, never Authorization
    const reqs = m.fake.control.requests({ path: '/message/template' })
    expect(reqs.every((r) => typeof r.headers.access_token === 'string' && r.headers.authorization === undefined)).toBe(true)
  })

  it('never sends for a revoked invitation or a household that already took part (checked at send time)', async () => {
    const m = await startMessaging()
    const round = await openRoundWithZalo(m)
    const [a, b] = m.world.households
    // revoke a's link, and record a paper ballot for b, while their rows are still pending
    const rev = await m.app.inject({ method: 'POST', url: `/api/rounds/${round.id}/invitations/${a!.id}/revoke`, headers: m.world.auth.xa })
    expect([200, 201, 204]).toContain(rev.statusCode)
    const paper = await m.app.inject({
      method: 'POST',
      url: `/api/rounds/${round.id}/paper-ballots`,
      headers: m.world.auth.xa,
      payload: {
        householdId: b!.id,
        channel: 'paper',
        answers: { q1: { satisfied: true }, q2: { satisfied: true }, q9: { satisfied: true } },
      },
    })
    expect(paper.statusCode).toBe(201)
    const rt = m.runtime()
    await rt.worker.start()
    await waitFor(() => outboxRows(m).every((r) => r.status === 'sent' || r.status === 'cancelled'), 5_000, 'settled')
    const byInv = new Map(invitationRows(m).map((i) => [i.id, i]))
    const rows = outboxRows(m)
    const ofA = rows.filter((r) => byInv.get(r.invitationId!)?.householdId === a!.id)
    const ofB = rows.filter((r) => byInv.get(r.invitationId!)?.householdId === b!.id)
    expect(ofA.every((r) => r.status === 'cancelled')).toBe(true)
    expect(ofB.map((r) => [r.status, r.lastError])).toEqual([['cancelled', 'answered']])
    const sentIds = new Set(m.fake.control.messages().map((s) => s.trackingId))
    for (const r of [...ofA, ...ofB]) expect(sentIds.has(r.trackingId)).toBe(false)
    expect(m.fake.control.messages()).toHaveLength(4)
  })

  it('sends nothing outside 07:00–21:00 VN and sends once the window opens', async () => {
    // 22:30 VN
    const m = await startMessaging({ now: '2025-06-02T15:30:00Z' })
    await openRoundWithZalo(m)
    const rt = m.runtime()
    await rt.worker.start()
    await new Promise((r) => setTimeout(r, 150))
    expect(m.fake.control.requests({ path: '/message/template' })).toHaveLength(0)
    expect(outboxRows(m).every((r) => r.status === 'pending')).toBe(true)
    m.clock.set(Date.parse('2025-06-03T00:00:00Z')) // 07:00 VN
    await waitFor(() => m.fake.control.messages().length === 6, 5_000, 'morning sends')
    expect(m.fake.control.stats().duplicateTrackingIds).toEqual([])
  })

  it('a round that chooses SMS directly sends one unaccented SMS per household, idempotent on the request id', async () => {
    const m = await startMessaging()
    await openRoundWithZalo(m, 'sms')
    m.gw.control.addFault({ kind: 'http', status: 503 })
    const rt = m.runtime()
    await rt.worker.start()
    await waitFor(() => invitationRows(m).every((i) => i.status === 'sent'), 5_000, 'all sent')
    expect(m.fake.control.requests({ path: '/message/template' })).toHaveLength(0)
    expect(m.gw.control.messages).toHaveLength(6)
    expect(m.gw.control.stats()).toMatchObject({ multipart: 0, duplicateRequestIds: [] })
    expect(outboxRows(m).every((r) => r.channel === 'sms' && r.status === 'sent')).toBe(true)
  })
})
