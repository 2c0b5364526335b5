/**
 * Attacks on the slip code page (/ma), the one-household form API, the admin account routes, template
 * creation and the sending / notice files, as TRUST.md §1's actors would try them: a resident (or anyone
 * with a slip), staff of another commune, a collector, a council member, and whoever holds the logs.
 */
import { createTestDb, households, users } from '@app/db'
import { buildApp } from '@app/server'
import { fixedClock } from '@app/server/lib/clock.ts'
import { hashLinkToken } from '@app/server/lib/tokens.ts'
import { formatSlipCode } from '@app/shared'
import { eq } from 'drizzle-orm'
import type { FastifyInstance } from 'fastify'
import { describe, expect, it, onTestFinished } from 'vitest'
import { buildTestApp, loginAs } from '../helpers/build-test-app.js'
import { createRound, makeWorld, openRoundWithLinks, type World } from '../helpers/rounds.js'
import { testConfig } from '../helpers/test-config.js'

function typeCode(app: FastifyInstance, ma: string, ip = '10.9.8.7') {
  return app.inject({
    method: 'POST',
    url: '/ma',
    remoteAddress: ip,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ ma }).toString(),
  })
}

const addHh = (app: FastifyInstance, villageId: string, headers: { authorization: string }, payload: unknown) =>
  app.inject({ method: 'POST', url: `/api/units/${villageId}/households`, headers, payload: payload as Record<string, unknown> })
const editHh = (app: FastifyInstance, villageId: string, id: string, headers: { authorization: string }, payload: unknown) =>
  app.inject({ method: 'PATCH', url: `/api/units/${villageId}/households/${id}`, headers, payload: payload as Record<string, unknown> })

const userId = (db: ReturnType<typeof createTestDb>, username: string) =>
  db.select().from(users).where(eq(users.username, username)).get()?.id as string

describe('the slip code page (/ma) against a guesser and a log reader', () => {
  it('keeps a typed code, right or wrong, out of every log line, whatever the body looks like', async () => {
    const lines: string[] = []
    const db = createTestDb()
    const app = await buildApp({
      config: testConfig({ LOG_LEVEL: 'trace', LINK_RATE_LIMIT_PER_MIN: '100000' }),
      db,
      clock: fixedClock('2025-06-01T08:00:00Z'),
      logStream: { write: (line: string) => void lines.push(line) },
    })
    await app.ready()
    onTestFinished(async () => {
      await app.close()
      db.$client.close()
    })
    const w = await makeWorld(app, db)
    const { tokens } = await openRoundWithLinks(app, w)
    const t = tokens[0] as string
    const code = formatSlipCode(t)
    const ip = '203.0.113.77'
    const sent = [
      await typeCode(app, code, ip),
      await typeCode(app, `${code}X`, ip),
      await app.inject({ method: 'POST', url: '/ma', remoteAddress: ip, payload: { ma: code } }),
      await app.inject({ method: 'POST', url: '/ma', remoteAddress: ip, payload: { ma: [code] } }),
      await app.inject({
        method: 'POST',
        url: '/ma',
        remoteAddress: ip,
        headers: { 'content-type': 'application/json' },
        payload: `{"ma":"${code}"`,
      }),
      await app.inject({ method: 'POST', url: '/ma', remoteAddress: ip, headers: { 'content-type': 'text/plain' }, payload: code }),
      await app.inject({ method: 'POST', url: '/ma', remoteAddress: ip, payload: { ma: `${code}${'x'.repeat(300)}` } }),
      await app.inject({ method: 'GET', url: `/ma?ma=${code}`, remoteAddress: ip }),
      // the code typed into the address bar, as the slip's "…/ma" invites, in any case or encoding
      await app.inject({ method: 'GET', url: `/ma/${t}`, remoteAddress: ip }),
      await app.inject({ method: 'GET', url: `/MA/${code}`, remoteAddress: ip }),
      await app.inject({ method: 'GET', url: `/ma%2F${t}`, remoteAddress: ip }),
      await app.inject({ method: 'GET', url: `//ma/${t.slice(0, 13)}/${t.slice(13)}`, remoteAddress: ip }),
      await app.inject({ method: 'GET', url: `/R/${t}`, remoteAddress: ip }),
    ]
    expect(sent[0]?.statusCode).toBe(303)
    const log = lines.join('')
    expect(log).toContain('"url":"/ma')
    for (const needle of [t, code, hashLinkToken(t), t.slice(0, 12), t.toLowerCase().slice(0, 12), '203.0.113.77'])
      expect(log, needle).not.toContain(needle)
  })

  it('confirms no code once the wrong-code budget is spent: not a right one, not a revoked one; an IPv6 /64 is one budget', async () => {
    const { app, db } = await buildTestApp({ env: { CODE_WRONG_PER_HOUR: '2' } })
    const w = await makeWorld(app, db)
    const { round, links, tokens } = await openRoundWithLinks(app, w)
    const hh = links[1]?.householdId as string
    const revoke = await app.inject({ method: 'POST', url: `/api/rounds/${round.id}/invitations/${hh}/revoke`, headers: w.auth.xa })
    expect(revoke.statusCode, revoke.body).toBe(200)
    const revoked = tokens[1] as string
    const a = '2001:db8:1:2::1'
    const b = '2001:db8:1:2:ffff:1:2:3'
    expect((await typeCode(app, 'ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ-Z1', a)).statusCode).toBe(404)
    expect((await typeCode(app, 'ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ-Z2', b)).statusCode).toBe(404)
    for (const c of [tokens[0] as string, revoked, 'ZZZZZZZZZZZZZZZZZZZZZZZZZ3']) {
      const r = await typeCode(app, c, '2001:db8:1:2:aaaa::9')
      expect(r.statusCode, c).toBe(429)
      expect(r.headers.location).toBeUndefined()
      expect(r.body).not.toContain('thu hồi')
    }
    // a fresh address still reaches its own household's page, and a revoked code is told apart only by its holder
    expect((await typeCode(app, tokens[0] as string, '198.51.100.1')).statusCode).toBe(303)
    expect((await typeCode(app, revoked, '198.51.100.1')).statusCode).toBe(410)
  })
})

describe('one-household API against staff outside their part', () => {
  async function world() {
    const t = await buildTestApp()
    const w = await makeWorld(t.app, t.db)
    return { ...t, w }
  }

  it('collector, council and another commune get nothing done; a household is only edited through its own village', async () => {
    const { app, db, w } = await world()
    const village = w.villages[0]?.id as string
    const otherVillage = w.villages[1]?.id as string
    const hh = w.households.find((h) => h.villageId === village)?.id as string
    const theirs = w.other.households[0]
    const before = db.select().from(households).all()
    for (const who of [w.auth.thuky, w.auth.hoidong]) {
      expect((await addHh(app, village, who, { code: 'X1', headName: 'Kẻ Lạ' })).statusCode).toBe(403)
      expect((await editHh(app, village, hh, who, { headName: 'Kẻ Lạ', active: false })).statusCode).toBe(403)
    }
    expect((await addHh(app, village, w.auth.khac, { code: 'X1', headName: 'Kẻ Lạ' })).statusCode).toBe(404)
    expect((await editHh(app, village, hh, w.auth.khac, { active: false })).statusCode).toBe(404)
    // a household of the other commune through a village of mine, or mine through my other village
    expect((await editHh(app, village, theirs?.id as string, w.auth.xa, { headName: 'Kẻ Lạ' })).statusCode).toBe(404)
    expect((await editHh(app, otherVillage, hh, w.auth.xa, { headName: 'Kẻ Lạ' })).statusCode).toBe(404)
    // a commune or province id is no village
    expect((await addHh(app, w.commune.id, w.auth.xa, { code: 'X1', headName: 'Kẻ Lạ' })).statusCode).toBe(400)
    expect((await addHh(app, w.province.id, w.auth.tinh, { code: 'X1', headName: 'Kẻ Lạ' })).statusCode).toBe(400)
    expect(db.select().from(households).all()).toEqual(before)
  })

  it('an open round: nobody drops a household, commune staff neither add nor revive one, the province only with a reason', async () => {
    const { app, db, w } = await world()
    const village = w.villages[0]?.id as string
    const [h0, h1] = w.households.filter((h) => h.villageId === village)
    // h1 is not surveyed when the round opens
    expect((await editHh(app, village, h1?.id as string, w.auth.xa, { active: false })).statusCode).toBe(200)
    await openRoundWithLinks(app, w)
    const before = db.select().from(households).all()
    for (const who of [w.auth.xa, w.auth.tinh, w.auth.admin])
      expect((await editHh(app, village, h0?.id as string, who, { active: false, reason: 'Hộ đã chuyển đi nơi khác' })).statusCode).toBe(
        409,
      )
    expect((await editHh(app, village, h1?.id as string, w.auth.xa, { active: true, reason: 'Hộ đã về lại ấp' })).statusCode).toBe(409)
    expect((await addHh(app, village, w.auth.xa, { code: 'N1', headName: 'Hộ Mới', reason: 'Hộ mới tách' })).statusCode).toBe(409)
    expect((await editHh(app, village, h1?.id as string, w.auth.tinh, { active: true })).statusCode).toBe(422)
    expect((await addHh(app, village, w.auth.tinh, { code: 'N1', headName: 'Hộ Mới' })).statusCode).toBe(422)
    // a reason of blanks is no reason
    expect((await addHh(app, village, w.auth.tinh, { code: 'N1', headName: 'Hộ Mới', reason: '      ' })).statusCode).toBe(400)
    expect(db.select().from(households).all()).toEqual(before)
  })

  it('ill-formed text is a 400 validation_failed and nothing is stored; NFD is stored as NFC; limits hold', async () => {
    const { app, db, w } = await world()
    const village = w.villages[0]?.id as string
    const hh = w.households.find((h) => h.villageId === village)?.id as string
    const before = db.select().from(households).all()
    const bad = ['Nguy\uD800n', 'A\u0000B', 'A\u001bB', 'A\u007fB']
    for (const s of bad) {
      for (const body of [
        { code: 'B1', headName: s },
        { code: s, headName: 'Hộ Thử' },
        { code: 'B1', headName: 'Hộ Thử', address: s },
        { code: 'B1', headName: 'Hộ Thử', phone: `09${s}12345678` },
      ]) {
        const r = await addHh(app, village, w.auth.xa, body)
        expect(r.statusCode, JSON.stringify(body)).toBe(400)
        expect(r.json().error.code).toBe('validation_failed')
      }
      for (const body of [{ headName: s }, { address: s }, { active: true, reason: `Lý do ${s}` }]) {
        const r = await editHh(app, village, hh, w.auth.xa, body)
        expect(r.statusCode, JSON.stringify(body)).toBe(400)
      }
    }
    for (const body of [
      { code: 'B1', headName: 'x'.repeat(201) },
      { code: 'x'.repeat(33), headName: 'Hộ Thử' },
      { code: '   ', headName: 'Hộ Thử' },
      { code: 'B1', headName: '   ' },
      { code: 'B1', headName: 'Hộ Thử', address: 'x'.repeat(501) },
      { code: 'B1', headName: 'Hộ Thử', phone: '0'.repeat(10_000) },
      { code: 12, headName: 'Hộ Thử' },
      { code: 'B1', headName: ['Hộ Thử'] },
    ]) {
      const r = await addHh(app, village, w.auth.xa, body)
      expect(r.statusCode, JSON.stringify(body).slice(0, 80)).toBe(400)
    }
    expect(db.select().from(households).all()).toEqual(before)
    const nfd = 'Nguyễn Văn Á'.normalize('NFD')
    const ok = await addHh(app, village, w.auth.xa, { code: 'B2', headName: nfd, address: `  ${nfd}  ` })
    expect(ok.statusCode, ok.body).toBe(201)
    const row = db.select().from(households).where(eq(households.id, ok.json().id)).get()
    expect(row?.headName).toBe('Nguyễn Văn Á'.normalize('NFC'))
    expect(row?.address).toBe('Nguyễn Văn Á'.normalize('NFC'))
  })
})

describe('admin account routes against non-admins and against the admin himself', () => {
  it('only an admin reaches them; an admin cannot lock himself out; every change ends the old sessions for good', async () => {
    const { app, db } = await buildTestApp()
    const w: World = await makeWorld(app, db)
    const xa = userId(db, 'xa')
    const admin = userId(db, 'quantri')
    for (const who of [w.auth.xa, w.auth.tinh, w.auth.thuky, w.auth.hoidong]) {
      expect((await app.inject({ method: 'PATCH', url: `/api/users/${xa}`, headers: who, payload: { role: 'admin' } })).statusCode).toBe(
        403,
      )
      expect((await app.inject({ method: 'POST', url: `/api/users/${xa}/password`, headers: who, payload: {} })).statusCode).toBe(403)
      expect(
        (await app.inject({ method: 'PATCH', url: `/api/users/${admin}`, headers: who, payload: { disabled: true } })).statusCode,
      ).toBe(403)
    }
    // no one's own role or scope climbs either
    expect(
      (await app.inject({ method: 'PATCH', url: `/api/users/${xa}`, headers: w.auth.xa, payload: { unitId: w.province.id } })).statusCode,
    ).toBe(403)
    for (const body of [{ disabled: true }, { role: 'front_staff' }, { password: 'mat-khau-moi-12345' }]) {
      const r = await app.inject({ method: 'PATCH', url: `/api/users/${admin}`, headers: w.auth.admin, payload: body })
      expect(r.statusCode, JSON.stringify(body)).toBe(409)
      expect(r.json().error.code).toBe('self_lockout')
    }
    expect((await app.inject({ method: 'POST', url: `/api/users/${admin}/password`, headers: w.auth.admin, payload: {} })).statusCode).toBe(
      409,
    )
    expect((await app.inject({ method: 'GET', url: '/api/users', headers: w.auth.admin })).statusCode).toBe(200)

    const me = (h: { authorization: string }) => app.inject({ method: 'GET', url: '/api/auth/me', headers: h })
    expect((await me(w.auth.xa)).statusCode).toBe(200)
    // a password reset
    const reset = await app.inject({ method: 'POST', url: `/api/users/${xa}/password`, headers: w.auth.admin, payload: {} })
    expect(reset.statusCode, reset.body).toBe(200)
    const temp = reset.json().temporaryPassword as string
    expect((await me(w.auth.xa)).statusCode).toBe(401)
    const s2 = await loginAs(app, 'xa', temp)
    // a change of scope, then a lock and an unlock: each ends the sessions before it, the unlock revives none
    expect(
      (await app.inject({ method: 'PATCH', url: `/api/users/${xa}`, headers: w.auth.admin, payload: { unitId: w.other.commune.id } }))
        .statusCode,
    ).toBe(200)
    expect((await me(s2)).statusCode).toBe(401)
    const s3 = await loginAs(app, 'xa', temp)
    expect(
      (await app.inject({ method: 'PATCH', url: `/api/users/${xa}`, headers: w.auth.admin, payload: { disabled: true } })).statusCode,
    ).toBe(200)
    expect((await me(s3)).statusCode).toBe(401)
    expect((await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'xa', password: temp } })).statusCode).toBe(401)
    expect(
      (await app.inject({ method: 'PATCH', url: `/api/users/${xa}`, headers: w.auth.admin, payload: { disabled: false } })).statusCode,
    ).toBe(200)
    expect((await me(s3)).statusCode).toBe(401)
    expect((await me(s2)).statusCode).toBe(401)
    // a demoted admin's token stops speaking as an admin at once
    const other = await app.inject({
      method: 'POST',
      url: '/api/users',
      headers: w.auth.admin,
      payload: { username: 'quantri2', password: 'mat-khau-quan-tri-2', role: 'admin', unitId: w.province.id },
    })
    expect(other.statusCode, other.body).toBe(201)
    const a2 = await loginAs(app, 'quantri2', 'mat-khau-quan-tri-2')
    expect(
      (await app.inject({ method: 'PATCH', url: `/api/users/${other.json().id}`, headers: w.auth.admin, payload: { role: 'council' } }))
        .statusCode,
    ).toBe(200)
    expect((await app.inject({ method: 'PATCH', url: `/api/users/${xa}`, headers: a2, payload: { disabled: true } })).statusCode).toBe(401)
  })
})

describe('templates in use, sending preview and notices against the wrong people', () => {
  it('a new template with the code of one a round uses leaves that round’s questions alone; only an admin makes templates', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    const r = await createRound(app, w)
    const before = (await app.inject({ method: 'GET', url: `/api/questionnaire-templates/${w.template.id}`, headers: w.auth.xa })).json()
    const body = {
      code: w.template.code,
      name: 'Phiếu sửa lén',
      questions: [
        { key: 'q1', text: 'Câu đã bị thay?', isOverall: false },
        { key: 'q9', text: 'Hài lòng chung?', isOverall: true },
      ],
    }
    for (const who of [w.auth.xa, w.auth.tinh, w.auth.thuky, w.auth.hoidong])
      expect((await app.inject({ method: 'POST', url: '/api/questionnaire-templates', headers: who, payload: body })).statusCode).toBe(403)
    const made = await app.inject({ method: 'POST', url: '/api/questionnaire-templates', headers: w.auth.admin, payload: body })
    expect(made.statusCode, made.body).toBe(201)
    expect(made.json().id).not.toBe(w.template.id)
    expect((await app.inject({ method: 'GET', url: `/api/questionnaire-templates/${w.template.id}`, headers: w.auth.xa })).json()).toEqual(
      before,
    )
    const round = (await app.inject({ method: 'GET', url: `/api/rounds/${r.id}`, headers: w.auth.xa })).json()
    expect(round.templateId).toBe(w.template.id)
  })

  it('the sending preview (with its cost) and the village notices: collector, council, another commune get no file and no figure', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    const r = await createRound(app, w)
    expect((await app.inject({ method: 'POST', url: `/api/rounds/${r.id}/open`, headers: w.auth.xa })).statusCode).toBe(200)
    const preview = (h: { authorization: string }) =>
      app.inject({ method: 'POST', url: `/api/rounds/${r.id}/invitations/preview`, headers: h, payload: { channel: 'sms' } })
    const notices = (h: { authorization: string }, payload: Record<string, unknown> = {}) =>
      app.inject({ method: 'POST', url: `/api/rounds/${r.id}/invitations/notices.pdf`, headers: h, payload })
    const mine = await preview(w.auth.xa)
    expect(mine.statusCode, mine.body).toBe(200)
    expect((await notices(w.auth.xa)).statusCode).toBe(200)
    for (const who of [w.auth.thuky, w.auth.hoidong, w.auth.khac]) {
      expect([403, 404]).toContain((await preview(who)).statusCode)
      expect([403, 404]).toContain((await notices(who)).statusCode)
    }
    // a village of another commune is no village of this round
    const foreign = await notices(w.auth.xa, { villageIds: [w.other.villages[0]?.id] })
    expect([400, 404, 422]).toContain(foreign.statusCode)
    expect(foreign.headers['content-type']).not.toMatch(/pdf/)
  })
})
