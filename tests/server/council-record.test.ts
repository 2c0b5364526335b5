import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { auditLog, councilDecisions } from '@app/db'
import { eq } from 'drizzle-orm'
import type { FastifyInstance } from 'fastify'
import { describe, expect, it } from 'vitest'
import { buildTestApp } from '../helpers/build-test-app.js'
import { pdfText } from '../helpers/pdf-text.js'
import { allSatisfied, makeWorld, openRoundWithLinks, overallNo, type World } from '../helpers/rounds.js'

/**
 * Council decisions on the record (TRUST.md §2.8): a decision against the verdict needs a reason; a decision is
 * amended by a new version with a reason, never overwritten; unsealing voids it (kept in history); a reseal starts
 * fresh; the public verify page and the minutes list the whole record with reasons and dates.
 */

// the server's own QR library, to encode the expected target the same way (the page embeds its SVG)
const QRCode = createRequire(join(dirname(fileURLToPath(import.meta.url)), '../../server/package.json'))('qrcode') as {
  toString(text: string, opts: Record<string, unknown>): Promise<string>
}

/** All 10 households answer: `dissatisfied` of them not satisfied overall (2 → 80 % < 90 %: below threshold; 0 → meets). */
async function closedRound(app: FastifyInstance, w: World, dissatisfied: number) {
  const { round, tokens } = await openRoundWithLinks(app, w)
  for (let i = 0; i < tokens.length; i++) {
    const res = await app.inject({
      method: 'POST',
      url: `/api/ballots/${tokens[i]}`,
      payload: { answers: i < dissatisfied ? overallNo : allSatisfied },
    })
    expect(res.statusCode).toBe(201)
  }
  expect((await app.inject({ method: 'POST', url: `/api/rounds/${round.id}/close`, headers: w.auth.xa, payload: {} })).statusCode).toBe(200)
  return round
}
const seal = async (app: FastifyInstance, w: World, id: string) =>
  expect((await app.inject({ method: 'POST', url: `/api/rounds/${id}/seal`, headers: w.auth.xa })).statusCode).toBe(200)

const body = (over: Record<string, unknown> = {}) => ({
  votesFor: 15,
  votesAgainst: 3,
  votesAbstain: 2,
  decision: 'reject',
  decidedAt: '2025-06-20',
  ...over,
})

function api(app: FastifyInstance, w: World, roundId: string) {
  const url = `/api/rounds/${roundId}/council-decisions`
  return {
    decide: (payload: Record<string, unknown>, headers = w.auth.hoidong) => app.inject({ method: 'POST', url, headers, payload }),
    amend: (id: string, payload: Record<string, unknown>, headers = w.auth.hoidong) =>
      app.inject({ method: 'POST', url: `${url}/${id}/amendments`, headers, payload }),
    list: async (headers = w.auth.hoidong) => {
      const res = await app.inject({ method: 'GET', url, headers })
      expect(res.statusCode).toBe(200)
      return res.json()
    },
  }
}

describe('a decision against the verdict', () => {
  it('needs a reason: 422 reason_required_against_verdict without one (blank counts as none), 201 with it, marked against', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    const round = await closedRound(app, w, 2)
    await seal(app, w, round.id)
    const c = api(app, w, round.id)
    expect((await c.list()).verdict).toBe('below_threshold')

    for (const reason of [undefined, '', '   ']) {
      const res = await c.decide(body({ decision: 'recognise', ...(reason === undefined ? {} : { reason }) }))
      expect(res.statusCode).toBe(422)
      expect(res.json().error.code).toBe('reason_required_against_verdict')
      expect(res.json().error.details.issues[0].path).toBe('reason')
    }
    expect(db.select().from(councilDecisions).all()).toHaveLength(0)

    const ok = await c.decide(body({ decision: 'recognise', reason: 'Xã đã khắc phục, có xác nhận của huyện' }))
    expect(ok.statusCode).toBe(201)
    expect(ok.json()).toMatchObject({
      decision: 'recognise',
      version: 1,
      againstVerdict: true,
      verdict: 'below_threshold',
      reason: 'Xã đã khắc phục, có xác nhận của huyện',
      state: 'current',
      recordedByName: 'hoidong',
    })
  })

  it('the reverse too: not recognising a result that meets the rule needs a reason; following the verdict needs none', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    const round = await closedRound(app, w, 0)
    await seal(app, w, round.id)
    const c = api(app, w, round.id)
    expect((await c.list()).verdict).toBe('meets')
    for (const decision of ['reject', 'return_for_resurvey']) {
      const res = await c.decide(body({ decision }))
      expect(res.statusCode).toBe(422)
      expect(res.json().error.code).toBe('reason_required_against_verdict')
    }
    const ok = await c.decide(body({ decision: 'recognise', votesFor: 20, votesAgainst: 0, votesAbstain: 0 }))
    expect(ok.statusCode).toBe(201)
    expect(ok.json()).toMatchObject({ againstVerdict: false, reason: null })
  })
})

describe('amending a decision', () => {
  it('creates a new version with reason, who and when; an overwrite attempt (a second decision, or amending an old version) keeps the history', async () => {
    const { app, db, clock } = await buildTestApp()
    const w = await makeWorld(app, db)
    const round = await closedRound(app, w, 2)
    await seal(app, w, round.id)
    const c = api(app, w, round.id)
    const first = (await c.decide(body())).json()
    expect(first).toMatchObject({ decision: 'reject', version: 1, againstVerdict: false, state: 'current' })

    // a second decision on the same seal is no overwrite: 409 decision_exists, naming the one to amend
    const again = await c.decide(body({ decision: 'recognise', reason: 'ghi đè' }))
    expect(again.statusCode).toBe(409)
    expect(again.json().error).toMatchObject({ code: 'decision_exists', details: { currentId: first.id } })

    // an amendment needs its reason
    const noReason = await c.amend(first.id, body({ votesFor: 16, votesAgainst: 2 }))
    expect(noReason.statusCode).toBe(400)
    expect(noReason.json().error.code).toBe('validation_failed')
    expect(JSON.stringify(noReason.json().error.details)).toContain('reason')
    // Front staff do not vote
    expect((await c.amend(first.id, body({ reason: 'x' }), w.auth.xa)).statusCode).toBe(403)

    clock.advance(60_000)
    const second = await c.amend(first.id, body({ votesFor: 16, votesAgainst: 2, reason: 'Sai sót khi nhập số phiếu biểu quyết' }))
    expect(second.statusCode).toBe(201)
    expect(second.json()).toMatchObject({
      version: 2,
      supersedesId: first.id,
      votesFor: 16,
      reason: 'Sai sót khi nhập số phiếu biểu quyết',
      recordedByName: 'hoidong',
      state: 'current',
    })

    // amending the old version again is refused: the newer one stands
    const stale = await c.amend(first.id, body({ decision: 'recognise', reason: 'ghi đè bản cũ' }))
    expect(stale.statusCode).toBe(409)
    expect(stale.json().error).toMatchObject({ code: 'decision_superseded', details: { currentId: second.json().id } })
    expect((await c.amend('no-such-decision', body({ reason: 'x' }))).statusCode).toBe(404)

    const list = await c.list(w.auth.xa)
    expect(list.items.map((d: { version: number; state: string; votesFor: number }) => [d.version, d.state, d.votesFor])).toEqual([
      [1, 'superseded', 15],
      [2, 'current', 16],
    ])
    expect(list.currentId).toBe(second.json().id)
    expect(list.history.map((e: { kind: string }) => e.kind)).toEqual(['seal', 'decision', 'amendment'])
    expect(list.history[2]).toMatchObject({
      reason: 'Sai sót khi nhập số phiếu biểu quyết',
      version: 2,
      votes: { for: 16, against: 2, abstain: 2 },
    })
    // the first row is untouched in the database
    const v1 = db.select().from(councilDecisions).where(eq(councilDecisions.id, first.id)).get()
    expect(v1).toMatchObject({ votesFor: 15, votesAgainst: 3, voidedAt: null })
    expect(db.select().from(auditLog).where(eq(auditLog.action, 'council.amend')).all()).toHaveLength(1)
  })

  it('a return amended to another decision puts the round back to sealed, unless a re-survey round exists (409 resurvey_exists)', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    const round = await closedRound(app, w, 2)
    await seal(app, w, round.id)
    const c = api(app, w, round.id)
    const ret = (await c.decide(body({ decision: 'return_for_resurvey' }))).json()
    expect((await app.services.rounds.findById(round.id))?.status).toBe('returned')
    const back = await c.amend(ret.id, body({ decision: 'reject', reason: 'Hội đồng họp lại, không cần lấy ý kiến lại' }))
    expect(back.statusCode).toBe(201)
    expect((await app.services.rounds.findById(round.id))?.status).toBe('sealed')
    const ret2 = await c.amend(back.json().id, body({ decision: 'return_for_resurvey', reason: 'Theo ý kiến của tỉnh' }))
    expect(ret2.statusCode).toBe(201)
    expect((await app.services.rounds.findById(round.id))?.status).toBe('returned')
    const next = await app.inject({
      method: 'POST',
      url: `/api/rounds/${round.id}/resurvey`,
      headers: w.auth.xa,
      payload: { opensAt: '2025-07-01T00:00:00Z', closesAt: '2025-07-10T00:00:00Z' },
    })
    expect(next.statusCode).toBe(201)
    const refused = await c.amend(ret2.json().id, body({ decision: 'reject', reason: 'Đổi ý' }))
    expect(refused.statusCode).toBe(409)
    expect(refused.json().error).toMatchObject({ code: 'resurvey_exists', details: { roundId: next.json().id } })
    expect((await app.services.rounds.findById(round.id))?.status).toBe('returned')
    expect((await c.list()).items).toHaveLength(3)
  })
})

describe('unseal and reseal', () => {
  it('unseal voids the decision in force (kept with the reason); a reseal starts fresh; the page and the minutes tell the whole record', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    const round = await closedRound(app, w, 2)
    await seal(app, w, round.id)
    const firstRoot = (await app.services.tally.sealedRecord(round.id))?.ledgerRootHash as string
    const c = api(app, w, round.id)
    const d1 = (
      await c.decide(body({ decision: 'recognise', votesFor: 20, votesAgainst: 0, votesAbstain: 0, reason: 'Đã khắc phục' }))
    ).json()

    const unseal = await app.inject({
      method: 'POST',
      url: `/api/rounds/${round.id}/unseal`,
      headers: w.auth.admin,
      payload: { reason: 'Phát hiện 2 phiếu giấy nhập trùng' },
    })
    expect(unseal.statusCode).toBe(200)
    const afterUnseal = await c.list()
    expect(afterUnseal.currentId).toBeNull()
    expect(afterUnseal.items[0]).toMatchObject({ id: d1.id, state: 'voided', voidReason: 'Phát hiện 2 phiếu giấy nhập trùng' })
    // no decision on an unsealed result
    const early = await c.decide(body())
    expect(early.statusCode).toBe(409)
    expect(early.json().error.code).toBe('invalid_transition')
    // the public page of an unsealed round tells what happened to the seal on paper (no figure)
    const page = await app.inject({ method: 'GET', url: `/v/${round.id}?root=${firstRoot}` })
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('đã được mở niêm phong và chưa niêm phong lại')
    expect(page.body).toContain('Phát hiện 2 phiếu giấy nhập trùng')
    expect(page.body).not.toContain('hài lòng (')
    expect((await app.inject({ method: 'GET', url: `/api/public/rounds/${round.id}` })).statusCode).toBe(404)

    await seal(app, w, round.id)
    const fresh = await c.list()
    expect(fresh.currentId).toBeNull()
    const d2 = await c.decide(body({ decision: 'reject' }))
    expect(d2.statusCode).toBe(201)
    expect(d2.json()).toMatchObject({ version: 1, state: 'current' })

    const pub = (await app.inject({ method: 'GET', url: `/api/public/rounds/${round.id}` })).json()
    expect(pub.decision).toMatchObject({ kind: 'decision', decision: 'reject', version: 1 })
    expect(pub.history.map((e: { kind: string }) => e.kind)).toEqual(['seal', 'decision', 'unseal', 'void', 'reseal', 'decision'])
    expect(pub.history[2]).toMatchObject({ reason: 'Phát hiện 2 phiếu giấy nhập trùng', ledgerRootHash: firstRoot })

    const html = (await app.inject({ method: 'GET', url: `/v/${round.id}` })).body
    expect(html).toContain('Quá trình niêm phong và quyết định')
    expect(html).toContain('Mở niêm phong')
    expect(html).toContain('Niêm phong lại kết quả')
    expect(html).toContain('Lý do: Phát hiện 2 phiếu giấy nhập trùng')
    expect(html).toContain('Lý do: Đã khắc phục')
    expect(html).toContain('khác với kết luận theo quy định')
    expect(html).toMatch(/<td>01\/06\/2025<\/td>/)
    expect(html).toContain('họp ngày 20/06/2025')

    const pdf = await app.inject({ method: 'GET', url: `/api/rounds/${round.id}/minutes.pdf`, headers: w.auth.xa })
    expect(pdf.statusCode).toBe(200)
    const text = await pdfText(pdf.rawPayload, 'minutes-record')
    expect(text).toContain('QUÁ TRÌNH NIÊM PHONG VÀ QUYẾT ĐỊNH')
    expect(text).toContain('Mở niêm phong')
    expect(text).toContain('Phát hiện 2 phiếu giấy nhập trùng')
    expect(text).toContain('Niêm phong lại kết quả')
    expect(text).toMatch(/01\/06\/2025/)
  }, 90_000)

  it('attack: an old decision never attaches to a resealed result, even un-voided in the database', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    const round = await closedRound(app, w, 2)
    await seal(app, w, round.id)
    const c = api(app, w, round.id)
    const d1 = (await c.decide(body({ decision: 'recognise', votesFor: 20, votesAgainst: 0, votesAbstain: 0, reason: 'x' }))).json()
    expect(
      (
        await app.inject({
          method: 'POST',
          url: `/api/rounds/${round.id}/unseal`,
          headers: w.auth.admin,
          payload: { reason: 'Kiểm tra lại' },
        })
      ).statusCode,
    ).toBe(200)
    // 4 dissatisfied ballots invalidated in between would change the result; the seal is new either way
    await seal(app, w, round.id)
    // someone with the database clears the void
    db.update(councilDecisions).set({ voidedAt: null, voidedBy: null, voidReason: null }).where(eq(councilDecisions.id, d1.id)).run()
    const list = await c.list()
    expect(list.currentId).toBeNull()
    expect((await app.inject({ method: 'GET', url: `/api/public/rounds/${round.id}` })).json().decision).toBeNull()
    // and the council records its decision on the new result (no 409 from the old one)
    const d2 = await c.decide(body({ decision: 'reject' }))
    expect(d2.statusCode).toBe(201)
    expect((await c.list()).currentId).toBe(d2.json().id)
    // amending the old one is refused
    const old = await c.amend(d1.id, body({ reason: 'gắn lại quyết định cũ' }))
    expect(old.statusCode).toBe(409)
    expect(old.json().error.code).toBe('decision_superseded')
  })
})

describe('the sealed root on paper and on the public page', () => {
  it('is printed in full on the minutes (signed page and annex) and compared with ?root= from the QR code', async () => {
    const { app, db } = await buildTestApp({ env: { PUBLIC_BASE_URL: 'https://hailong.example.vn' } })
    const w = await makeWorld(app, db)
    const round = await closedRound(app, w, 2)
    await seal(app, w, round.id)
    const root = (await app.services.tally.sealedRecord(round.id))?.ledgerRootHash as string
    expect(root).toMatch(/^[0-9a-f]{64}$/)
    expect(app.services.reports.verifyUrl(round.id, root)).toBe(`https://hailong.example.vn/v/${round.id}?root=${root}`)

    const pdf = await app.inject({ method: 'GET', url: `/api/rounds/${round.id}/minutes.pdf`, headers: w.auth.xa })
    const text = await pdfText(pdf.rawPayload, 'minutes-root')
    // grouped by 8 for the eye: the full root with the spaces taken out, twice (signed page and annex)
    const grouped = root.match(/.{8}/g) as string[]
    expect(text).toContain(`${grouped.slice(0, 4).join(' ')}\n${grouped.slice(4).join(' ')}`)
    expect(text.replace(/\s+/g, '').split(root).length - 1).toBeGreaterThanOrEqual(2)
    expect(text).toContain('Mã niêm phong kết quả')

    const api0 = (await app.inject({ method: 'GET', url: `/api/public/rounds/${round.id}` })).json()
    expect(api0).toMatchObject({ ledgerRootHash: root, rootCheck: null })
    const same = (
      await app.inject({ method: 'GET', url: `/api/public/rounds/${round.id}?root=${grouped.join('%20').toUpperCase()}` })
    ).json()
    expect(same.rootCheck).toEqual({ paperRoot: root, result: 'current' })
    const other = 'ab'.repeat(32)
    expect((await app.inject({ method: 'GET', url: `/api/public/rounds/${round.id}?root=${other}` })).json().rootCheck).toEqual({
      paperRoot: other,
      result: 'none',
    })
    expect((await app.inject({ method: 'GET', url: `/api/public/rounds/${round.id}?root=xyz` })).json().rootCheck.result).toBe('malformed')

    const ok = (await app.inject({ method: 'GET', url: `/v/${round.id}?root=${root}` })).body
    expect(ok).toContain('Khớp.')
    // the page shows the same QR code as the paper: its target is this page with the sealed root
    const qr = await QRCode.toString(`https://hailong.example.vn/v/${round.id}?root=${root}`, {
      type: 'svg',
      errorCorrectionLevel: 'M',
      margin: 1,
    })
    expect(ok).toContain(qr)
    expect(ok).not.toContain('<script')
    expect(ok).toContain(grouped.slice(0, 4).join(' '))
    const bad = (await app.inject({ method: 'GET', url: `/v/${round.id}?root=${other}` })).body
    expect(bad).toContain('KHÔNG KHỚP')
    expect(bad).toContain('role="alert"')
  }, 90_000)
})
