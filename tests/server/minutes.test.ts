import { auditLog } from '@app/db'
import { eq } from 'drizzle-orm'
import type { FastifyInstance } from 'fastify'
import { describe, expect, it } from 'vitest'
import { buildTestApp } from '../helpers/build-test-app.js'
import { pdfPages, pdfText } from '../helpers/pdf-text.js'
import { allSatisfied, makeWorld, openRoundWithLinks, type World } from '../helpers/rounds.js'

const no = (reason: string) => ({ q1: { satisfied: false, reason }, q2: { satisfied: true }, q9: { satisfied: true } })

/** A round in the test world with 7 ballots in village 1 and 3 in village 2, closed and sealed. */
async function sealedRound(app: FastifyInstance, w: World) {
  const { round, links, tokens } = await openRoundWithLinks(app, w)
  const v1 = w.villages[0]?.id
  const answersFor = (i: number) =>
    i === 0
      ? { answers: no('=HYPERLINK("http://x")'), comment: 'Cần thêm đèn đường' }
      : i === 1
        ? { answers: no('Đường ngập khi mưa') }
        : i === 2
          ? { answers: no('Đường ngập khi mưa') }
          : { answers: allSatisfied }
  let k = 0
  for (let i = 0; i < links.length; i++) {
    const inV1 = links[i]?.villageId === v1
    if (!inV1 && i % 5 > 2) continue // village 2: only 3 of 5 answer
    const res = await app.inject({ method: 'POST', url: `/api/ballots/${tokens[i]}`, payload: answersFor(k++) })
    expect(res.statusCode).toBe(201)
  }
  return round
}

async function seal(app: FastifyInstance, w: World, id: string) {
  expect((await app.inject({ method: 'POST', url: `/api/rounds/${id}/close`, headers: w.auth.xa, payload: {} })).statusCode).toBe(200)
  expect((await app.inject({ method: 'POST', url: `/api/rounds/${id}/seal`, headers: w.auth.xa })).statusCode).toBe(200)
}

describe('GET /api/rounds/:id/minutes.pdf', () => {
  it('renders the Vietnamese minutes of a sealed round with tables, reasons, verdict, method and hash', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    const round = await sealedRound(app, w)
    await seal(app, w, round.id)
    const res = await app.inject({ method: 'GET', url: `/api/rounds/${round.id}/minutes.pdf`, headers: w.auth.xa })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toBe('application/pdf')
    expect(res.rawPayload.subarray(0, 5).toString()).toBe('%PDF-')
    const text = await pdfText(res.rawPayload, 'minutes')
    const flat = text.replace(/\s+/g, ' ')
    expect(flat).toContain('CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM')
    expect(flat).toContain('Độc lập – Tự do – Hạnh phúc')
    expect(flat).toContain('ỦY BAN MẶT TRẬN TỔ QUỐC')
    expect(flat).toContain('XÃ THỬ')
    expect(flat).toContain('KẾT QUẢ LẤY Ý KIẾN SỰ HÀI LÒNG CỦA NGƯỜI DÂN')
    expect(flat).toContain('Xã nông thôn mới')
    expect(flat).toContain('Giao thông?')
    expect(flat).toContain('Đường ngập khi mưa (2 ý kiến)')
    expect(flat).toContain('Cần thêm đèn đường')
    expect(flat).toContain('Wilson')
    expect(flat).toContain('90,00 %')
    const rec = app.services.tally.sealedRecord(round.id)
    expect(flat).toContain(rec?.ledgerRootHash)
    // commune totals: 10 households, 8 ballots, all satisfied on the overall question
    expect(text).toMatch(/Toàn xã\s+10\s+8\s+8\s+8\s+0\s+100,00 %\s+80,00 %/)
    // village 2: 3 of 5 took part → 60,00 % < 70 % → not enough coverage
    expect(text).toMatch(/Ấp 2\s+5\s+3\s+3\s+3\s+0\s+100,00 %\s+60,00 %\s+Chưa đủ/)
    expect(flat).toContain('CHƯA ĐỦ ĐIỀU KIỆN KẾT LUẬN')
    const logged = db.select().from(auditLog).where(eq(auditLog.action, 'report.minutes')).all()
    expect(logged).toHaveLength(1)
  })

  it('is for sealed rounds only (409), Front staff and council in scope (404 outside), not collectors', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    const round = await sealedRound(app, w)
    const early = await app.inject({ method: 'GET', url: `/api/rounds/${round.id}/minutes.pdf`, headers: w.auth.xa })
    expect(early.statusCode).toBe(409)
    expect(early.json().error.code).toBe('invalid_transition')
    await seal(app, w, round.id)
    expect((await app.inject({ method: 'GET', url: `/api/rounds/${round.id}/minutes.pdf`, headers: w.auth.hoidong })).statusCode).toBe(200)
    expect((await app.inject({ method: 'GET', url: `/api/rounds/${round.id}/minutes.pdf`, headers: w.auth.tinh })).statusCode).toBe(200)
    const foreign = await app.inject({ method: 'GET', url: `/api/rounds/${round.id}/minutes.pdf`, headers: w.auth.khac })
    expect(foreign.statusCode).toBe(404)
    expect(foreign.json().error.code).toBe('not_found')
    expect((await app.inject({ method: 'GET', url: `/api/rounds/${round.id}/minutes.pdf` })).statusCode).toBe(401)
  })

  it('breaks long village tables across pages and repeats the header', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    const { makeCommune } = await import('../helpers/factories.js')
    const big = makeCommune(db, { province: w.province, name: 'Tân Lộc Đông', code: 'TLD', villages: 60, perVillage: 3 })
    const { bulkBallots, createRound } = await import('../helpers/rounds.js')
    const r = await createRound(app, w, { communeId: big.commune.id }, w.auth.tinh)
    expect((await app.inject({ method: 'POST', url: `/api/rounds/${r.id}/open`, headers: w.auth.tinh })).statusCode).toBe(200)
    bulkBallots(app, db, r.id, big.households, 170, 160)
    expect((await app.inject({ method: 'POST', url: `/api/rounds/${r.id}/close`, headers: w.auth.tinh, payload: {} })).statusCode).toBe(200)
    expect((await app.inject({ method: 'POST', url: `/api/rounds/${r.id}/seal`, headers: w.auth.tinh })).statusCode).toBe(200)
    const res = await app.inject({ method: 'GET', url: `/api/rounds/${r.id}/minutes.pdf`, headers: w.auth.tinh })
    expect(res.statusCode).toBe(200)
    const pages = await pdfPages(res.rawPayload, 'minutes-long')
    expect(pages.length).toBeGreaterThanOrEqual(3)
    const withHeader = pages.filter((p) => /Ấp\/thôn/.test(p) && /Số hộ/.test(p))
    expect(withHeader.length).toBeGreaterThanOrEqual(2)
    expect(pages.join('\n')).toMatch(/Toàn xã\s+180\s+170\s+170\s+160\s+10\s+94,12 %\s+94,44 %/)
  })
})

describe('GET /api/rounds/:id/notices.pdf', () => {
  it('prints one page per village with small groups suppressed and no free text', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    const round = await sealedRound(app, w)
    await seal(app, w, round.id)
    const res = await app.inject({ method: 'GET', url: `/api/rounds/${round.id}/notices.pdf`, headers: w.auth.xa })
    expect(res.statusCode).toBe(200)
    expect(res.rawPayload.subarray(0, 5).toString()).toBe('%PDF-')
    const pages = await pdfPages(res.rawPayload, 'notices')
    expect(pages).toHaveLength(2)
    const [p1, p2] = pages.map((p) => p.replace(/\s+/g, ' '))
    expect(p1).toContain('THÔNG BÁO')
    expect(p1).toContain('Ấp 1 — xã Xã Thử')
    expect(p1).toContain('Số phiếu hợp lệ 5')
    expect(p2).toContain('Ấp 2 — xã Xã Thử')
    expect(p2).toContain('dưới 5 phiếu hợp lệ')
    expect(p2).not.toContain('Số phiếu hợp lệ 3')
    for (const p of [p1, p2]) {
      expect(p).not.toContain('Đường ngập')
      expect(p).not.toContain('HYPERLINK')
      expect(p).not.toContain('đèn đường')
    }
  })
})
