import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import type { StartedFakeZalo } from './app.ts'
import { call, send, startFake } from './test-helpers.ts'

function refresh(fake: StartedFakeZalo, refreshToken: string, opts: { secret?: string; appId?: string; contentType?: string } = {}) {
  const s = fake.control.settings()
  const form = new URLSearchParams({ refresh_token: refreshToken, app_id: opts.appId ?? s.appId, grant_type: 'refresh_token' })
  return call(fake, 'POST', '/v4/oa/access_token', {
    headers: { 'content-type': opts.contentType ?? 'application/x-www-form-urlencoded', secret_key: opts.secret ?? s.appSecret },
    body: form.toString(),
  })
}

describe('POST /v4/oa/access_token (ZALO.md §4, §7.3)', () => {
  it('rotates both tokens; expires_in is a string; the old refresh and access tokens stop working', async () => {
    const fake = await startFake({ tokens: { accessToken: 'at-0', refreshToken: 'rt-0' } })
    const res = await refresh(fake, 'rt-0')
    expect(res.status).toBe(200)
    expect(res.json).toEqual({ access_token: expect.any(String), refresh_token: expect.any(String), expires_in: '90000' })
    expect(res.json.access_token).not.toBe('at-0')
    expect(res.json.refresh_token).not.toBe('rt-0')

    const reused = await refresh(fake, 'rt-0')
    expect(reused.status).toBe(200)
    expect(reused.json).toMatchObject({ error: -14014, error_name: 'Invalid refresh token', error_description: expect.any(String) })

    expect((await send(fake, undefined, 'at-0')).json.error).toBe(-124)
    expect((await send(fake, undefined, res.json.access_token)).json.error).toBe(0)

    const next = await refresh(fake, res.json.refresh_token)
    expect(next.json.expires_in).toBe('90000')
    expect(fake.control.tokens().history.map((h) => h.ok)).toEqual([true, false, true])
  })

  it('keeps the old access token alive when revokeAccessOnRefresh is off [U]', async () => {
    const fake = await startFake({ tokens: { accessToken: 'at-0', refreshToken: 'rt-0' }, revokeAccessOnRefresh: false })
    await refresh(fake, 'rt-0')
    expect((await send(fake, undefined, 'at-0')).json.error).toBe(0)
  })

  it('the refresh token expires after its TTL on the fake clock', async () => {
    const fake = await startFake({ tokens: { refreshToken: 'rt-0' }, refreshTokenTtlSec: 60 })
    fake.control.advanceClock(60_000)
    expect((await refresh(fake, 'rt-0')).json.error).toBe(-14014)
  })

  it('rejects a wrong secret_key, a wrong app_id and a JSON body', async () => {
    const fake = await startFake({ tokens: { refreshToken: 'rt-0' } })
    expect((await refresh(fake, 'rt-0', { secret: 'nope' })).json.error).toBe(-14004)
    expect((await refresh(fake, 'rt-0', { appId: '42' })).json.error).toBe(-14002)
    expect((await refresh(fake, 'rt-0', { contentType: 'application/json' })).json.error).toBe(-14001)
    // none of these consumed the refresh token
    expect((await refresh(fake, 'rt-0')).json.access_token).toEqual(expect.any(String))
  })

  it('authorization_code grant: single use, PKCE S256 checked', async () => {
    const fake = await startFake()
    const verifier = 'v'.repeat(43)
    const code = fake.control.issueAuthCode(createHash('sha256').update(verifier).digest('base64url'))
    const s = fake.control.settings()
    const exchange = (v: string) =>
      call(fake, 'POST', '/v4/oa/access_token', {
        headers: { 'content-type': 'application/x-www-form-urlencoded', secret_key: s.appSecret },
        body: new URLSearchParams({ code, app_id: s.appId, grant_type: 'authorization_code', code_verifier: v }).toString(),
      })
    expect((await exchange('wrong')).json.error).toBe(-14019)
    const code2 = fake.control.issueAuthCode()
    const ok = await call(fake, 'POST', '/v4/oa/access_token', {
      headers: { 'content-type': 'application/x-www-form-urlencoded', secret_key: s.appSecret },
      body: new URLSearchParams({ code: code2, app_id: s.appId, grant_type: 'authorization_code' }).toString(),
    })
    expect(ok.json.expires_in).toBe('90000')
    expect(fake.control.tokens().refreshToken).toBe(ok.json.refresh_token)
  })
})

describe('GET /message/status and /message/quota (§7.3)', () => {
  it('status is 0 before the receipt fired, 1 with delivery_time after; unknown ids -1; malformed -107', async () => {
    const fake = await startFake({ autoReceipts: false })
    const msgId = (await send(fake)).json.data.msg_id
    const token = { access_token: fake.control.tokens().accessToken }
    const before = await call(fake, 'GET', `/message/status?message_id=${msgId}`, { headers: token })
    expect(before.json).toMatchObject({ error: 0, data: { status: 0 } })
    fake.control.advanceClock(5000)
    fake.control.deliver(msgId)
    const after = await call(fake, 'GET', `/message/status?message_id=${msgId}`, { headers: token })
    expect(after.json).toEqual({
      error: 0,
      message: 'Success',
      data: {
        delivery_time: String(Date.parse('2025-06-01T03:00:05Z')),
        message: "The message was delivered to the user's phone",
        status: 1,
      },
    })
    expect((await call(fake, 'GET', '/message/status?message_id=0123456789abcdef0123', { headers: token })).json.data.status).toBe(-1)
    expect((await call(fake, 'GET', '/message/status?message_id=zz', { headers: token })).json.error).toBe(-107)
    expect((await call(fake, 'GET', `/message/status?message_id=${msgId}`)).json.error).toBe(-124)
  })

  it('quota answers numbers, not strings', async () => {
    const fake = await startFake()
    await send(fake)
    const res = await call(fake, 'GET', '/message/quota', { headers: { access_token: fake.control.tokens().accessToken } })
    expect(res.json).toEqual({ data: { dailyQuota: 500, remainingQuota: 499 }, error: 0, message: 'success' })
  })
})

describe('POST /v3.0/oa/message/cs (§2.1, §7.3)', () => {
  const cs = (fake: StartedFakeZalo, userId: string, text: string, token?: string) =>
    call(fake, 'POST', '/v3.0/oa/message/cs', {
      headers: { access_token: token ?? fake.control.tokens().accessToken },
      json: { recipient: { user_id: userId }, message: { text } },
    })

  it('succeeds within 7 days of the last interaction, then -230', async () => {
    const fake = await startFake({ users: { '2468458835296117922': true }, accessTokenTtlSec: 30 * 86_400 })
    const ok = await cs(fake, '2468458835296117922', 'Cảm ơn bạn đã phản hồi!')
    expect(ok.json).toEqual({ error: 0, message: 'Success', data: { message_id: expect.any(String), user_id: '2468458835296117922' } })
    fake.control.advanceClock(7 * 86_400_000 + 1)
    expect((await cs(fake, '2468458835296117922', 'hi')).json.error).toBe(-230)
    expect((await cs(fake, '999', 'hi')).json.error).toBe(-230)
  })

  it('text over 2000 characters → -201; token invalid -216, expired -220', async () => {
    const fake = await startFake({ users: { u1: true } })
    expect((await cs(fake, 'u1', 'a'.repeat(2001))).json.error).toBe(-201)
    expect((await cs(fake, 'u1', 'hi', 'bogus')).json.error).toBe(-216)
    fake.control.expireAccessToken()
    expect((await cs(fake, 'u1', 'hi')).json.error).toBe(-220)
  })
})
