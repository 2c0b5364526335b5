import { describe, expect, it } from 'vitest'
import { createFakeZalo } from './app.ts'
import { call, DAY_VN, send, startFake, startReceiver, validSend } from './test-helpers.ts'

describe('control plane /__fake/* (ZALO.md §7.5)', () => {
  it('reset restores the construction options: sends, quota, tokens, registry, faults, clock, webhook', async () => {
    const fake = await startFake({ tokens: { accessToken: 'at-0', refreshToken: 'rt-0' } })
    await send(fake)
    await call(fake, 'POST', '/__fake/recipients', { json: { recipients: { '0987654321': 'not_on_zalo' } } })
    await call(fake, 'POST', '/__fake/clock', { json: { advance: 3_600_000 } })
    await call(fake, 'POST', '/__fake/tokens', { json: { set: { accessToken: 'at-x' } } })
    fake.control.addFault({ kind: 'http_error', times: 0 })
    fake.control.enableWebhook(false)
    expect((await call(fake, 'POST', '/__fake/reset')).json).toEqual({ ok: true })

    expect((await call(fake, 'GET', '/__fake/clock')).json.iso).toBe('2025-06-01T03:00:00.000Z')
    expect(fake.control.stats()).toMatchObject({ sent: 0, requests: 0, quota: { remainingQuota: 500 }, webhook: { enabled: true } })
    expect(fake.control.tokens().accessToken).toBe('at-0')
    expect(fake.control.faults()).toEqual([])
    const res = await send(fake, validSend(), 'at-0')
    expect(res.json.data.quota.remainingQuota).toBe('499')
  })

  it('clock: set, advance; recipients, templates, users and admins over HTTP', async () => {
    const fake = await startFake()
    expect((await call(fake, 'POST', '/__fake/clock', { json: { set: '2025-06-01T15:30:00Z' } })).json.iso).toBe('2025-06-01T15:30:00.000Z')
    expect((await send(fake)).json.error).toBe(-133) // 22:30 VN
    await call(fake, 'POST', '/__fake/clock', { json: { advance: 8 * 3_600_000 } }) // 06:30 VN
    await call(fake, 'POST', '/__fake/recipients', { json: { recipients: { '+84987654321': { state: 'cannot_receive' } } } })
    expect((await send(fake)).json.error).toBe(-119)
    await call(fake, 'POST', '/__fake/templates', { json: { templates: { '231677': { status: 'DISABLE' } } } })
    expect((await call(fake, 'GET', '/__fake/templates')).json['231677'].status).toBe('DISABLE')
    expect((await send(fake)).json.error).toBe(-131)
    await call(fake, 'POST', '/__fake/admins', { json: { admins: ['0912000111'] } })
    await call(fake, 'POST', '/__fake/templates', { json: { templates: { '231677': { status: 'ENABLE' } } } })
    expect((await send(fake, { ...validSend(), phone: '84912000111', mode: 'development' })).json.error).toBe(0)
    await call(fake, 'POST', '/__fake/users', { json: { users: { u1: {} } } })
    const cs = await call(fake, 'POST', '/v3.0/oa/message/cs', {
      headers: { access_token: fake.control.tokens().accessToken },
      json: { recipient: { user_id: 'u1' }, message: { text: 'Cảm ơn' } },
    })
    expect(cs.json.error).toBe(0)
    expect((await call(fake, 'POST', '/__fake/clock', { json: { set: 'not a date' } })).status).toBe(400)
  })

  it('request log keeps headers and raw bodies of Zalo calls only', async () => {
    const fake = await startFake()
    const body = JSON.stringify(validSend())
    await call(fake, 'POST', '/message/template', {
      headers: { access_token: fake.control.tokens().accessToken, 'content-type': 'application/json' },
      body,
    })
    await call(fake, 'GET', '/__fake/stats')
    const log = (await call(fake, 'GET', '/__fake/requests?path=/message/template')).json
    expect(log).toHaveLength(1)
    expect(log[0]).toMatchObject({ seq: 1, method: 'POST', path: '/message/template', body })
    expect(log[0].headers.authorization).toBeUndefined()
    expect(log[0].headers.access_token).toBe(fake.control.tokens().accessToken)
    expect((await call(fake, 'GET', '/__fake/requests')).json).toHaveLength(1)
    await call(fake, 'DELETE', '/__fake/requests')
    expect(fake.control.requests()).toEqual([])
  })

  it('messages, stats, tokens, quota and config over HTTP', async () => {
    const fake = await startFake()
    await send(fake)
    await send(fake, { ...validSend(), phone: '84912345678', tracking_id: 'inv2' })
    const mine = (await call(fake, 'GET', '/__fake/messages?phone=0912345678')).json
    expect(mine).toMatchObject([{ phone: '84912345678', trackingId: 'inv2', templateData: { customer_name: 'Nguyễn Văn A' } }])
    expect((await call(fake, 'GET', '/__fake/stats')).json).toMatchObject({ sent: 2, duplicateTrackingIds: [], byTrackingId: { inv2: 1 } })

    const t = (await call(fake, 'POST', '/__fake/tokens', { json: { expire: true, issueCode: {} } })).json
    expect(t.code).toMatch(/^fake_code_/)
    expect((await send(fake)).json.error).toBe(-124)
    await call(fake, 'POST', '/__fake/tokens', { json: { set: { accessToken: 'fresh' } } })
    expect((await send(fake, validSend(), 'fresh')).json.error).toBe(0)

    expect((await call(fake, 'POST', '/__fake/quota', { json: { used: 500 } })).json).toEqual({ dailyQuota: 500, remainingQuota: 0 })
    expect((await send(fake, validSend(), 'fresh')).json.error).toBe(-144)
    const cfg = await call(fake, 'POST', '/__fake/config', { json: { dailyQuota: 1000, webhook: { ladderMs: [1, 2] } } })
    expect(cfg.json).toMatchObject({ dailyQuota: 1000, webhook: { ladderMs: [1, 2], timeoutMs: 2000 } })
    expect((await send(fake, validSend(), 'fresh')).json.data.quota).toEqual({ dailyQuota: '1000', remainingQuota: '499' })
    expect((await call(fake, 'POST', '/__fake/config', { json: { dailyQuota: 'lots' } })).status).toBe(400)
  })

  it('webhook URL, manual delivery and idle over HTTP', async () => {
    const rx = await startReceiver()
    const fake = await startFake({ autoReceipts: false })
    await call(fake, 'POST', '/__fake/webhook', { json: { url: rx.url } })
    const msgId = (await send(fake)).json.data.msg_id
    expect((await call(fake, 'POST', `/__fake/messages/${msgId}/deliver`)).status).toBe(200)
    expect((await call(fake, 'POST', '/__fake/idle?timeout_ms=5000')).json).toEqual({ ok: true })
    expect(rx.received).toHaveLength(1)
    expect(JSON.parse(rx.received[0]!.raw.toString()).message.msg_id).toBe(msgId)
    expect((await call(fake, 'GET', '/__fake/webhook')).json.deliveries[0].state).toBe('delivered')
    expect((await call(fake, 'POST', '/__fake/messages/nope/deliver')).status).toBe(404)
  })

  it('the control plane can be turned off, and the app works with inject', async () => {
    const { app, control } = await createFakeZalo({ controlPlane: false, clock: DAY_VN })
    const res = await app.inject({ method: 'POST', url: '/__fake/reset' })
    expect(res.statusCode).toBe(404)
    const ok = await app.inject({
      method: 'POST',
      url: '/message/template',
      headers: { access_token: control.tokens().accessToken, 'content-type': 'application/json' },
      payload: JSON.stringify(validSend()),
    })
    expect(JSON.parse(ok.body).error).toBe(0)
    await app.close()
  })
})
