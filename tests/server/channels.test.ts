/**
 * The channels as the law has them: personal links only where the province allowed them (with the basis
 * printed in the minutes), answers given with the help of the community digital technology team as a channel
 * of their own that only a staff or collector session can mark, and the round's earlier-period flag on record.
 */
import { auditLog, provinceSettings } from '@app/db'
import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { buildTestApp, loginAs } from '../helpers/build-test-app.js'
import { makeUnit, makeUser, TEST_LINK_BASIS } from '../helpers/factories.js'
import { pdfText } from '../helpers/pdf-text.js'
import { allSatisfied, closeRound, createRound, landNow, makeWorld, openRoundWithLinks } from '../helpers/rounds.js'

const BASIS = 'Kế hoạch số 45/KH-UBND ngày 10/3/2026 của Ủy ban nhân dân tỉnh Thử về lấy ý kiến qua đường link, Zalo'

describe('the link channel, allowed per province with its legal basis', () => {
  it('is set by the province Front staff or admin with a basis, audited; read by anyone in scope; others refused', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    const url = `/api/units/${w.province.id}/link-channel`
    const put = (headers: { authorization: string }, payload: object, u = url) => app.inject({ method: 'PUT', url: u, headers, payload })

    // zod: enabling needs a basis; the body's shape is checked
    const noBasis = await put(w.auth.tinh, { enabled: true })
    expect(noBasis.statusCode).toBe(400)
    expect(noBasis.json().error.code).toBe('validation_failed')
    expect((await put(w.auth.tinh, { enabled: 'yes' })).statusCode).toBe(400)
    expect((await put(w.auth.tinh, { enabled: true, legalBasis: 'ngắn' })).statusCode).toBe(400)

    // authorisation: commune staff cannot see the province (404), a collector and the council may not (403),
    // another province's staff 404; a commune is not where the setting lives (400)
    expect((await put(w.auth.xa, { enabled: false })).statusCode).toBe(404)
    expect((await put(w.auth.thuky, { enabled: false })).statusCode).toBe(403)
    expect((await put(w.auth.hoidong, { enabled: false })).statusCode).toBe(403)
    expect((await put(w.auth.khac, { enabled: false })).statusCode).toBe(404)
    const other = await loginAs(
      app,
      (await makeUser(db, { username: 'tinhkhac', role: 'front_staff', unitId: w.other.province.id })).username,
    )
    expect((await put(other, { enabled: false })).statusCode).toBe(404)
    expect((await put(w.auth.tinh, { enabled: false }, `/api/units/${w.commune.id}/link-channel`)).statusCode).toBe(400)
    // a resident (no session)
    expect((await app.inject({ method: 'PUT', url, payload: { enabled: false } })).statusCode).toBe(401)

    const ok = await put(w.auth.tinh, { enabled: true, legalBasis: BASIS })
    expect(ok.statusCode).toBe(200)
    expect(ok.json()).toMatchObject({ provinceId: w.province.id, enabled: true, legalBasis: BASIS })
    const audit = db.select().from(auditLog).where(eq(auditLog.action, 'province.link_channel')).all()
    expect(audit).toHaveLength(1)
    expect(audit[0]?.targetId).toBe(w.province.id)

    // commune staff read their province's setting through their own commune; another province's staff cannot
    const read = await app.inject({ method: 'GET', url: `/api/units/${w.commune.id}/link-channel`, headers: w.auth.xa })
    expect(read.statusCode).toBe(200)
    expect(read.json()).toMatchObject({ enabled: true, legalBasis: BASIS, provinceName: 'Tỉnh Thử' })
    expect((await app.inject({ method: 'GET', url: `/api/units/${w.commune.id}/link-channel`, headers: w.auth.khac })).statusCode).toBe(404)
    // admin may too
    expect((await put(w.auth.admin, { enabled: true, legalBasis: BASIS })).statusCode).toBe(200)
  })

  it('refuses every invitation (print, Zalo, SMS, reissue, preview) with a clear 409 where the province has not allowed it', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    const round = await createRound(app, w)
    expect((await app.inject({ method: 'POST', url: `/api/rounds/${round.id}/open`, headers: w.auth.xa })).statusCode).toBe(200)
    const off = await app.inject({
      method: 'PUT',
      url: `/api/units/${w.province.id}/link-channel`,
      headers: w.auth.tinh,
      payload: { enabled: false },
    })
    expect(off.statusCode).toBe(200)
    for (const channel of ['print', 'zalo', 'sms']) {
      const res = await app.inject({ method: 'POST', url: `/api/rounds/${round.id}/invitations`, headers: w.auth.xa, payload: { channel } })
      expect(res.statusCode, channel).toBe(409)
      expect(res.json().error.code).toBe('link_channel_disabled')
      expect(res.json().error.message).toMatch(/chưa cho phép lấy ý kiến qua đường link\/Zalo/)
    }
    const hh = w.households[0]?.id
    const reissue = await app.inject({
      method: 'POST',
      url: `/api/rounds/${round.id}/invitations/${hh}/reissue`,
      headers: w.auth.xa,
      payload: { channel: 'print' },
    })
    expect([409, 404]).toContain(reissue.statusCode)
    if (reissue.statusCode === 409) expect(reissue.json().error.code).toBe('link_channel_disabled')
    // paper stays open
    const paper = await app.inject({
      method: 'POST',
      url: `/api/rounds/${round.id}/paper-ballots`,
      headers: w.auth.xa,
      payload: { householdId: hh, channel: 'paper', answers: allSatisfied },
    })
    expect(paper.statusCode).toBe(201)
  })

  it('a province that never set it (a new one) has the channel off', async () => {
    const { app, db } = await buildTestApp()
    const p = makeUnit(db, { kind: 'province', name: 'Tỉnh Mới', linkChannel: false })
    expect(db.select().from(provinceSettings).where(eq(provinceSettings.provinceId, p.id)).get()).toBeUndefined()
    expect(await app.services.units.linkChannelOf(p.id)).toMatchObject({ enabled: false, legalBasis: null })
  })

  it('the minutes print the basis the round sent links under, and the assisted channel in the method', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    const { round, tokens } = await openRoundWithLinks(app, w)
    // the province changes its basis after the links went out: the round keeps the one it used
    await app.inject({
      method: 'PUT',
      url: `/api/units/${w.province.id}/link-channel`,
      headers: w.auth.tinh,
      payload: { enabled: true, legalBasis: BASIS },
    })
    for (const t of tokens.slice(0, 3))
      expect((await app.inject({ method: 'POST', url: `/api/ballots/${t}`, payload: { answers: allSatisfied } })).statusCode).toBe(201)
    for (const t of tokens.slice(3, 6))
      expect(
        (await app.inject({ method: 'POST', url: `/api/ballots/${t}/assisted`, headers: w.auth.xa, payload: { answers: allSatisfied } }))
          .statusCode,
      ).toBe(201)
    await closeRound(app, round.id, w.auth.xa)
    expect((await app.inject({ method: 'POST', url: `/api/rounds/${round.id}/seal`, headers: w.auth.xa })).statusCode).toBe(200)
    const pdf = await app.inject({ method: 'GET', url: `/api/rounds/${round.id}/minutes.pdf`, headers: w.auth.xa })
    expect(pdf.statusCode).toBe(200)
    const text = (await pdfText(pdf.rawPayload)).replace(/\s+/g, ' ')
    expect(text).toContain('Hình thức lấy ý kiến')
    expect(text).toContain(TEST_LINK_BASIS)
    expect(text).not.toContain(BASIS)
    expect(text).toContain('Có hỗ trợ của Tổ công nghệ số cộng đồng')
    expect(text).toContain('hỗ trợ của Tổ công nghệ số cộng đồng cho hộ trả lời')
  })
})

describe('the assisted channel (tổ công nghệ số cộng đồng)', () => {
  it('counts apart in coverage and tally, lands in its own batches, and keeps no device trace', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    const { round, tokens, links } = await openRoundWithLinks(app, w)
    // the collector is assigned village 1 only
    const v1 = w.villages[0]?.id as string
    expect(
      (
        await app.inject({
          method: 'PUT',
          url: `/api/rounds/${round.id}/collectors/${w.collector.id}`,
          headers: w.auth.xa,
          payload: { villageIds: [v1] },
        })
      ).statusCode,
    ).toBe(200)
    const inV1 = tokens.filter((_, i) => links[i]?.villageId === v1)
    const inV2 = tokens.filter((_, i) => links[i]?.villageId !== v1)
    const assisted = (t: string, headers: { authorization: string }) =>
      app.inject({
        method: 'POST',
        url: `/api/ballots/${t}/assisted`,
        headers,
        payload: { answers: allSatisfied, clientId: `assist-${t.slice(0, 8)}` },
      })

    expect((await assisted(inV1[0] as string, w.auth.thuky)).statusCode).toBe(201)
    // the same submission again is a replay, not a second ballot
    expect((await assisted(inV1[0] as string, w.auth.thuky)).statusCode).toBe(200)
    expect((await assisted(inV1[1] as string, w.auth.xa)).statusCode).toBe(201)
    // a collector of village 1 cannot assist in village 2 (404, the link is not his to open)
    expect((await assisted(inV2[0] as string, w.auth.thuky)).statusCode).toBe(404)
    // another province's or commune's staff, the council and the admin cannot
    expect((await assisted(inV2[0] as string, w.auth.khac)).statusCode).toBe(404)
    expect((await assisted(inV2[0] as string, w.auth.hoidong)).statusCode).toBe(403)
    expect((await assisted(inV2[0] as string, w.auth.admin)).statusCode).toBe(403)
    // no session: 401 (a resident cannot use this route)
    expect(
      (await app.inject({ method: 'POST', url: `/api/ballots/${inV2[0]}/assisted`, payload: { answers: allSatisfied } })).statusCode,
    ).toBe(401)
    // zod: the same body rules as the resident's
    const bad = await app.inject({ method: 'POST', url: `/api/ballots/${inV2[0]}/assisted`, headers: w.auth.xa, payload: { answers: 'x' } })
    expect(bad.statusCode).toBe(400)
    expect(bad.json().error.code).toBe('validation_failed')

    // a resident answering through his own link after the team did: already answered
    expect((await app.inject({ method: 'POST', url: `/api/ballots/${inV1[1]}`, payload: { answers: allSatisfied } })).statusCode).toBe(409)

    const cov = await app.inject({ method: 'GET', url: `/api/rounds/${round.id}/coverage`, headers: w.auth.xa })
    expect(cov.json().byChannel).toEqual({ link: 0, paper: 0, meeting: 0, assisted: 2 })
    // own batch: the pending store groups (round, village, channel) and the assisted ones wait apart from link ones
    expect((await app.inject({ method: 'POST', url: `/api/ballots/${inV1[2]}`, payload: { answers: allSatisfied } })).statusCode).toBe(201)
    const groups = await app.services.ballots.pendingCounts(round.id)
    expect(groups).toEqual(
      expect.arrayContaining([
        { villageId: v1, channel: 'assisted', n: 2 },
        { villageId: v1, channel: 'link', n: 1 },
      ]),
    )
    await landNow(app, round.id)
    const rows = db.$client
      .prepare('SELECT channel, device_fingerprint AS fp, entered_by AS by FROM ballots WHERE round_id = ? ORDER BY channel')
      .all(round.id) as { channel: string; fp: string | null; by: string | null }[]
    expect(rows.filter((r) => r.channel === 'assisted')).toHaveLength(2)
    expect(rows.filter((r) => r.channel === 'assisted').every((r) => r.fp === null && r.by !== null)).toBe(true)
    expect(rows.filter((r) => r.channel === 'link').every((r) => r.fp !== null && r.by === null)).toBe(true)

    await closeRound(app, round.id, w.auth.xa)
    // the tally withholds channel counts this small (TRUST.md §2.2); the coverage keeps them apart
    const after = await app.inject({ method: 'GET', url: `/api/rounds/${round.id}/coverage`, headers: w.auth.xa })
    expect(after.json().byChannel).toEqual({ link: 1, paper: 0, meeting: 0, assisted: 2 })
  })

  it('a resident cannot mark his own ballot assisted to leave the link channel and its shared-device signal', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    const { round, tokens } = await openRoundWithLinks(app, w)
    // an extra field on the resident route is not a channel: the ballot is a link ballot
    const res = await app.inject({
      method: 'POST',
      url: `/api/ballots/${tokens[0]}`,
      payload: { answers: allSatisfied, assisted: true, channel: 'assisted' },
    })
    expect(res.statusCode).toBe(201)
    // a forged staff header (a resident's token is no staff token)
    const forged = await app.inject({
      method: 'POST',
      url: `/api/ballots/${tokens[1]}/assisted`,
      headers: { authorization: `Bearer ${tokens[1]}` },
      payload: { answers: allSatisfied },
    })
    expect(forged.statusCode).toBe(401)
    const cov = await app.inject({ method: 'GET', url: `/api/rounds/${round.id}/coverage`, headers: w.auth.xa })
    expect(cov.json().byChannel).toMatchObject({ link: 1, assisted: 0 })
  })

  it('many answers on the team tablet raise no shared-device signal; the same on the link channel does', async () => {
    const { app, db } = await buildTestApp({ env: { INTEGRITY_JSON: '{"sharedDevice":{"minCount":3}}' } })
    const w = await makeWorld(app, db, { perVillage: 6 })
    const { round, tokens } = await openRoundWithLinks(app, w)
    const tablet = { 'user-agent': 'Mozilla/5.0 (Linux; Android 13) Chrome/120 Mobile' }
    for (const t of tokens.slice(0, 6)) {
      const r = await app.inject({
        method: 'POST',
        url: `/api/ballots/${t}/assisted`,
        headers: { ...w.auth.xa, ...tablet },
        payload: { answers: allSatisfied },
      })
      expect(r.statusCode).toBe(201)
    }
    await landNow(app, round.id)
    const sharedSignals = async () => {
      const res = await app.inject({ method: 'GET', url: `/api/rounds/${round.id}/integrity`, headers: w.auth.tinh })
      expect(res.statusCode).toBe(200)
      return (res.json().signals as { key: string; triggered: boolean }[]).filter((s) => s.key === 'shared_device')
    }
    expect((await sharedSignals()).some((s) => s.triggered)).toBe(false)
    // the control: the same device answering through residents' own links is the signal
    for (const t of tokens.slice(6, 12))
      expect(
        (await app.inject({ method: 'POST', url: `/api/ballots/${t}`, headers: tablet, payload: { answers: allSatisfied } })).statusCode,
      ).toBe(201)
    await landNow(app, round.id)
    expect((await sharedSignals()).some((s) => s.triggered)).toBe(true)
  })
})

describe("the round's earlier-period flag", () => {
  it('is stored on the round, shown in its data and kept through an edit while draft', async () => {
    const { app, db } = await buildTestApp({ now: '2026-03-01T08:00:00Z' })
    const w = await makeWorld(app, db)
    const round = await createRound(app, w, {
      historical: true,
      opensAt: '2026-03-02T00:00:00Z',
      closesAt: '2026-03-20T00:00:00Z',
    })
    const got = await app.inject({ method: 'GET', url: `/api/rounds/${round.id}`, headers: w.auth.xa })
    expect(got.json().historical).toBe(true)
    const edit = await app.inject({
      method: 'PATCH',
      url: `/api/rounds/${round.id}`,
      headers: w.auth.xa,
      payload: { title: 'Đợt hoàn thiện hồ sơ 2025' },
    })
    expect(edit.statusCode).toBe(200)
    expect(edit.json().historical).toBe(true)
    const bad = await app.inject({ method: 'PATCH', url: `/api/rounds/${round.id}`, headers: w.auth.xa, payload: { historical: 'yes' } })
    expect(bad.statusCode).toBe(400)
    const plain = await createRound(app, w, { opensAt: '2025-06-01T00:00:00Z', closesAt: '2025-06-15T00:00:00Z' })
    expect((await app.inject({ method: 'GET', url: `/api/rounds/${plain.id}`, headers: w.auth.xa })).json().historical).toBe(false)
  })
})

describe('a merged commune reads the history of the communes merged into it', () => {
  it("its trend lists the predecessor's rounds, named, read-only; another province's staff cannot read it", async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    // the old commune (in force until 30/06/2025), merged into the test commune
    const old = makeUnit(db, {
      kind: 'commune',
      name: 'Xã Cũ',
      code: 'XC',
      parentId: w.province.id,
      validTo: '2025-06-30',
      successorId: w.commune.id,
    })
    makeUnit(db, { kind: 'village', name: 'Ấp Cũ', code: 'XC-01', parentId: old.id })
    const created = await app.inject({
      method: 'POST',
      url: '/api/rounds',
      headers: w.auth.tinh,
      payload: {
        communeId: old.id,
        level: 'xa_ntm',
        templateId: w.template.id,
        opensAt: '2025-06-01T00:00:00Z',
        closesAt: '2025-06-15T00:00:00Z',
      },
    })
    expect(created.statusCode).toBe(201)
    const oldRound = created.json().id as string
    const own = await createRound(app, w)

    const trend = await app.inject({ method: 'GET', url: `/api/units/${w.commune.id}/trend`, headers: w.auth.xa })
    expect(trend.statusCode).toBe(200)
    const rounds = trend.json().rounds as { id: string; formerCommune: string | null }[]
    expect(rounds.find((r) => r.id === oldRound)?.formerCommune).toBe('Xã Cũ')
    expect(rounds.find((r) => r.id === own.id)?.formerCommune).toBeNull()
    // read, not modify: the predecessor's round is not the merged commune's to edit
    const edit = await app.inject({ method: 'PATCH', url: `/api/rounds/${oldRound}`, headers: w.auth.xa, payload: { title: 'Đổi' } })
    expect(edit.statusCode).toBe(404)
    // another province's staff, a collector
    expect((await app.inject({ method: 'GET', url: `/api/units/${w.commune.id}/trend`, headers: w.auth.khac })).statusCode).toBe(404)
    expect((await app.inject({ method: 'GET', url: `/api/units/${w.commune.id}/trend`, headers: w.auth.thuky })).statusCode).toBe(403)
  })
})
