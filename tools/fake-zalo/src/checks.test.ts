import { describe, expect, it } from 'vitest'
import type { StartedFakeZalo } from './app.ts'
import { call, send, startFake, validSend } from './test-helpers.ts'

/** 23:00 in Vietnam: inside the night window, so any check that passes would still be stopped later by -133. */
const NIGHT_VN = '2025-06-01T16:00:00Z'

/**
 * A fake where every later check would also fail (night time, quota used up, bucket of one token with a frozen
 * monotonic clock), so each row proves its check runs before the later ones (§7.2 order).
 */
async function hostileFake(): Promise<StartedFakeZalo> {
  const fake = await startFake({
    clock: NIGHT_VN,
    monotonic: () => 0,
    rateLimit: { perSecond: 1, burst: 1 },
    recipients: { '84911111111': 'not_on_zalo' },
    templates: { pending: { status: 'PENDING_REVIEW', params: [] } },
  })
  fake.control.setQuotaUsed(500)
  return fake
}

type Row = [label: string, code: number, mutate: (b: Record<string, unknown>) => unknown, token?: (f: StartedFakeZalo) => string | null]

describe('POST /message/template — checks in the order of ZALO.md §7.2', () => {
  const rows: Row[] = [
    ['1: missing access_token header', -124, (b) => ({ ...b, phone: 'x' }), () => null],
    ['1: unknown access_token', -124, (b) => ({ ...b, phone: 'x' }), () => 'not-a-token'],
    ['2: body not valid JSON', -122, () => '{"phone":'],
    ['2: body is a JSON array', -122, () => [1, 2]],
    ['3: phone without country code format', -108, (b) => ({ ...b, phone: '123456789012', template_id: 'nope' })],
    ['3: phone with a bad prefix', -108, (b) => ({ ...b, phone: '84187654321', template_id: 'nope' })],
    ['4: unknown template id', -109, (b) => ({ ...b, template_id: 'nope', template_data: {} })],
    ['4: template not approved', -131, (b) => ({ ...b, template_id: 'pending', template_data: {} })],
    ['5: template_data missing', -111, (b) => ({ ...b, template_data: undefined, tracking_id: '!!' })],
    ['5: template_data empty', -111, (b) => ({ ...b, template_data: {}, tracking_id: '!!' })],
    ['5: required param missing', -1122, (b) => ({ ...b, template_data: { survey_url: 'https://x.vn/r/a' }, tracking_id: '!!' })],
    [
      '5: param longer than maxLength',
      -1121,
      (b) => ({ ...b, template_data: { ...validSend().template_data, customer_name: 'A'.repeat(31) } }),
    ],
    [
      '5: URL param not http(s)',
      -1124,
      (b) => ({ ...b, template_data: { customer_name: 'A', survey_url: 'ftp://x.vn/a' }, tracking_id: '!!' }),
    ],
    ['5: param value not a string', -1124, (b) => ({ ...b, template_data: { customer_name: 12, survey_url: 'https://x.vn/a' } })],
    ['6: tracking_id missing', -132, (b) => ({ ...b, tracking_id: undefined, mode: 'development' })],
    ['6: tracking_id longer than 48', -132, (b) => ({ ...b, tracking_id: 'a'.repeat(49), mode: 'development' })],
    ['6: tracking_id with special characters', -132, (b) => ({ ...b, tracking_id: 'inv#1', mode: 'development' })],
    ['6: tracking_id with a hyphen (no special characters at all)', -132, (b) => ({ ...b, tracking_id: 'inv-1', mode: 'development' })],
    ['7: development mode to a non-admin', -127, (b) => ({ ...b, mode: 'development', phone: '84911111111' })],
    ['8: phone not on Zalo', -118, (b) => ({ ...b, phone: '84911111111' })],
    ['9: night window', -133, (b) => b],
  ]

  it.each(rows)('%s → %i', async (_label, code, mutate, token) => {
    const fake = await hostileFake()
    const body = mutate(validSend())
    const t = token ? token(fake) : undefined
    const res =
      typeof body === 'string'
        ? await call(fake, 'POST', '/message/template', {
            body,
            headers: { 'content-type': 'application/json', access_token: t ?? fake.control.tokens().accessToken },
          })
        : await send(fake, body, t)
    expect(res.status).toBe(200)
    expect(res.json).toEqual({ error: code, message: expect.any(String), data: null })
    expect(fake.control.stats().sent).toBe(0)
  })

  it('1: Authorization: Bearer alone counts as missing', async () => {
    const fake = await startFake()
    const res = await send(fake, validSend(), null, { authorization: `Bearer ${fake.control.tokens().accessToken}` })
    expect(res.json.error).toBe(-124)
  })

  it('1: an expired token answers -124, or -220 when configured', async () => {
    const fake = await startFake()
    fake.control.expireAccessToken()
    expect((await send(fake)).json.error).toBe(-124)
    fake.control.configure({ expiredTokenCode: -220 })
    expect((await send(fake)).json.error).toBe(-220)
  })

  it('1: the token expires after its TTL on the fake clock', async () => {
    const fake = await startFake({ accessTokenTtlSec: 3600 })
    expect((await send(fake)).json.error).toBe(0)
    fake.control.advanceClock(3600 * 1000)
    expect((await send(fake)).json.error).toBe(-124)
  })

  it('1: appsecret_proof is enforced when required (-1241)', async () => {
    const { appsecretProof } = await import('./tokens.ts')
    const fake = await startFake({ requireAppsecretProof: true })
    expect((await send(fake)).json.error).toBe(-1241)
    const t = fake.control.tokens().accessToken
    const res = await send(fake, validSend(), t, { appsecret_proof: appsecretProof(t, fake.control.settings().appSecret) })
    expect(res.json.error).toBe(0)
  })

  it('2: empty body → -121, wrong Content-Type → -122', async () => {
    const fake = await startFake()
    const access_token = fake.control.tokens().accessToken
    const empty = await call(fake, 'POST', '/message/template', { headers: { access_token, 'content-type': 'application/json' }, body: '' })
    expect(empty.json.error).toBe(-121)
    const text = await call(fake, 'POST', '/message/template', {
      headers: { access_token, 'content-type': 'text/plain' },
      body: JSON.stringify(validSend()),
    })
    expect(text.json.error).toBe(-122)
  })

  it('3: accepts 84… and +84…, and 0… only in lenient mode', async () => {
    const fake = await startFake({ lenientPhone: false })
    expect((await send(fake, { ...validSend(), phone: '+84987654321' })).json.error).toBe(0)
    expect((await send(fake, { ...validSend(), phone: '0987654321' })).json.error).toBe(-108)
    fake.control.configure({ lenientPhone: true })
    expect((await send(fake, { ...validSend(), phone: '0987654321' })).json.error).toBe(0)
    expect(fake.control.messages().map((m) => m.phone)).toEqual(['84987654321', '84987654321'])
  })

  it('5: length is counted on NFC text, so NFD input of maxLength characters passes', async () => {
    const fake = await startFake()
    const name = 'Nguyễn Thị Ánh Tuyết Hồ Phương'.normalize('NFC')
    expect([...name].length).toBe(30)
    expect([...name.normalize('NFD')].length).toBeGreaterThan(30)
    const res = await send(fake, { ...validSend(), template_data: { ...validSend().template_data, customer_name: name.normalize('NFD') } })
    expect(res.json.error).toBe(0)
  })

  it('7: development mode quota exhausted → -126', async () => {
    const fake = await startFake({ admins: ['0987654321'], devDailyQuota: 1 })
    const dev = { ...validSend(), mode: 'development' }
    expect((await send(fake, dev)).json.error).toBe(0)
    expect((await send(fake, dev)).json.error).toBe(-126)
  })

  it.each([
    ['cannot_receive', -119],
    ['inactive', -114],
    ['refused_oa', -141],
    ['refused_template', -139],
  ] as const)('8: recipient %s → %i', async (state, code) => {
    const fake = await startFake({ recipients: { '84987654321': state } })
    expect((await send(fake)).json.error).toBe(code)
  })

  it('9: the night window is 22:00–06:00 Vietnam time and per template', async () => {
    const fake = await startFake({ clock: '2025-06-01T14:59:59Z', templates: { daytime: { params: [], nightBan: false } } })
    expect((await send(fake)).json.error).toBe(0) // 21:59:59 VN
    fake.control.advanceClock(1000) // 22:00:00 VN
    expect((await send(fake)).json.error).toBe(-133)
    expect((await send(fake, { ...validSend(), template_id: 'daytime', template_data: { x: 'y' } })).json.error).toBe(0)
    fake.control.setClock('2025-06-01T22:59:59Z') // 05:59:59 VN
    expect((await send(fake)).json.error).toBe(-133)
    fake.control.advanceClock(1000) // 06:00 VN
    expect((await send(fake)).json.error).toBe(0)
  })

  it('10: rate limit → -32 before the quota check, refilled over (monotonic) time', async () => {
    let mono = 0
    const fake = await startFake({ monotonic: () => mono, rateLimit: { perSecond: 2, burst: 2 } })
    fake.control.setQuotaUsed(500)
    expect((await send(fake)).json.error).toBe(-144)
    expect((await send(fake)).json.error).toBe(-144)
    expect((await send(fake)).json).toEqual({ error: -32, message: 'Your application reached limit call api', data: null })
    mono += 500 // one token back
    expect((await send(fake)).json.error).toBe(-144)
    expect((await send(fake)).json.error).toBe(-32)
  })

  it('11: daily quota exhausted → -144 and resets at 00:00 Vietnam time', async () => {
    const fake = await startFake({ dailyQuota: 2, clock: '2025-06-01T14:00:00Z' }) // 21:00 VN
    expect((await send(fake)).json.data.quota).toEqual({ dailyQuota: '2', remainingQuota: '1' })
    expect((await send(fake)).json.data.quota).toEqual({ dailyQuota: '2', remainingQuota: '0' })
    expect((await send(fake)).json).toEqual({ error: -144, message: expect.any(String), data: null })
    fake.control.configure({ nightWindow: null })
    fake.control.setClock('2025-06-01T16:59:59Z') // 23:59:59 VN, same VN day
    expect((await send(fake)).json.error).toBe(-144)
    fake.control.advanceClock(1000) // 00:00 VN next day
    expect((await send(fake)).json.data.quota.remainingQuota).toBe('1')
  })

  it('11: balance flag → -115', async () => {
    const fake = await startFake({ balanceExhausted: true })
    expect((await send(fake)).json.error).toBe(-115)
  })

  it('12: success has msg_id (20 hex), sent_time and quota, all strings; the send is recorded', async () => {
    const fake = await startFake()
    const res = await send(fake)
    expect(res.status).toBe(200)
    expect(res.json).toEqual({
      error: 0,
      message: 'Success',
      data: {
        msg_id: expect.stringMatching(/^[0-9a-f]{20}$/),
        sent_time: String(Date.parse('2025-06-01T03:00:00Z')),
        sending_mode: '1',
        quota: { dailyQuota: '500', remainingQuota: '499' },
      },
    })
    const [m] = fake.control.messages({ phone: '84987654321' })
    expect(m).toMatchObject({ msgId: res.json.data.msg_id, trackingId: 'inv01HZX3ABC', templateId: '231677', status: 0 })
  })

  it('13: no dedupe on tracking_id — two identical calls are two messages and two quota units', async () => {
    const fake = await startFake()
    const a = await send(fake)
    const b = await send(fake)
    expect(a.json.data.msg_id).not.toBe(b.json.data.msg_id)
    expect(b.json.data.quota.remainingQuota).toBe('498')
    expect(fake.control.stats()).toMatchObject({ sent: 2, duplicateTrackingIds: ['inv01HZX3ABC'] })
  })

  it('GET /message/template → -106 method unsupported', async () => {
    const fake = await startFake()
    expect((await call(fake, 'GET', '/message/template')).json.error).toBe(-106)
  })
})
