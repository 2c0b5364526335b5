import { invitations } from '@app/db'
import { hashLinkToken } from '@app/server/lib/tokens.ts'
import { formatSlipCode, parseSlipCode } from '@app/shared'
import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { buildTestApp } from '../helpers/build-test-app.js'
import { pdfPages } from '../helpers/pdf-text.js'
import { closeRound, createRound, makeWorld, openRoundWithLinks } from '../helpers/rounds.js'

const CODE = /^[0-9A-HJKMNP-TV-Z]{26}$/

/** POST /ma as the page's form does (urlencoded), from one IP. */
function typeCode(app: Awaited<ReturnType<typeof buildTestApp>>['app'], ma: string, ip = '10.9.8.7') {
  return app.inject({
    method: 'POST',
    url: '/ma',
    remoteAddress: ip,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ ma }).toString(),
  })
}

describe('slip codes: the link token typed on /ma', () => {
  it('reads what a resident types: case, spaces, dashes and look-alike letters do not matter; nothing else is guessed', () => {
    const token = 'K7QD9M2XABCDEFGH0123456789'
    expect(formatSlipCode(token)).toBe('K7QD-9M2X-ABCD-EFGH-0123-4567-89')
    expect(parseSlipCode('k7qd 9m2x-abcd–efgh o123 4567 89')).toBe(token)
    expect(parseSlipCode(' K7QD-9M2X-ABCD-EFGH-OI23-4567-89 ')).toBe(token)
    expect(parseSlipCode('K7QD-9M2X-ABCD-EFGH-0l23-4567-89')).toBe(token)
    expect(parseSlipCode('K7QD-9M2X-ABCD-EFGH-0123-4567-8')).toBeNull()
    expect(parseSlipCode('K7QD-9M2X-ABCD-EFGH-0123-4567-8U')).toBeNull()
    expect(parseSlipCode('')).toBeNull()
  })

  it('issues links whose token is a 26-symbol code (130 bits) and sends a typed code on to the link page', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    const { round, tokens } = await openRoundWithLinks(app, w)
    for (const t of tokens) expect(t).toMatch(CODE)
    expect(new Set(tokens).size).toBe(tokens.length)
    const page = await app.inject({ method: 'GET', url: '/ma' })
    expect(page.statusCode).toBe(200)
    expect(page.headers['content-type']).toMatch(/^text\/html/)
    expect(page.body).toContain('Nhập mã trên phiếu mời')
    const t = tokens[0] as string
    const typed = formatSlipCode(t).toLowerCase().replace(/-/g, ' ')
    const res = await typeCode(app, typed)
    expect(res.statusCode).toBe(303)
    expect(res.headers.location).toBe(`/r/${t}`)
    // the code page records nothing: the link is still unopened until /r opens it
    expect(
      db
        .select()
        .from(invitations)
        .where(eq(invitations.tokenHash, hashLinkToken(t)))
        .get()?.firstOpenedAt,
    ).toBeNull()
    expect((await app.inject({ method: 'GET', url: `/api/ballots/${t}` })).json().round.id).toBe(round.id)
  })

  it('answers a wrong code in Vietnamese and stops guessing after CODE_WRONG_PER_HOUR, even for a right code', async () => {
    const { app, db } = await buildTestApp({ env: { CODE_WRONG_PER_HOUR: '3' } })
    const w = await makeWorld(app, db)
    const { tokens } = await openRoundWithLinks(app, w)
    const shape = await typeCode(app, 'ABC')
    expect(shape.statusCode).toBe(400)
    expect(shape.body).toContain('Mã chưa đúng')
    const codes: number[] = []
    for (let i = 0; i < 3; i++) {
      const r = await typeCode(app, `ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ-Z${i}`)
      codes.push(r.statusCode)
      expect(r.body).toContain('Không tìm thấy mã này')
    }
    expect(codes).toEqual([404, 404, 404])
    const blocked = await typeCode(app, formatSlipCode(tokens[0] as string))
    expect(blocked.statusCode).toBe(429)
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0)
    expect(blocked.body).toContain('nhập sai mã nhiều lần')
    expect(blocked.headers.location).toBeUndefined()
    // another IP is not blocked by this one's guesses
    expect((await typeCode(app, formatSlipCode(tokens[0] as string), '10.200.0.1')).statusCode).toBe(303)
  })

  it('draws on the links’ per-IP budget (LINK_RATE_LIMIT_PER_MIN), shared with /api/ballots', async () => {
    const { app, db } = await buildTestApp({ env: { LINK_RATE_LIMIT_PER_MIN: '3' } })
    const w = await makeWorld(app, db)
    const { tokens } = await openRoundWithLinks(app, w)
    const ip = '10.3.3.3'
    expect((await app.inject({ method: 'GET', url: `/api/ballots/${tokens[0]}`, remoteAddress: ip })).statusCode).toBe(200)
    expect((await typeCode(app, tokens[1] as string, ip)).statusCode).toBe(303)
    expect((await typeCode(app, tokens[2] as string, ip)).statusCode).toBe(303)
    const res = await typeCode(app, tokens[3] as string, ip)
    expect(res.statusCode).toBe(429)
    expect(res.body).toContain('Quá nhiều yêu cầu')
  })

  it('says a reissued (revoked) code was replaced; a code only ever opens its own round', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    const { round, links, tokens } = await openRoundWithLinks(app, w)
    const re = await app.inject({
      method: 'POST',
      url: `/api/rounds/${round.id}/invitations/${links[0]?.householdId}/reissue`,
      headers: w.auth.xa,
      payload: { channel: 'print' },
    })
    expect(re.statusCode).toBe(201)
    const fresh = re.json() as { url: string; code: string; codeUrl: string }
    expect(fresh.code).toBe(formatSlipCode(fresh.url.split('/r/')[1] as string))
    expect(fresh.codeUrl).toBe('http://127.0.0.1:3000/ma')
    const old = await typeCode(app, tokens[0] as string)
    expect(old.statusCode).toBe(410)
    expect(old.body).toContain('đã bị thu hồi')
    expect((await typeCode(app, fresh.code)).headers.location).toBe(`/r/${fresh.url.split('/r/')[1]}`)

    // another commune's round: its code leads to its own round, never to this one
    const other = await app.inject({
      method: 'POST',
      url: '/api/rounds',
      headers: w.auth.khac,
      payload: {
        communeId: w.other.commune.id,
        level: 'xa_ntm',
        templateId: w.template.id,
        opensAt: '2025-06-01T00:00:00Z',
        closesAt: '2025-06-15T00:00:00Z',
      },
    })
    expect(other.statusCode).toBe(201)
    const oid = other.json().id as string
    expect((await app.inject({ method: 'POST', url: `/api/rounds/${oid}/open`, headers: w.auth.khac })).statusCode).toBe(200)
    const inv = await app.inject({
      method: 'POST',
      url: `/api/rounds/${oid}/invitations`,
      headers: w.auth.khac,
      payload: { channel: 'print' },
    })
    const otherToken = (inv.json().links[0].url as string).split('/r/')[1] as string
    const go = await typeCode(app, formatSlipCode(otherToken))
    expect(go.headers.location).toBe(`/r/${otherToken}`)
    const form = (await app.inject({ method: 'GET', url: `/api/ballots/${otherToken}` })).json()
    expect(form.round).toMatchObject({ id: oid, commune: 'Xã Khác' })

    // a code of a closed round: the link page says the round is over (Vietnamese), nothing is answered
    await closeRound(app, round.id, w.auth.xa)
    const closed = await app.inject({ method: 'GET', url: `/api/ballots/${tokens[1]}` })
    expect(closed.statusCode).toBe(410)
  })

  it('keeps links issued before the code alphabet working (22-character base64url)', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    const { round, links } = await openRoundWithLinks(app, w)
    const legacy = 'AbCdEfGhIjKlMnOpQr_-12'
    db.update(invitations)
      .set({ tokenHash: hashLinkToken(legacy) })
      .where(eq(invitations.householdId, links[0]?.householdId as string))
      .run()
    const res = await app.inject({ method: 'GET', url: `/api/ballots/${legacy}` })
    expect(res.statusCode).toBe(200)
    expect(res.json().round.id).toBe(round.id)
  })
})

describe('printed slips', () => {
  it('carry householder, ấp, address, the code in groups, /ma, the hotline and the /hoi address; never a phone', async () => {
    const { app, db } = await buildTestApp({ env: { HOTLINE: '0236 3822 123' } })
    const w = await makeWorld(app, db)
    const r = await createRound(app, w)
    expect((await app.inject({ method: 'POST', url: `/api/rounds/${r.id}/open`, headers: w.auth.xa })).statusCode).toBe(200)
    const res = await app.inject({
      method: 'POST',
      url: `/api/rounds/${r.id}/invitations/slips.pdf`,
      headers: w.auth.xa,
      payload: { villageIds: [w.villages[0]?.id] },
    })
    expect(res.statusCode).toBe(200)
    const pages = await pdfPages(res.rawPayload, 'slips')
    expect(pages).toHaveLength(1)
    const text = pages.join('\n')
    expect(text).toContain('Chủ Hộ Thử 1')
    expect(text).toContain('Ấp 1')
    expect(text).toContain('Số 1')
    expect(text).toContain('Mã hộ: H0001')
    expect(text).toContain('127.0.0.1:3000/ma')
    expect(text).toContain('Cần giúp đỡ: gọi 0236 3822 123')
    expect(text).toContain('Hộ tôi chưa được hỏi ý kiến')
    expect(text).toContain(`http://127.0.0.1:3000/hoi/${w.commune.id}`)
    const codes = text.match(/[0-9A-HJKMNP-TV-Z]{4}(?:-[0-9A-HJKMNP-TV-Z]{4}){5}-[0-9A-HJKMNP-TV-Z]{2}/g) ?? []
    expect(codes).toHaveLength(5)
    // each printed code is a live link of this round
    for (const c of codes) expect((await typeCode(app, c)).headers.location).toMatch(/^\/r\//)
    expect(text).not.toMatch(/8490\d{7}|090 ?\d{3}/)
  })
})

describe('village notices of a running round', () => {
  it('one A4 per village: how to answer, /ma, the hotline and the commune’s /hoi QR address; nothing after close', async () => {
    const { app, db } = await buildTestApp({ env: { HOTLINE: '0236 3822 123' } })
    const w = await makeWorld(app, db)
    const r = await createRound(app, w)
    expect((await app.inject({ method: 'POST', url: `/api/rounds/${r.id}/open`, headers: w.auth.xa })).statusCode).toBe(200)
    const res = await app.inject({ method: 'POST', url: `/api/rounds/${r.id}/invitations/notices.pdf`, headers: w.auth.xa, payload: {} })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toBe('application/pdf')
    const pages = await pdfPages(res.rawPayload, 'village-notices')
    expect(pages).toHaveLength(2)
    for (const [i, p] of pages.entries()) {
      expect(p).toContain(`Ấp ${i + 1} — xã Xã Thử`)
      expect(p).toContain('HỘ CHƯA NHẬN ĐƯỢC PHIẾU MỜI?')
      expect(p).toContain(`http://127.0.0.1:3000/hoi/${w.commune.id}`)
      expect(p).toContain('127.0.0.1:3000/ma')
      expect(p).toContain('Đường dây nóng: 0236 3822 123')
      expect(p).toContain('từ ngày 01/06/2025 đến hết ngày 15/06/2025')
    }
    // the page the QR code opens offers the same help line
    const hoi = await app.inject({ method: 'GET', url: `/hoi/${w.commune.id}` })
    expect(hoi.body).toContain('Hộ tôi chưa được hỏi ý kiến')
    expect(hoi.body).toContain('<a href="tel:02363822123"><strong>0236 3822 123</strong></a>')
    // writes nothing: no link was issued
    expect(db.select().from(invitations).all()).toHaveLength(0)
    // another commune's staff: not found; after close: no notice to post
    expect(
      (await app.inject({ method: 'POST', url: `/api/rounds/${r.id}/invitations/notices.pdf`, headers: w.auth.khac, payload: {} }))
        .statusCode,
    ).toBe(404)
    await closeRound(app, r.id, w.auth.xa)
    expect(
      (await app.inject({ method: 'POST', url: `/api/rounds/${r.id}/invitations/notices.pdf`, headers: w.auth.xa, payload: {} }))
        .statusCode,
    ).toBe(409)
  })
})
