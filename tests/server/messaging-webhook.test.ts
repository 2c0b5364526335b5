import { webhookEvents } from '@app/db'
import { WEBHOOK_LADDERS, zaloMac } from '@app/fake-zalo'
import { parseJsonKeepBigInts } from '@app/server/modules/messaging/webhook.ts'
import { request } from 'undici'
import { describe, expect, it } from 'vitest'
import { invitationRows, openRoundWithZalo, outboxRows, startMessaging, waitFor } from './messaging-harness.js'

const firstStatus = (d: { attempts: { status?: number }[] }[]) => d[0]?.attempts[0]?.status

describe('POST /api/webhooks/zalo (ZALO.md §8.4)', () => {
  it('accepts the fake’s faithfully signed receipt, also pretty-printed or without the mac= prefix', async () => {
    const m = await startMessaging()
    expect(firstStatus(await m.fake.control.emit({ event: 'zns_receipt' }))).toBe(200)
    expect(firstStatus(await m.fake.control.emit({ event: 'zns_receipt', tamper: 'pretty' }))).toBe(200)
    expect(firstStatus(await m.fake.control.emit({ event: 'zns_receipt', tamper: 'no_mac_prefix' }))).toBe(200)
    expect(m.db.select().from(webhookEvents).all()).toHaveLength(3)
  })

  it.each(['wrong_secret', 'oa_id_as_app_id', 'hmac', 'reserialized', 'stale_timestamp', 'future_timestamp', 'wrong_app_id'] as const)(
    'rejects %s with 401 and stores nothing',
    async (tamper) => {
      const m = await startMessaging()
      m.fake.control.configure({ webhook: { ladderMs: [] } })
      const d = await m.fake.control.emit({ event: 'zns_receipt', tamper })
      expect(firstStatus(d)).toBe(401)
      expect(m.db.select().from(webhookEvents).all()).toHaveLength(0)
    },
  )

  it('answers 401 in the error envelope without leaking why beyond a reason code', async () => {
    const m = await startMessaging()
    const res = await m.app.inject({
      method: 'POST',
      url: '/api/webhooks/zalo',
      headers: { 'content-type': 'application/json', 'x-zevent-signature': `mac=${'0'.repeat(64)}` },
      payload: JSON.stringify({ app_id: m.config.zalo.appId, event_name: 'follow', timestamp: String(m.clock.now()) }),
    })
    expect(res.statusCode).toBe(401)
    expect(res.json().error.code).toBe('unauthorized')
    expect(res.body).not.toContain(m.config.zalo.oaSecretKey)
  })

  it('stores a duplicate delivery once and answers 200 to both', async () => {
    const m = await startMessaging()
    const d = await m.fake.control.emit({ event: 'zns_receipt', msg_id: 'abcdef0123456789abcd', duplicate: true })
    expect(d.map((x) => x.attempts[0]?.status)).toEqual([200, 200])
    expect(
      m.db
        .select()
        .from(webhookEvents)
        .all()
        .map((e) => e.eventId),
    ).toEqual(['zalo:user_received_message:abcdef0123456789abcd'])
  })

  it('stores an unknown event, answers 200 and ignores it', async () => {
    const m = await startMessaging()
    const d = await m.fake.control.emit({ event: 'unknown', event_name: 'x_brand_new_event' })
    expect(firstStatus(d)).toBe(200)
    await waitFor(() => m.db.select().from(webhookEvents).get()?.processedAt, 2_000, 'processed')
    expect(m.db.select().from(webhookEvents).get()?.eventName).toBe('x_brand_new_event')
  })

  it('keeps ids above 2^53 exact, even when sent as bare JSON numbers', async () => {
    const m = await startMessaging()
    const ts = String(m.clock.now())
    // a hand-written body with bare-number ids (Zalo sends strings; a proxy must not make us round them)
    const raw = `{"app_id":${m.config.zalo.appId},"user_id_by_app":552177279717587730,"event_name":"user_send_text","timestamp":"${ts}","sender":{"id":2468458835296117922},"recipient":{"id":"388613280878808645"},"message":{"msg_id":9007199254740993123,"text":"Xin chào"}}`
    const res = await request(m.webhookUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-zevent-signature': `mac=${zaloMac(m.config.zalo.appId, raw, ts, m.config.zalo.oaSecretKey)}`,
      },
      body: raw,
    })
    expect(res.statusCode).toBe(200)
    await res.body.dump()
    const ev = m.db.select().from(webhookEvents).get()!
    expect(ev.eventId).toBe('zalo:user_send_text:9007199254740993123')
    expect(ev.payload).toBe(raw)
    const parsed = parseJsonKeepBigInts(raw) as { sender: { id: string }; app_id: string }
    expect(parsed.sender.id).toBe('2468458835296117922')
    expect(parsed.app_id).toBe(m.config.zalo.appId)
    // the fake's own events carry 19-digit string ids
    await m.fake.control.emit({ event: 'follow' })
    const follow = m.db
      .select()
      .from(webhookEvents)
      .all()
      .find((e) => e.eventName === 'follow')!
    expect(follow.eventId).toMatch(/^zalo:follow:\d{19}:\d{13}$/)
  })

  it('a receipt for our message marks the invitation delivered at message.delivery_time, once', async () => {
    const m = await startMessaging({ perVillage: 1 })
    await openRoundWithZalo(m)
    m.fake.control.configure({ autoReceipts: false })
    const rt = m.runtime()
    await rt.worker.start()
    await waitFor(() => outboxRows(m).every((r) => r.status === 'sent'), 5_000, 'sent')
    const msg = m.fake.control.messages()[0]!
    const deliveryTime = m.clock.now() + 5_000
    const d = await m.fake.control.emit({
      event: 'zns_receipt',
      msg_id: msg.msgId,
      tracking_id: msg.trackingId!,
      delivery_time: deliveryTime,
      duplicate: true,
    })
    expect(d.map((x) => x.attempts[0]?.status)).toEqual([200, 200])
    const row = outboxRows(m).find((r) => r.trackingId === msg.trackingId)!
    await waitFor(() => invitationRows(m).find((i) => i.id === row.invitationId)?.status === 'delivered', 2_000, 'delivered')
    expect(invitationRows(m).find((i) => i.id === row.invitationId)?.deliveredAt).toBe(new Date(deliveryTime).toISOString())
  })

  it('an unsigned POST (Zalo checking a newly registered URL) gets 200, stores and processes nothing, and is logged', async () => {
    const logs: string[] = []
    const m = await startMessaging({ logs, env: { LOG_LEVEL: 'info' } })
    expect(await m.fake.control.registrationCheck(m.webhookUrl)).toEqual({ status: 200 })
    // the fake's missing-signature mode is the same thing for a real event: still nothing stored
    m.fake.control.configure({ webhook: { ladderMs: [] } })
    expect(firstStatus(await m.fake.control.emit({ event: 'zns_receipt', tamper: 'missing_signature' }))).toBe(200)
    expect(m.db.select().from(webhookEvents).all()).toHaveLength(0)
    expect(logs.filter((l) => l.includes('unsigned webhook POST'))).toHaveLength(2)
    // a signature header that is present but wrong is still refused
    const bad = await m.app.inject({
      method: 'POST',
      url: '/api/webhooks/zalo',
      headers: { 'content-type': 'application/json', 'x-zevent-signature': '' },
      payload: JSON.stringify({ app_id: m.config.zalo.appId, event_name: 'follow', timestamp: String(m.clock.now()) }),
    })
    expect(bad.statusCode).toBe(401)
  })
})

describe('Zalo retrying a webhook we missed (window 24 h, event-id dedupe)', () => {
  /** The receiver is down for `downMs` of fake time: the first attempt fails, the next rung reaches us. */
  async function missedThenRetried(m: Awaited<ReturnType<typeof startMessaging>>, downMs: number, msgId: string) {
    m.fake.control.configure({ webhook: { url: 'http://127.0.0.1:1/api/webhooks/zalo' } })
    const [d] = await m.fake.control.emit({ event: 'zns_receipt', msg_id: msgId })
    expect(d?.attempts[0]?.error).toBeDefined()
    m.clock.advance(downMs)
    m.fake.control.configure({ webhook: { url: m.webhookUrl } })
    await waitFor(() => d?.state !== 'pending' && d, 5_000, 'the retry')
    return d!
  }

  it.each(['documented', 'extended'] as const)(
    '%s ladder, original timestamp: a retry 11 h later is accepted and stored once',
    async (ladder) => {
      const m = await startMessaging()
      m.fake.control.configure({ webhook: { ladderMs: [...WEBHOOK_LADDERS[ladder]], retryTimestamp: 'original' } })
      const d = await missedThenRetried(m, 11 * 3_600_000, 'aaaa0000bbbb1111cccc')
      expect(d.state).toBe('delivered')
      expect(d.attempts.at(-1)?.status).toBe(200)
      // the same signed bytes again (Zalo retrying although we answered): 200, not stored twice
      const again = await request(m.webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-zevent-signature': d.signature!, 'x-zevent-server': 'ZNS' },
        body: d.body,
      })
      expect(again.statusCode).toBe(200)
      expect(((await again.body.json()) as { duplicate: boolean }).duplicate).toBe(true)
      expect(m.db.select().from(webhookEvents).all()).toHaveLength(1)
    },
  )

  it('fresh timestamps on retry: accepted; a second copy of the same event (new timestamp, new signature) is a duplicate', async () => {
    const m = await startMessaging()
    m.fake.control.configure({ webhook: { ladderMs: [...WEBHOOK_LADDERS.extended], retryTimestamp: 'fresh' } })
    const d = await missedThenRetried(m, 11 * 3_600_000, 'dddd0000eeee1111ffff')
    expect(d.state).toBe('delivered')
    const ts = (JSON.parse(d.body) as { timestamp: string }).timestamp
    expect(Number(ts)).toBeGreaterThan(m.clock.now() - 60_000)
    m.fake.control.configure({ webhook: { retryTimestamp: 'original' } })
    const twin = await m.fake.control.emit({ event: 'zns_receipt', msg_id: 'dddd0000eeee1111ffff' })
    expect(firstStatus(twin)).toBe(200)
    expect(m.db.select().from(webhookEvents).all()).toHaveLength(1)
  })

  it('the window is still a bound: older than ZALO_WEBHOOK_MAX_AGE_MINUTES → 401, nothing stored', async () => {
    const m = await startMessaging({ env: { ZALO_WEBHOOK_MAX_AGE_MINUTES: '120' } })
    m.fake.control.configure({ webhook: { ladderMs: [30_000], retryTimestamp: 'original' } })
    const d = await missedThenRetried(m, 3 * 3_600_000, 'abab0000cdcd1111efef')
    expect(d.state).toBe('failed')
    expect(d.attempts.at(-1)?.status).toBe(401)
    expect(m.db.select().from(webhookEvents).all()).toHaveLength(0)
  })
})
