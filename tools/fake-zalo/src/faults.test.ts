import { describe, expect, it } from 'vitest'
import { call, send, startFake } from './test-helpers.ts'

describe('fault injection (ZALO.md §7.2)', () => {
  it('http_error before: 500, nothing recorded, no quota used; the next call is normal', async () => {
    const fake = await startFake()
    fake.control.addFault({ kind: 'http_error', status: 503 })
    const res = await send(fake)
    expect(res.status).toBe(503)
    expect(fake.control.stats().sent).toBe(0)
    const ok = await send(fake)
    expect(ok.json.data.quota.remainingQuota).toBe('499')
  })

  it('html error page after: the message was recorded although the client sees a 502 HTML page', async () => {
    const fake = await startFake()
    fake.control.addFault({ kind: 'html', phase: 'after' })
    const res = await send(fake)
    expect(res.status).toBe(502)
    expect(res.headers['content-type']).toMatch(/text\/html/)
    expect(res.text).toMatch(/<html>/)
    expect(fake.control.stats().sent).toBe(1)
  })

  it('malformed JSON and -100 Unknown error', async () => {
    const fake = await startFake()
    fake.control.addFault({ kind: 'malformed_json' })
    fake.control.addFault({ kind: 'zalo_error', skip: 1 })
    const bad = await send(fake)
    expect(bad.status).toBe(200)
    expect(bad.json).toBeUndefined()
    expect((await send(fake)).json).toEqual({ error: -100, message: 'Unknown error', data: null })
    expect(fake.control.stats().sent).toBe(0)
  })

  it('connection reset before (not recorded) and after (recorded)', async () => {
    const fake = await startFake()
    fake.control.addFault({ kind: 'reset' })
    await expect(send(fake)).rejects.toThrow()
    expect(fake.control.stats().sent).toBe(0)
    fake.control.addFault({ kind: 'reset', phase: 'after' })
    await expect(send(fake)).rejects.toThrow()
    expect(fake.control.stats().sent).toBe(1)
    expect(fake.control.requests({ path: '/message/template' })).toHaveLength(2)
  })

  it('delay longer than the client timeout: the client times out, the message was recorded (unknown outcome)', async () => {
    const fake = await startFake()
    fake.control.addFault({ kind: 'delay', delayMs: 5_000 })
    const token = fake.control.tokens().accessToken
    await expect(
      call(fake, 'POST', '/message/template', {
        headers: { access_token: token },
        json: {
          phone: '84987654321',
          template_id: '231677',
          template_data: { customer_name: 'A', survey_url: 'https://x.vn/r/a' },
          tracking_id: 't1',
        },
        timeoutMs: 200,
      }),
    ).rejects.toThrow()
    expect(fake.control.messages({ trackingId: 't1' })).toHaveLength(1)
  })

  it('a short delay still answers with the real result', async () => {
    const fake = await startFake()
    fake.control.addFault({ kind: 'delay', delayMs: 50 })
    expect((await send(fake)).json.error).toBe(0)
  })

  it('hang: never answers; close() still returns', async () => {
    const fake = await startFake()
    fake.control.addFault({ kind: 'hang', phase: 'before' })
    const pending = send(fake).then(
      () => 'answered',
      () => 'failed',
    )
    const raced = await Promise.race([pending, new Promise((r) => setTimeout(() => r('still waiting'), 300))])
    expect(raced).toBe('still waiting')
    expect(fake.control.stats().sent).toBe(0)
    await fake.close()
    expect(await pending).toBe('failed')
  })

  it('hang after: the message is recorded but no answer ever comes', async () => {
    const fake = await startFake()
    fake.control.addFault({ kind: 'hang' })
    const pending = send(fake).catch(() => 'failed')
    await new Promise((r) => setTimeout(r, 100))
    expect(fake.control.stats().sent).toBe(1)
    await fake.close()
    expect(await pending).toBe('failed')
  })

  it('times: 0 is unlimited; faults apply per route; probability is seeded and reproducible', async () => {
    const fake = await startFake()
    fake.control.addFault({ kind: 'http_error', route: '/message/quota', times: 0 })
    const headers = { access_token: fake.control.tokens().accessToken }
    expect((await call(fake, 'GET', '/message/quota', { headers })).status).toBe(500)
    expect((await call(fake, 'GET', '/message/quota', { headers })).status).toBe(500)
    expect((await send(fake)).status).toBe(200)

    const pattern = async () => {
      const f = await startFake({ seed: 7 })
      f.control.addFault({ kind: 'http_error', probability: 0.5, times: 0 })
      const out: number[] = []
      for (let i = 0; i < 12; i++) out.push((await send(f)).status)
      return out
    }
    const a = await pattern()
    expect(a).toEqual(await pattern())
    expect(a).toContain(500)
    expect(a).toContain(200)
  })

  it('faults over the HTTP control plane', async () => {
    const fake = await startFake()
    const res = await call(fake, 'POST', '/__fake/faults', { json: { faults: [{ kind: 'http_error', status: 502, times: 2 }] } })
    expect(res.json).toMatchObject([{ kind: 'http_error', status: 502, times: 2, route: '/message/template' }])
    expect((await send(fake)).status).toBe(502)
    await call(fake, 'DELETE', '/__fake/faults')
    expect((await send(fake)).status).toBe(200)
    expect((await call(fake, 'POST', '/__fake/faults', { json: { kind: 'explode' } })).status).toBe(400)
  })
})
