/**
 * SMS through eSMS: only registered customer-care templates are sent, and the gateway's answers 99 / 124 / 146 are
 * classified as eSMS documents them, with a Vietnamese reason for staff (against the fake gateway).
 */
import { loadConfig } from '@app/server/config.ts'
import { createHttpSmsProvider, smsText } from '@app/server/modules/messaging/sms.ts'
import { DEFAULT_SMS_TEMPLATES } from '@app/server/modules/messaging/sms-templates.ts'
import { describe, expect, it, onTestFinished } from 'vitest'
import { invitationRows, openRoundWithZalo, outboxRows, startMessaging, waitFor } from './messaging-harness.js'

const REGISTERED = {
  invitation: ['UBMTTQ {commune} moi ho cho y kien ve NTM truoc {due}: {url}'],
  reminder: ['UBMTTQ {commune} nhac ho cho y kien ve NTM truoc {due}: {url}'],
}

describe('SMS templates (SMS_TEMPLATES_JSON)', () => {
  it('the sender fills a registered template, and only its declared variables', () => {
    const url = 'https://hailong.example.vn/r/AbCd'
    const t = smsText({ communeName: 'Biển Bạch {x}', url, closesAt: '2025-06-15T00:00:00Z' }, REGISTERED)
    expect(t).toBe(`UBMTTQ Bien Bach x moi ho cho y kien ve NTM truoc 15/06: ${url}`)
    expect(smsText({ communeName: 'A', url, closesAt: '2025-06-15T00:00:00Z', reminder: 2 }, REGISTERED)).toMatch(/^UBMTTQ A nhac ho/)
  })

  it('live SMS refuses to start without registered templates; bad templates are named', () => {
    const live = {
      ZALO_MODE: 'off',
      SMS_MODE: 'live',
      SMS_BASE_URL: 'https://rest.esms.vn',
      SMS_API_KEY: 'k'.repeat(10),
      SMS_SECRET_KEY: 's'.repeat(10),
    }
    expect(() => loadConfig(live)).toThrow(/SMS_MODE=live requires SMS_TEMPLATES_JSON/)
    expect(() => loadConfig({ ...live, SMS_TEMPLATES_JSON: '{' })).toThrow(/SMS_TEMPLATES_JSON: not valid JSON/)
    expect(() =>
      loadConfig({ ...live, SMS_TEMPLATES_JSON: JSON.stringify({ invitation: ['Moi {ten}: {url}'], reminder: ['{url}'] }) }),
    ).toThrow(/SMS_TEMPLATES_JSON\.invitation\.0: only the variables/)
    expect(() => loadConfig({ ...live, SMS_TEMPLATES_JSON: JSON.stringify({ invitation: ['Moi ho'], reminder: ['{url}'] }) })).toThrow(
      /needs \{url\}/,
    )
    expect(loadConfig({ ...live, SMS_TEMPLATES_JSON: JSON.stringify(REGISTERED) }).sms.templates).toEqual(REGISTERED)
    expect(loadConfig({ ZALO_MODE: 'fake' }).sms.templates).toEqual(DEFAULT_SMS_TEMPLATES)
  })
})

describe('eSMS answers → what staff see', () => {
  it('146: a text the brandname has not registered fails the invitation as a configuration error, with the reason', async () => {
    // the server sends the default texts; the gateway knows only others
    const m = await startMessaging({ perVillage: 1, smsRegistered: [...REGISTERED.invitation, ...REGISTERED.reminder] })
    const round = await openRoundWithZalo(m, 'sms')
    await m.runtime().worker.start()
    await waitFor(() => outboxRows(m).every((r) => r.status === 'failed'), 5_000, 'failed')
    expect(m.gw.control.messages).toHaveLength(0)
    expect(outboxRows(m).every((r) => r.lastError === 'sms:146')).toBe(true)
    const view = (await m.app.inject({ url: `/api/rounds/${round.id}/messaging`, headers: m.world.auth.xa })).json()
    expect(view.failures[0].reason).toBe('Nội dung SMS không khớp mẫu đã đăng ký với nhà mạng (kiểm tra SMS_TEMPLATES_JSON)')
  })

  it('the same round sends once the server uses the registered texts', async () => {
    const registered = [...REGISTERED.invitation, ...REGISTERED.reminder]
    const m = await startMessaging({ perVillage: 1, smsRegistered: registered, env: { SMS_TEMPLATES_JSON: JSON.stringify(REGISTERED) } })
    await openRoundWithZalo(m, 'sms')
    await m.runtime().worker.start()
    await waitFor(() => outboxRows(m).every((r) => r.status === 'sent'), 5_000, 'sent')
    expect(m.gw.control.messages.length).toBeGreaterThan(0)
    expect(m.gw.control.messages.every((x) => x.content.startsWith('UBMTTQ '))).toBe(true)
  })

  it('99: a blocked number fails at once — permanent, not retried — and staff read why in Vietnamese', async () => {
    const m = await startMessaging({ perVillage: 1 })
    const round = await openRoundWithZalo(m, 'sms')
    const phones = new Set(
      m.db.$client
        .prepare('select phone from households where phone is not null')
        .all()
        .map((r) => (r as { phone: string }).phone),
    )
    const blocked = `84${[...phones][0]!.replace(/^(\+?84|0)/, '')}`
    m.gw.control.blockedPhones.add(blocked)
    await m.runtime().worker.start()
    await waitFor(() => outboxRows(m).every((r) => r.status === 'sent' || r.status === 'failed'), 5_000, 'settled')
    const toBlocked = outboxRows(m).filter((r) => (r.payload as { phone: string }).phone === blocked)
    expect(toBlocked.length).toBeGreaterThan(0)
    const failed = outboxRows(m).filter((r) => r.status === 'failed')
    expect(failed.map((r) => r.id).sort()).toEqual(toBlocked.map((r) => r.id).sort())
    for (const r of failed) expect(r).toMatchObject({ lastError: 'sms:99', attempts: 1 })
    // one request per row: no retry
    expect(m.gw.control.requests.filter((q) => q.body.includes(blocked.slice(2)))).toHaveLength(failed.length)
    expect(invitationRows(m).filter((i) => i.status === 'failed')).toHaveLength(failed.length)
    const view = (await m.app.inject({ url: `/api/rounds/${round.id}/messaging`, headers: m.world.auth.xa })).json()
    expect(new Set(view.failures.map((f: { reason: string }) => f.reason))).toEqual(
      new Set(['Số điện thoại bị chặn nhận SMS trên hệ thống nhà mạng (không gửi lại)']),
    )
  })

  it('124: the gateway already has this RequestId (within 24 h) — the message counts as sent, nothing is sent twice', async () => {
    const m = await startMessaging({ perVillage: 1 })
    const sms = createHttpSmsProvider({
      baseUrl: m.gw.url,
      apiKey: m.config.sms.apiKey,
      secretKey: m.config.sms.secretKey,
      brandname: m.config.sms.brandname,
      timeouts: { connectMs: 500, responseMs: 500, requestMs: 500 },
    })
    onTestFinished(() => sms.close())
    const text = smsText({ communeName: 'Biển Bạch', url: 'https://hailong.example.vn/r/x', closesAt: '2025-06-15T00:00:00Z' })
    expect(await sms.send({ phone: '84987654321', text, requestId: 'sms0123' })).toMatchObject({ ok: true })
    expect(await sms.send({ phone: '84987654321', text, requestId: 'sms0123' })).toEqual({ ok: true, id: 'dup:sms0123' })
    expect(m.gw.control.messages).toHaveLength(1)
  })
})
