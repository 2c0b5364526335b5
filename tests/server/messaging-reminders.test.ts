import { describe, expect, it } from 'vitest'
import { invitationRows, openRoundWithZalo, outboxRows, startMessaging, waitFor } from './messaging-harness.js'

const HOUR = 3_600_000

describe('reminders', () => {
  it('default policy: up to 2 reminders ≥ 48 h apart, only to households that have not taken part', async () => {
    const m = await startMessaging({ perVillage: 1 })
    const round = await openRoundWithZalo(m)
    const rt = m.runtime()
    await rt.worker.start()
    await waitFor(() => invitationRows(m).every((i) => i.status === 'delivered'), 5_000, 'delivered')
    const [answered, waiting] = m.world.households
    const paper = await m.app.inject({
      method: 'POST',
      url: `/api/rounds/${round.id}/paper-ballots`,
      headers: m.world.auth.xa,
      payload: {
        householdId: answered!.id,
        channel: 'paper',
        answers: { q1: { satisfied: true }, q2: { satisfied: true }, q9: { satisfied: true } },
      },
    })
    expect(paper.statusCode).toBe(201)
    const invOf = (hid: string) => invitationRows(m).find((i) => i.householdId === hid)!

    // 47 h later: too early
    m.clock.advance(47 * HOUR)
    expect(await rt.worker.scheduleReminders()).toBe(0)
    // 49 h: the first reminder, to the household that has not answered only
    m.clock.advance(2 * HOUR)
    expect(await rt.worker.scheduleReminders()).toBe(1)
    await waitFor(() => invOf(waiting!.id).reminderCount === 1, 5_000, 'reminder 1')
    expect(invOf(answered!.id).reminderCount).toBe(0)
    const rem1 = m.fake.control.messages().filter((x) => x.trackingId?.startsWith('rem1'))
    expect(rem1).toHaveLength(1)
    expect(rem1[0]!.templateData.round_name).toMatch(/^Nhắc lại: /)
    // the reminder carries the household's same personal link
    const first = m.fake.control.messages().find((x) => x.trackingId === `inv${invOf(waiting!.id).id}`)!
    expect(rem1[0]!.templateData.survey_url).toBe(first.templateData.survey_url)

    m.clock.advance(24 * HOUR)
    expect(await rt.worker.scheduleReminders()).toBe(0) // gap counts from the last reminder
    m.clock.advance(25 * HOUR)
    expect(await rt.worker.scheduleReminders()).toBe(1)
    await waitFor(() => invOf(waiting!.id).reminderCount === 2, 5_000, 'reminder 2')
    m.clock.advance(72 * HOUR)
    expect(await rt.worker.scheduleReminders()).toBe(0) // max 2
    expect(m.fake.control.stats().duplicateTrackingIds).toEqual([])
    expect(
      outboxRows(m)
        .filter((r) => r.kind === 'reminder')
        .map((r) => r.trackingId),
    ).toEqual([`rem2${invOf(waiting!.id).id}`])

    const view = (await m.app.inject({ url: `/api/rounds/${round.id}/messaging`, headers: m.world.auth.xa })).json()
    expect(view.counts).toMatchObject({ remindersSent: 2, answered: 1, delivered: 2 })
  })

  it('per-round policy: reminderMax 1 and a 24 h gap; a household that answers in between gets none', async () => {
    const m = await startMessaging({ perVillage: 1 })
    const round = await openRoundWithZalo(m)
    const pol = await m.app.inject({
      method: 'PUT',
      url: `/api/rounds/${round.id}/messaging/policy`,
      headers: m.world.auth.xa,
      payload: { reminderMax: 1, reminderGapHours: 24 },
    })
    expect(pol.json()).toEqual({ reminderMax: 1, reminderGapHours: 24, unknownOutcome: 'resend' })
    const rt = m.runtime()
    await rt.worker.start()
    await waitFor(() => invitationRows(m).every((i) => i.status === 'delivered'), 5_000, 'delivered')
    m.clock.advance(25 * HOUR)
    expect(await rt.worker.scheduleReminders()).toBe(2)
    await waitFor(() => invitationRows(m).every((i) => i.reminderCount === 1), 5_000, 'reminded')
    m.clock.advance(25 * HOUR)
    expect(await rt.worker.scheduleReminders()).toBe(0)
  })

  it('a reminder queued before the household answers is cancelled at send time', async () => {
    const m = await startMessaging({ perVillage: 1, now: '2025-06-02T03:00:00Z' })
    const round = await openRoundWithZalo(m)
    const rt = m.runtime()
    await rt.worker.start()
    await waitFor(() => invitationRows(m).every((i) => i.status === 'delivered'), 5_000, 'delivered')
    await rt.worker.stop()
    m.clock.advance(49 * HOUR)
    expect(await rt.worker.scheduleReminders()).toBe(2)
    const hh = m.world.households[0]!
    await m.app.inject({
      method: 'POST',
      url: `/api/rounds/${round.id}/paper-ballots`,
      headers: m.world.auth.xa,
      payload: {
        householdId: hh.id,
        channel: 'paper',
        answers: { q1: { satisfied: true }, q2: { satisfied: true }, q9: { satisfied: true } },
      },
    })
    const again = m.runtime()
    await again.worker.start()
    await waitFor(
      () =>
        outboxRows(m)
          .filter((r) => r.kind === 'reminder')
          .every((r) => r.status === 'sent' || r.status === 'cancelled'),
      5_000,
      'settled',
    )
    const rem = outboxRows(m).filter((r) => r.kind === 'reminder')
    expect(rem.map((r) => r.status).sort()).toEqual(['cancelled', 'sent'])
    expect(m.fake.control.messages().filter((x) => x.trackingId?.startsWith('rem1'))).toHaveLength(1)
  })

  it('reminders fall back to SMS too, one SMS per reminder (the SMS reminder row is re-armed)', async () => {
    const m = await startMessaging({ perVillage: 1 })
    await openRoundWithZalo(m)
    const rt = m.runtime()
    await rt.worker.start()
    await waitFor(() => invitationRows(m).every((i) => i.status === 'delivered'), 5_000, 'delivered')
    // both households share the phone 84901000000; it leaves Zalo after the invitation
    m.fake.control.setRecipient('84901000000', 'not_on_zalo')
    for (const n of [1, 2]) {
      m.clock.advance(49 * HOUR)
      expect(await rt.worker.scheduleReminders()).toBe(2)
      await waitFor(() => invitationRows(m).every((i) => i.reminderCount === n), 5_000, `reminder ${n}`)
    }
    const sms = m.gw.control.messages.map((x) => x.requestId.slice(0, -32)).sort()
    expect(sms).toEqual(['smsrem1', 'smsrem1', 'smsrem2', 'smsrem2'])
    expect(m.gw.control.messages.every((x) => x.content.includes('Nhac lai'))).toBe(true)
    expect(m.gw.control.stats().duplicateRequestIds).toEqual([])
  })
})
