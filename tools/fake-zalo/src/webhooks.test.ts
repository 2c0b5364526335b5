import { createHash, timingSafeEqual } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { call, type Received, send, startFake, startReceiver } from './test-helpers.ts'
import { TAMPERS, type Tamper } from './webhooks.ts'

const SCALE = 0.0001 // 30 s → 3 ms, 1 h → 360 ms

/** A strict receiver per ZALO.md §8.4 steps 2–5 (5 min future, 2 h past), verifying over the raw bytes. */
function verify(r: Received, appId: string, secret: string, now: number): boolean {
  const m = /^\s*(?:mac\s*=\s*)?([0-9a-f]{64})\s*$/i.exec(String(r.headers['x-zevent-signature'] ?? ''))
  if (!m) return false
  const body = JSON.parse(r.raw.toString('utf8'))
  if (body.app_id !== appId || !/^\d{10,13}$/.test(body.timestamp)) return false
  const ts = Number(body.timestamp)
  if (ts > now + 5 * 60_000 || ts < now - 2 * 3_600_000) return false
  const expected = createHash('sha256')
    .update(Buffer.concat([Buffer.from(body.app_id), r.raw, Buffer.from(body.timestamp), Buffer.from(secret)]))
    .digest()
  return timingSafeEqual(expected, Buffer.from(m[1]!, 'hex'))
}

describe('webhook emitter (ZALO.md §3, §7.4)', () => {
  it('sends a ZNS receipt after a send, signed over the exact bytes with sha256(app_id + body + timestamp + secret)', async () => {
    const rx = await startReceiver()
    const fake = await startFake({ webhookUrl: rx.url, timeScale: SCALE })
    const sent = (await send(fake)).json.data
    await fake.control.idle()

    expect(rx.received).toHaveLength(1)
    const r = rx.received[0]!
    expect(r.headers['content-type']).toBe('application/json')
    expect(r.headers['x-zevent-server']).toBe('ZNS')
    expect(r.headers.num_retry).toBe('0')
    expect(r.headers['x-zevent-timestamp']).toBeUndefined()
    const body = JSON.parse(r.raw.toString('utf8'))
    expect(body).toEqual({
      sender: { id: fake.control.settings().oaId },
      recipient: { id: '84987654321' },
      event_name: 'user_received_message',
      message: { delivery_time: expect.stringMatching(/^\d{13}$/), msg_id: sent.msg_id, tracking_id: 'inv01HZX3ABC' },
      app_id: fake.control.settings().appId,
      timestamp: expect.stringMatching(/^\d{13}$/),
    })
    expect(Number(body.message.delivery_time)).toBeGreaterThanOrEqual(Number(sent.sent_time))
    const { appId, oaSecretKey } = fake.control.settings()
    const hex = createHash('sha256')
      .update(`${appId}${r.raw.toString('utf8')}${body.timestamp}${oaSecretKey}`)
      .digest('hex')
    expect(r.headers['x-zevent-signature']).toBe(`mac=${hex}`)
    expect(verify(r, appId, oaSecretKey, fake.control.now())).toBe(true)
    // a wrong secret does not verify: the test above can fail
    expect(verify(r, appId, 'other', fake.control.now())).toBe(false)
    expect(fake.control.messages()[0]!.status).toBe(1)
  })

  it('ids are digit strings above 2^53', async () => {
    const rx = await startReceiver()
    const fake = await startFake({ webhookUrl: rx.url })
    await fake.control.emit({ event: 'user_send_text', text: 'Tôi muốn làm khảo sát' })
    const raw = rx.received[0]!.raw.toString('utf8')
    const body = JSON.parse(raw)
    for (const id of [body.app_id, body.sender.id, body.recipient.id, body.user_id_by_app]) {
      expect(id).toMatch(/^\d+$/)
      expect(BigInt(id) > 2n ** 53n).toBe(true)
    }
    expect(String(Number(body.sender.id))).not.toBe(body.sender.id)
  })

  it('retries on the (time-scaled) ladder with the same bytes and signature and a growing num_retry', async () => {
    const rx = await startReceiver((_r, n) => (n <= 2 ? 500 : 200))
    const fake = await startFake({ webhookUrl: rx.url, timeScale: SCALE })
    await send(fake)
    await fake.control.idle()
    expect(rx.received.map((r) => r.headers.num_retry)).toEqual(['0', '1', '2'])
    expect(new Set(rx.received.map((r) => r.raw.toString('hex'))).size).toBe(1)
    expect(new Set(rx.received.map((r) => r.headers['x-zevent-signature'])).size).toBe(1)
    const [d] = fake.control.deliveries()
    expect(d).toMatchObject({ state: 'delivered', attempts: [{ status: 500 }, { status: 500 }, { status: 200 }] })
  })

  it('gives up after the last rung, marks the webhook disabled and stops delivering', async () => {
    const rx = await startReceiver(() => 204) // not 200: Zalo retries anything else (§3.3)
    const fake = await startFake({ webhookUrl: rx.url, timeScale: SCALE })
    await send(fake)
    await fake.control.idle()
    expect(rx.received).toHaveLength(6) // first attempt + 5 retries
    expect(fake.control.deliveries()[0]!.state).toBe('failed')
    expect(fake.control.stats().webhook.enabled).toBe(false)
    await send(fake)
    await fake.control.idle()
    expect(rx.received).toHaveLength(6)
    expect(fake.control.deliveries()[1]!.state).toBe('skipped')
  })

  it('retries when the receiver is slower than the deadline', async () => {
    let first = true
    const rx = await startReceiver()
    const { createServer } = await import('node:http')
    const slow = createServer((req, res) => {
      req.resume()
      if (first) {
        first = false
        setTimeout(() => res.end('late'), 300)
      } else res.end('ok')
    })
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r))
    const port = (slow.address() as { port: number }).port
    const fake = await startFake({ webhookUrl: `http://127.0.0.1:${port}/`, timeScale: SCALE, webhook: { timeoutMs: 100 } })
    await send(fake)
    await fake.control.idle()
    const d = fake.control.deliveries()[0]!
    slow.closeAllConnections()
    slow.close()
    expect(d.state).toBe('delivered')
    expect(d.attempts[0]!.error).toMatch(/Timeout|Abort/)
    expect(rx.received).toHaveLength(0)
  })

  const accepted: Tamper[] = ['pretty', 'no_mac_prefix']
  it.each(TAMPERS.map((t) => [t, accepted.includes(t)] as const))(
    'adversarial mode %s — a strict receiver accepts: %s',
    async (tamper, ok) => {
      const rx = await startReceiver()
      const fake = await startFake({ webhookUrl: rx.url })
      await fake.control.emit({ event: 'zns_receipt', tamper })
      const r = rx.received[0]!
      const { appId, oaSecretKey } = fake.control.settings()
      const verdict = r.headers['x-zevent-signature'] === undefined ? false : verify(r, appId, oaSecretKey, fake.control.now())
      expect(verdict).toBe(ok)
    },
  )

  it('pretty mode breaks receivers that re-serialize the parsed JSON', async () => {
    const rx = await startReceiver()
    const fake = await startFake({ webhookUrl: rx.url })
    await fake.control.emit({ event: 'zns_receipt', tamper: 'pretty' })
    const r = rx.received[0]!
    const reserialized = Buffer.from(JSON.stringify(JSON.parse(r.raw.toString('utf8'))))
    const { appId, oaSecretKey } = fake.control.settings()
    expect(verify({ ...r, raw: reserialized }, appId, oaSecretKey, fake.control.now())).toBe(false)
  })

  it('duplicate delivery sends the identical bytes twice', async () => {
    const rx = await startReceiver()
    const fake = await startFake({ webhookUrl: rx.url })
    await fake.control.emit({ event: 'zns_receipt', duplicate: true })
    expect(rx.received).toHaveLength(2)
    expect(rx.received[0]!.raw.equals(rx.received[1]!.raw)).toBe(true)
    expect(rx.received[0]!.headers['x-zevent-signature']).toBe(rx.received[1]!.headers['x-zevent-signature'])
  })

  it('duplicateRate 1 duplicates every automatic receipt', async () => {
    const rx = await startReceiver()
    const fake = await startFake({ webhookUrl: rx.url, timeScale: SCALE, webhook: { duplicateRate: 1 } })
    await send(fake)
    await fake.control.idle()
    expect(rx.received).toHaveLength(2)
  })

  it('out of order: seen before received, in the order given', async () => {
    const rx = await startReceiver()
    const fake = await startFake({ webhookUrl: rx.url })
    await fake.control.emitMany({
      events: [
        { event: 'user_seen_message', user_id: '2468458835296117922', msg_ids: ['m1'] },
        { event: 'user_received_message', user_id: '2468458835296117922', msg_id: 'm1' },
      ],
    })
    expect(rx.received.map((r) => JSON.parse(r.raw.toString()).event_name)).toEqual(['user_seen_message', 'user_received_message'])
    const seen = JSON.parse(rx.received[0]!.raw.toString())
    expect(seen.message).toEqual({ msg_ids: ['m1'] })
    expect(seen.sender.id).toBe(fake.control.settings().oaId)
  })

  it('reverse order and concurrent bursts over the HTTP control plane', async () => {
    const rx = await startReceiver()
    const fake = await startFake({ webhookUrl: rx.url })
    const rev = await call(fake, 'POST', '/__fake/webhook/emit', {
      json: { events: [{ event: 'follow' }, { event: 'unfollow' }], order: 'reverse' },
    })
    expect(rev.status).toBe(200)
    expect(rx.received.map((r) => JSON.parse(r.raw.toString()).event_name)).toEqual(['unfollow', 'follow'])
    const burst = await call(fake, 'POST', '/__fake/webhook/emit', {
      json: { events: Array.from({ length: 20 }, () => ({ event: 'unknown' })), concurrent: true },
    })
    expect(burst.json.deliveries).toHaveLength(20)
    expect(rx.received).toHaveLength(22)
    expect(burst.json.deliveries.every((d: { state: string }) => d.state === 'delivered')).toBe(true)
  })

  it('every event kind is signed and carries app_id and a digit timestamp', async () => {
    const rx = await startReceiver()
    const fake = await startFake({ webhookUrl: rx.url })
    const kinds = [
      'zns_receipt',
      'user_received_message',
      'user_seen_message',
      'user_send_text',
      'follow',
      'unfollow',
      'change_oa_daily_quota',
      'change_template_status',
      'unknown',
    ] as const
    for (const event of kinds) await fake.control.emit({ event })
    const { appId, oaSecretKey } = fake.control.settings()
    expect(rx.received).toHaveLength(kinds.length)
    for (const r of rx.received) expect(verify(r, appId, oaSecretKey, fake.control.now())).toBe(true)
    const znsHeaders = rx.received.map((r) => r.headers['x-zevent-server'] ?? null)
    expect(znsHeaders[0]).toBe('ZNS')
    expect(znsHeaders[1]).toBeNull()
  })
})
