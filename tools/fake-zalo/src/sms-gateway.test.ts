import { request } from 'undici'
import { describe, expect, it, onTestFinished } from 'vitest'
import { SMS_SEND_PATH, smsSegments, startFakeSmsGateway } from './sms-gateway.ts'

async function start(templates?: string[]) {
  let now = Date.parse('2025-06-01T03:00:00Z')
  const gw = await startFakeSmsGateway({ now: () => now, ...(templates ? { templates } : {}) })
  onTestFinished(() => gw.close())
  const send = async (body: Record<string, unknown>) => {
    const res = await request(`${gw.url}${SMS_SEND_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
    return { status: res.statusCode, json: (await res.body.json()) as Record<string, unknown> }
  }
  return { gw, send, advance: (ms: number) => (now += ms) }
}

const good = (over: Record<string, unknown> = {}) => ({
  ApiKey: 'fake-sms-api-key',
  SecretKey: 'fake-sms-secret-key',
  Phone: '0987654321',
  Content: 'MTTQ: Moi ho cho y kien NTM: https://hailong.example.vn/r/abc',
  Brandname: 'MTTQ',
  SmsType: '2',
  IsUnicode: '0',
  Sandbox: '0',
  RequestId: 'sms-1',
  ...over,
})

describe('fake SMS gateway (eSMS shape)', () => {
  it('accepts a message with CodeResult 100 and records it with its segment count', async () => {
    const { gw, send } = await start()
    const r = await send(good())
    expect(r.status).toBe(200)
    expect(r.json.CodeResult).toBe('100')
    expect(gw.control.messages).toHaveLength(1)
    expect(gw.control.messages[0]).toMatchObject({ phone84: '84987654321', unicode: false, segments: 1, requestId: 'sms-1' })
  })

  it('dedupes on RequestId with 124, like eSMS', async () => {
    const { gw, send } = await start()
    await send(good())
    const again = await send(good())
    expect(again.json.CodeResult).toBe('124')
    expect(gw.control.stats()).toMatchObject({ sent: 1, requests: 2, duplicateRequestIds: [] })
  })

  it('answers 101 for wrong keys, 104 for an unknown brandname, 108 for a bad phone, 103 without balance', async () => {
    const { gw, send } = await start()
    expect((await send(good({ SecretKey: 'nope' }))).json.CodeResult).toBe('101')
    expect((await send(good({ Brandname: 'OTHER' }))).json.CodeResult).toBe('104')
    expect((await send(good({ Phone: '012345' }))).json.CodeResult).toBe('108')
    gw.control.balanceExhausted = true
    expect((await send(good({ RequestId: 'x' }))).json.CodeResult).toBe('103')
    expect(gw.control.messages).toHaveLength(0)
  })

  it('injects HTTP errors and codes', async () => {
    const { gw, send } = await start()
    gw.control.addFault({ kind: 'http', status: 503 })
    gw.control.addFault({ kind: 'code', code: '99' })
    const r1 = await request(`${gw.url}${SMS_SEND_PATH}`, { method: 'POST', body: JSON.stringify(good()) })
    expect(r1.statusCode).toBe(503)
    await r1.body.dump()
    expect((await send(good())).json.CodeResult).toBe('99')
    expect((await send(good())).json.CodeResult).toBe('100')
  })

  it('counts GSM-7 (160) and UCS-2 (70) segments', () => {
    expect(smsSegments('a'.repeat(160))).toEqual({ unicode: false, segments: 1 })
    expect(smsSegments('a'.repeat(161))).toEqual({ unicode: false, segments: 2 })
    expect(smsSegments('Mời hộ gia đình')).toEqual({ unicode: true, segments: 1 })
    expect(smsSegments('ư'.repeat(71))).toEqual({ unicode: true, segments: 2 })
  })

  it('146 for content that matches no registered customer-care template; registered texts pass with any variable values', async () => {
    const { gw, send } = await start(['MTTQ {commune}: Moi ho cho y kien NTM, han {due}: {url}', 'MTTQ: Moi ho cho y kien NTM: {url}'])
    expect((await send(good({ RequestId: 'a' }))).json.CodeResult).toBe('100')
    const filled = 'MTTQ Bien Bach: Moi ho cho y kien NTM, han 15/06: https://hailong.example.vn/r/x'
    expect((await send(good({ RequestId: 'b', Content: filled }))).json.CodeResult).toBe('100')
    // one word changed, a variable left empty, a second line: all unregistered
    expect((await send(good({ RequestId: 'c', Content: filled.replace('Moi', 'Kinh moi') }))).json).toMatchObject({ CodeResult: '146' })
    expect((await send(good({ RequestId: 'd', Content: 'MTTQ: Moi ho cho y kien NTM: ' }))).json.CodeResult).toBe('146')
    expect((await send(good({ RequestId: 'e', Content: `${filled}\nxin cam on` }))).json.CodeResult).toBe('146')
    expect(gw.control.messages).toHaveLength(2)
  })

  it('99 for a number blocked in the system', async () => {
    const { gw, send } = await start()
    gw.control.blockedPhones.add('84987654321')
    expect((await send(good())).json).toMatchObject({ CodeResult: '99', ErrorMessage: 'The phone number is blocked in the system' })
    expect((await send(good({ Phone: '0912345678', RequestId: 'other' }))).json.CodeResult).toBe('100')
  })

  it('124 for a RequestId seen within 24 h only', async () => {
    const { gw, send, advance } = await start()
    expect((await send(good())).json.CodeResult).toBe('100')
    advance(23 * 3_600_000)
    expect((await send(good())).json.CodeResult).toBe('124')
    advance(2 * 3_600_000)
    expect((await send(good())).json.CodeResult).toBe('100')
    expect(gw.control.messages).toHaveLength(2)
  })
})
