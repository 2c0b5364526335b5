import { describe, expect, it } from 'vitest'
import { invitationRows, openRoundWithZalo, outboxRows, startMessaging, waitFor } from './messaging-harness.js'

const MIN = 60_000

describe('unknown outcome: never a blind resend (ZALO.md §8.3)', () => {
  it('a timeout after Zalo recorded the message → unknown, then the receipt settles it; no resend', async () => {
    const m = await startMessaging({ perVillage: 1 })
    await openRoundWithZalo(m)
    // the fake records the send, then holds the answer past our 400 ms timeout
    m.fake.control.addFault({ kind: 'delay', delayMs: 1_500, times: 1 })
    m.fake.control.configure({ autoReceipts: false })
    const rt = m.runtime()
    await rt.worker.start()
    const unknown = await waitFor(() => outboxRows(m).find((r) => r.status === 'unknown'), 5_000, 'unknown row')
    expect(unknown.lastError).toBe('unknown_outcome')
    const recorded = m.fake.control.messages({ trackingId: unknown.trackingId })
    expect(recorded).toHaveLength(1)
    // the receipt arrives (carrying the tracking_id): sent + delivered
    m.fake.control.deliver(recorded[0]!.msgId)
    await waitFor(() => outboxRows(m).find((r) => r.id === unknown.id)?.status === 'sent', 5_000, 'settled by receipt')
    expect(outboxRows(m).find((r) => r.id === unknown.id)?.providerMessageId).toBe(recorded[0]!.msgId)
    expect(invitationRows(m).find((i) => i.id === unknown.invitationId)?.status).toBe('delivered')
    // even past the receipt wait, nothing is resent
    m.clock.advance(31 * MIN)
    await rt.worker.runOnce()
    await new Promise((r) => setTimeout(r, 50))
    expect(m.fake.control.messages({ trackingId: unknown.trackingId })).toHaveLength(1)
    expect(m.fake.control.stats().duplicateTrackingIds).toEqual([])
  })

  it('no receipt within ZALO_RECEIPT_WAIT_MINUTES → resend once with the same tracking_id (policy resend)', async () => {
    const m = await startMessaging({ perVillage: 1 })
    await openRoundWithZalo(m)
    m.fake.control.addFault({ kind: 'hang', phase: 'before', times: 1 }) // never reached Zalo
    const rt = m.runtime()
    await rt.worker.start()
    const unknown = await waitFor(() => outboxRows(m).find((r) => r.status === 'unknown'), 5_000, 'unknown row')
    await new Promise((r) => setTimeout(r, 50))
    expect(m.fake.control.messages({ trackingId: unknown.trackingId })).toHaveLength(0)
    m.clock.advance(29 * MIN)
    await rt.worker.runOnce()
    expect(outboxRows(m).find((r) => r.id === unknown.id)?.status).toBe('unknown')
    m.clock.advance(2 * MIN)
    await waitFor(() => outboxRows(m).find((r) => r.id === unknown.id)?.status === 'sent', 5_000, 'resent')
    expect(m.fake.control.messages({ trackingId: unknown.trackingId })).toHaveLength(1)
    expect(m.fake.control.stats().duplicateTrackingIds).toEqual([])
  })

  it('policy sms: no receipt → the household gets the SMS instead, Zalo is not called again', async () => {
    const m = await startMessaging({ perVillage: 1 })
    const round = await openRoundWithZalo(m)
    const pol = await m.app.inject({
      method: 'PUT',
      url: `/api/rounds/${round.id}/messaging/policy`,
      headers: m.world.auth.xa,
      payload: { unknownOutcome: 'sms' },
    })
    expect(pol.json()).toMatchObject({ unknownOutcome: 'sms', reminderMax: 2, reminderGapHours: 48 })
    m.fake.control.addFault({ kind: 'reset', phase: 'after', times: 1 })
    m.fake.control.configure({ autoReceipts: false })
    const rt = m.runtime()
    await rt.worker.start()
    const unknown = await waitFor(() => outboxRows(m).find((r) => r.status === 'unknown'), 5_000, 'unknown row')
    m.clock.advance(31 * MIN)
    await waitFor(() => m.gw.control.messages.length === 1, 5_000, 'sms sent')
    expect(outboxRows(m).find((r) => r.id === unknown.id)?.status).toBe('failed')
    expect(m.fake.control.messages({ trackingId: unknown.trackingId })).toHaveLength(1)
  })

  it('a worker killed mid-batch and restarted loses and duplicates nothing', async () => {
    const m = await startMessaging({ perVillage: 10, concurrency: 4, env: { ZALO_REQUEST_TIMEOUT_MS: '20000' } })
    await openRoundWithZalo(m)
    m.fake.control.configure({ autoReceipts: false })
    // calls 6 and 7 are recorded by Zalo but never answered; call 8 hangs before Zalo records it
    m.fake.control.addFault({ kind: 'hang', phase: 'after', times: 2, skip: 5 })
    m.fake.control.addFault({ kind: 'hang', phase: 'before', times: 1, skip: 7 })
    const first = m.runtime()
    await first.worker.start()
    await waitFor(
      () => {
        const rows = outboxRows(m)
        return rows.filter((r) => r.status === 'sending').length === 3 && rows.filter((r) => r.status === 'sent').length === 17
      },
      5_000,
      '17 sent, 3 hanging',
    )
    const hanging = outboxRows(m).filter((r) => r.status === 'sending')
    await first.worker.kill() // a crash: nothing more is written
    expect(outboxRows(m).filter((r) => r.status === 'sending')).toHaveLength(3)

    const second = m.runtime()
    await second.worker.start()
    await waitFor(() => outboxRows(m).filter((r) => r.status === 'unknown').length === 3, 5_000, 'recovered as unknown')
    // Zalo's receipts for the two it recorded settle those rows
    for (const r of hanging) for (const msg of m.fake.control.messages({ trackingId: r.trackingId })) m.fake.control.deliver(msg.msgId)
    await waitFor(() => outboxRows(m).filter((r) => r.status === 'unknown').length === 1, 5_000, 'two settled')
    // the one Zalo never saw is resent once after the receipt wait
    m.clock.advance(31 * 60_000)
    await waitFor(() => outboxRows(m).every((r) => r.status === 'sent'), 5_000, 'all sent')
    const stats = m.fake.control.stats()
    expect(stats.sent).toBe(20)
    expect(stats.duplicateTrackingIds).toEqual([])
    expect(new Set(m.fake.control.messages().map((s) => s.trackingId)).size).toBe(20)
  })
})
