import { createServer } from 'node:net'
import { asyncDb, createTestDb } from '@app/db'
import { startFakeZalo } from '@app/fake-zalo'
import { loadConfig } from '@app/server/config.ts'
import { fixedClock } from '@app/server/lib/clock.ts'
import { REDACT_PATHS } from '@app/server/lib/log-redact.ts'
import { createAuditService } from '@app/server/modules/audit/service.ts'
import { maskPhone, normalizePhone } from '@app/server/modules/messaging/phone.ts'
import { backoffMs } from '@app/server/modules/messaging/rate.ts'
import { createMessagingRepo } from '@app/server/modules/messaging/repo.ts'
import { gsmLength, isGsm7, smsText } from '@app/server/modules/messaging/sms.ts'
import { buildTemplateData, SURVEY_TEMPLATE_PARAMS } from '@app/server/modules/messaging/template-data.ts'
import { createTokenManager } from '@app/server/modules/messaging/token-manager.ts'
import { createZaloClient } from '@app/server/modules/messaging/zalo-client.ts'
import { classifyZaloCode } from '@app/server/modules/messaging/zalo-errors.ts'
import Fastify from 'fastify'
import { describe, expect, it, onTestFinished } from 'vitest'

async function fakeAndClient(timeoutMs = 400) {
  const fake = await startFakeZalo({ clock: '2025-06-02T03:00:00Z', timeScale: 0.001 })
  const client = createZaloClient({
    znsBaseUrl: fake.url,
    oauthBaseUrl: fake.url,
    appId: fake.control.settings().appId,
    appSecret: fake.control.settings().appSecret,
    timeouts: { connectMs: 500, responseMs: timeoutMs, requestMs: timeoutMs },
  })
  onTestFinished(async () => {
    await client.close()
    await fake.close()
  })
  return { fake, client, token: fake.control.tokens().accessToken }
}

const body = (trackingId = 'inv0123') => ({
  phone: '84987654321',
  template_id: '231677',
  template_data: { customer_name: 'Nguyễn Văn A', survey_url: 'https://hailong.example.vn/r/abc' },
  tracking_id: trackingId,
})

describe('ZNS client: results by error class (ZALO.md §8.1–§8.2)', () => {
  it('parses the all-strings success answer', async () => {
    const { client, token } = await fakeAndClient()
    const r = await client.sendTemplate(token, body())
    expect(r).toMatchObject({ ok: true, quota: { dailyQuota: 500, remainingQuota: 499 } })
    if (r.ok) expect(r.msgId).toMatch(/^[0-9a-f]{20}$/)
  })

  it.each([
    [{ kind: 'zalo_error', code: -100 }, 'transient', 'zalo:-100'],
    [{ kind: 'http_error', status: 500 }, 'transient', 'http:500'],
    [{ kind: 'http_error', status: 503 }, 'transient', 'http:503'],
    [{ kind: 'http_error', status: 429 }, 'transient', 'http:429'],
    [{ kind: 'http_error', status: 502 }, 'unknown_outcome', 'http:502'],
    [{ kind: 'http_error', status: 504 }, 'unknown_outcome', 'http:504'],
    [{ kind: 'html' }, 'unknown_outcome', 'http:502'],
    [{ kind: 'malformed_json' }, 'unknown_outcome', 'http:200'],
    [{ kind: 'reset', phase: 'after' }, 'unknown_outcome', undefined],
    [{ kind: 'delay', delayMs: 1_000 }, 'unknown_outcome', undefined],
  ] as const)('%o → %s', async (fault, cls, code) => {
    const { fake, client, token } = await fakeAndClient()
    fake.control.addFault(fault)
    const r = await client.sendTemplate(token, body())
    expect(r.ok).toBe(false)
    if (!r.ok) {
      expect(r.class).toBe(cls)
      if (code) expect(r.code).toBe(code)
    }
  })

  it('maps Zalo codes: auth, deferred, recipient, config', async () => {
    const { fake, client, token } = await fakeAndClient()
    expect(await client.sendTemplate('nope', body())).toMatchObject({ ok: false, class: 'auth', code: 'zalo:-124' })
    fake.control.setRecipient('84987654321', 'not_on_zalo')
    expect(await client.sendTemplate(token, body())).toMatchObject({ ok: false, class: 'recipient', code: 'zalo:-118' })
    expect(await client.sendTemplate(token, { ...body(), template_id: '1' })).toMatchObject({
      ok: false,
      class: 'config',
      code: 'zalo:-109',
    })
    for (const [c, k] of [
      [-133, 'deferred'],
      [-144, 'deferred'],
      [-220, 'auth'],
      [-32, 'transient'],
      [-114, 'recipient'],
      [-131, 'config'],
      [-99999, 'config'],
    ] as const)
      expect(classifyZaloCode(c)).toBe(k)
  })

  it('a connection refused is transient: the request never left', async () => {
    const srv = createServer()
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r))
    const port = (srv.address() as { port: number }).port
    await new Promise<void>((r) => srv.close(() => r()))
    const client = createZaloClient({
      znsBaseUrl: `http://127.0.0.1:${port}`,
      oauthBaseUrl: `http://127.0.0.1:${port}`,
      appId: '1',
      appSecret: 'x'.repeat(20),
      timeouts: { connectMs: 500, responseMs: 500, requestMs: 500 },
    })
    onTestFinished(() => client.close())
    expect(await client.sendTemplate('t', body())).toMatchObject({ ok: false, class: 'transient', code: 'net:ECONNREFUSED' })
  })
})

describe('token manager (ZALO.md §8.5)', () => {
  it('many concurrent auth failures cost one refresh; the new pair is stored before use', async () => {
    const { fake, client } = await fakeAndClient()
    const db = createTestDb()
    onTestFinished(() => {
      db.$client.close()
    })
    const t = fake.control.tokens()
    const clock = fixedClock('2025-06-02T03:00:00Z')
    const tokens = createTokenManager({
      db: asyncDb(db),
      repo: createMessagingRepo(asyncDb(db)),
      client,
      clock,
      audit: createAuditService({ clock }),
      bootstrap: { accessToken: t.accessToken, refreshToken: t.refreshToken },
    })
    const old = (await tokens.accessToken())!
    const fresh = await Promise.all(Array.from({ length: 8 }, () => tokens.afterAuthFailure(old)))
    expect(new Set(fresh).size).toBe(1)
    expect(fresh[0]).not.toBe(old)
    expect(fake.control.stats().tokenRefreshes).toBe(1)
    const row = (await createMessagingRepo(asyncDb(db)).token('oa'))!
    expect(row.accessToken).toBe(fresh[0])
    expect(row.refreshToken).toBe(fake.control.tokens().refreshToken)
    // a late caller holding the old token gets the stored one without a second rotation
    expect(await tokens.afterAuthFailure(old)).toBe(fresh[0])
    expect(fake.control.stats().tokenRefreshes).toBe(1)
    // proactive refresh at 80 % of expires_in (90 000 s → after 20 h)
    clock.advance(19 * 3_600_000)
    expect(await tokens.accessToken()).toBe(fresh[0])
    clock.advance(2 * 3_600_000)
    expect(await tokens.accessToken()).not.toBe(fresh[0])
    expect(fake.control.stats().tokenRefreshes).toBe(2)
    // the refresh request is a form with secret_key, never a bearer header
    const req = fake.control.requests({ path: '/v4/oa/access_token' })[0]!
    expect(req.headers['content-type']).toMatch(/x-www-form-urlencoded/)
    expect(req.headers.authorization).toBeUndefined()
  })
})

describe('input hygiene (ZALO.md §8.6) and SMS text', () => {
  it('normalises phones to 84 + 9 digits and rejects the rest', () => {
    expect(normalizePhone('0987 654 321')).toBe('84987654321')
    expect(normalizePhone('+84 (98) 765-4321')).toBe('84987654321')
    expect(normalizePhone('84.987.654.321')).toBe('84987654321')
    expect(normalizePhone('987654321')).toBe('84987654321')
    expect(normalizePhone('0287654321')).toBeNull() // landline prefix 2
    expect(normalizePhone('09876543')).toBeNull()
    expect(maskPhone('84987654321')).toBe('84******321')
  })

  it('NFC-normalises and cuts template values to their max length; URLs are validated, never cut', () => {
    const nfd = 'Nguyễn Thị Bích Ngọc Phương Thảo Trang'.normalize('NFD')
    const r = buildTemplateData(SURVEY_TEMPLATE_PARAMS, { customer_name: nfd, round_name: 'Đợt 1', survey_url: 'https://x.vn/r/a' })
    expect(r.ok).toBe(true)
    if (r.ok) {
      expect(r.data.customer_name).toBe(r.data.customer_name!.normalize('NFC'))
      expect([...r.data.customer_name!].length).toBeLessThanOrEqual(30)
      expect(r.data.customer_name!.endsWith('…')).toBe(true)
    }
    expect(buildTemplateData(SURVEY_TEMPLATE_PARAMS, { customer_name: 'A', survey_url: 'javascript:alert(1)' })).toMatchObject({
      ok: false,
      code: 'template_url_invalid',
    })
    expect(buildTemplateData(SURVEY_TEMPLATE_PARAMS, { customer_name: '', survey_url: 'https://x.vn' })).toMatchObject({
      ok: false,
      code: 'template_param_missing',
    })
  })

  it('writes a one-SMS unaccented GSM-7 text with our own link, shortening for long names', () => {
    const url = 'https://hailong.example.vn/r/AbCdEfGhIjKlMnOpQrStUv'
    const t = smsText({ communeName: 'Biển Bạch Đông', url, closesAt: '2025-06-15T00:00:00Z' })
    expect(isGsm7(t)).toBe(true)
    expect(gsmLength(t)).toBeLessThanOrEqual(160)
    expect(t).toContain('Bien Bach Dong')
    expect(t).toContain(url)
    expect(t).toContain('15/06')
    const long = smsText({ communeName: 'Xã Có Một Cái Tên Rất Là Dài Dòng Ơi Là Dài', url, closesAt: '2025-06-15T00:00:00Z', reminder: 1 })
    expect(gsmLength(long)).toBeLessThanOrEqual(160)
    expect(long).toContain(url)
    expect(long).toMatch(/^MTTQ.*Nhac lai/)
  })

  it('backoff is full-jitter exponential, capped', () => {
    const opts = { baseMs: 500, capMs: 30_000 }
    expect(backoffMs(1, opts, () => 0.999)).toBe(499)
    expect(backoffMs(3, opts, () => 0.5)).toBe(1_000)
    expect(backoffMs(20, opts, () => 0.999)).toBe(29_970)
  })
})

describe('log redaction', () => {
  it('never prints access tokens, secrets or phones', () => {
    const lines: string[] = []
    const { log } = Fastify({
      logger: { level: 'info', redact: { paths: REDACT_PATHS, censor: '[redacted]' }, stream: { write: (s: string) => lines.push(s) } },
    })
    log.info({ headers: { access_token: 'AT-SECRET' }, refresh_token: 'RT-SECRET', payload: { phone: '84987654321' } }, 'x')
    log.info({ req: { headers: { access_token: 'AT2', secret_key: 'SK' } } }, 'y')
    const out = lines.join('')
    for (const s of ['AT-SECRET', 'RT-SECRET', '84987654321', 'AT2', '"SK"']) expect(out).not.toContain(s)
  })
})

describe('config: zalo and sms groups', () => {
  it('defaults to fake mode with the in-process fake, and refuses live mode without credentials, naming them', () => {
    const c = loadConfig({})
    expect(c.zalo).toMatchObject({ mode: 'fake', inProcessFake: true, templateId: '231677', sendHours: { start: 7, end: 21 } })
    expect(c.zalo.reminders).toEqual({ max: 2, gapHours: 48 })
    expect(() => loadConfig({ ZALO_MODE: 'live' })).toThrow(/ZALO_APP_ID, ZALO_APP_SECRET, ZALO_OA_SECRET_KEY, ZALO_TEMPLATE_ID/)
    const live = {
      ZALO_MODE: 'live',
      ZALO_APP_ID: '123',
      ZALO_APP_SECRET: 'a'.repeat(20),
      ZALO_OA_SECRET_KEY: 'b'.repeat(20),
      ZALO_TEMPLATE_ID: '999',
    }
    expect(() => loadConfig(live)).toThrow(/SMS_MODE=live requires SMS_BASE_URL/)
    const ok = loadConfig({ ...live, SMS_MODE: 'off' })
    expect(ok.zalo.znsBaseUrl).toBe('https://business.openapi.zalo.me')
    expect(ok.zalo.oauthBaseUrl).toBe('https://oauth.zaloapp.com')
    expect(() => loadConfig({ ZALO_SEND_HOURS: '21-7' })).toThrow(/ZALO_SEND_HOURS/)
  })
})
