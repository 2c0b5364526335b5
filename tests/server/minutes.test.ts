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

/** English words that must never reach the Vietnamese minutes (the old method note and verdict codes). */
const ENGLISH = [
  'rate',
  'overall',
  'valid ballots',
  'with',
  'bounds',
  'non-response',
  'threshold',
  'coverage',
  'meets',
  'insufficient',
  'below',
  'question',
  'report',
  'minutes',
  'Report',
]

describe('the biên bản as the Front signs it', () => {
  it('of a round limited to one village (ấp kiểu mẫu) names that ấp and its commune, not the commune alone', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    const v1 = w.villages[0]!
    const { round, tokens } = await openRoundWithLinks(app, w, { villageIds: [v1.id] })
    for (const t of tokens)
      expect((await app.inject({ method: 'POST', url: `/api/ballots/${t}`, payload: { answers: allSatisfied } })).statusCode).toBe(201)
    await seal(app, w, round.id)
    const res = await app.inject({ url: `/api/rounds/${round.id}/minutes.pdf`, headers: w.auth.xa })
    expect(res.statusCode).toBe(200)
    const text = (await pdfText(res.rawPayload)).replace(/\s+/g, ' ')
    const commune = w.commune.name
    expect(v1.name).toMatch(/^Ấp /)
    expect(text).toContain(`đề nghị công nhận ấp ${v1.name.slice(3)}, xã ${commune}`)
    expect(text).toContain(`trên địa bàn ấp ${v1.name.slice(3)}, xã ${commune}`)
    expect(text).not.toContain(`công nhận xã ${commune}`)
  })

  it('has the issuer, căn cứ, the meeting with its participants, ballots per channel, the bars, the conclusion, closing, Nơi nhận, signatures and a Vietnamese annex', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    const round = await sealedRound(app, w)
    expect((await app.inject({ method: 'POST', url: `/api/rounds/${round.id}/close`, headers: w.auth.xa, payload: {} })).statusCode).toBe(
      200,
    )
    const meta = {
      meetingAt: '2026-03-05T14:30:00+07:00',
      place: 'Hội trường Ủy ban MTTQ Việt Nam xã',
      participants: [
        { name: 'Nguyễn Văn Chủ', title: 'Chủ tịch Ủy ban MTTQ Việt Nam xã', role: 'chair' },
        { name: 'Trần Thị Thư', title: 'Ủy viên Ban Thường trực', role: 'secretary' },
        { name: 'Lê Văn Thành', title: 'Trưởng Ban công tác Mặt trận ấp 1', role: 'member' },
      ],
      recipients: ['Ban Thường trực Ủy ban MTTQ Việt Nam tỉnh', 'UBND xã'],
      issued: { link: 12, paper: 0 },
    }
    // collectors and foreign staff cannot write it; two chairs are refused
    expect(
      (await app.inject({ method: 'PUT', url: `/api/rounds/${round.id}/minutes-meta`, headers: w.auth.thuky, payload: meta })).statusCode,
    ).toBe(404)
    expect(
      (await app.inject({ method: 'PUT', url: `/api/rounds/${round.id}/minutes-meta`, headers: w.auth.khac, payload: meta })).statusCode,
    ).toBe(404)
    const twoChairs = { ...meta, participants: meta.participants.map((p) => ({ ...p, role: 'chair' })) }
    expect(
      (await app.inject({ method: 'PUT', url: `/api/rounds/${round.id}/minutes-meta`, headers: w.auth.xa, payload: twoChairs })).statusCode,
    ).toBe(400)
    const put = await app.inject({ method: 'PUT', url: `/api/rounds/${round.id}/minutes-meta`, headers: w.auth.xa, payload: meta })
    expect(put.statusCode, put.body).toBe(200)
    expect((await app.inject({ method: 'POST', url: `/api/rounds/${round.id}/seal`, headers: w.auth.xa })).statusCode).toBe(200)
    // sealed: the meeting record no longer changes
    expect(
      (await app.inject({ method: 'PUT', url: `/api/rounds/${round.id}/minutes-meta`, headers: w.auth.xa, payload: meta })).statusCode,
    ).toBe(409)

    const res = await app.inject({ method: 'GET', url: `/api/rounds/${round.id}/minutes.pdf`, headers: w.auth.xa })
    expect(res.statusCode).toBe(200)
    const pages = await pdfPages(res.rawPayload, 'minutes-legal')
    const all = pages.join('\n')
    const flat = all.replace(/\s+/g, ' ')
    for (const part of [
      'CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM',
      'ỦY BAN MTTQ VIỆT NAM',
      'XÃ XÃ THỬ',
      'Xã Thử, ngày 05 tháng 03 năm 2026',
      'BIÊN BẢN',
      'Tổng hợp kết quả lấy ý kiến sự hài lòng của người dân',
      'Căn cứ',
      'vào lúc 14 giờ 30 phút, ngày 05 tháng 03 năm 2026, tại Hội trường Ủy ban MTTQ Việt Nam xã',
      'Ông/Bà Nguyễn Văn Chủ — Chủ tịch Ủy ban MTTQ Việt Nam xã (chủ trì)',
      'Ông/Bà Trần Thị Thư — Ủy viên Ban Thường trực (thư ký)',
      'Phiếu phát ra',
      'Phiếu thu về',
      'Không hợp lệ',
      'ĐỐI CHIẾU VỚI CÁC MỨC QUY ĐỊNH',
      'Tỷ lệ hộ được lấy ý kiến (từng thôn/ấp) từ 70,00 % trở lên',
      'Tỷ lệ hài lòng ở câu đánh giá chung từ 90,00 % trở lên',
      'KẾT LUẬN',
      'chưa đủ điều kiện đề nghị công nhận xã Xã Thử đạt chuẩn nông thôn mới năm 2026',
      'Biên bản kết thúc vào lúc',
      'thống nhất ký tên',
      'TM. BAN THƯỜNG TRỰC',
      'CHỦ TỊCH ỦY BAN MTTQ VIỆT NAM XÃ',
      'THƯ KÝ',
      'Nơi nhận:',
      '- Lưu: VT.',
    ])
      expect(flat, part).toContain(part)
    // the statistics live on the annex page only, in Vietnamese
    const annex = pages.findIndex((p) => p.includes('PHỤ LỤC'))
    expect(annex).toBeGreaterThan(0)
    for (const [i, p] of pages.entries()) if (i < annex) expect(p).not.toMatch(/Khoảng tin cậy|Wilson|SHA-256|sát mức/)
    expect(pages.slice(annex).join(' ')).toMatch(/Khoảng tin cậy 95 %/)
    expect(pages.slice(annex).join(' ')).toContain('Phiên bản phương pháp: hailong-tally/1 — tỷ lệ hài lòng ở câu đánh giá chung')
    for (const word of ENGLISH) expect(flat, word).not.toMatch(new RegExp(`\\b${word}\\b`))
  })

  it('prints the province but not a district abolished before the round, and blanks to fill without a meeting record', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    const { units } = await import('@app/db')
    const { eq: equals } = await import('drizzle-orm')
    const district = db
      .insert(units)
      .values({ kind: 'district', name: 'Thới Bình', code: 'TB', parentId: w.province.id, validFrom: '1984-01-01', validTo: '2025-05-01' })
      .returning()
      .get()
    db.update(units).set({ parentId: district.id }).where(equals(units.id, w.commune.id)).run()
    const round = await sealedRound(app, w)
    await seal(app, w, round.id)
    const res = await app.inject({ method: 'GET', url: `/api/rounds/${round.id}/minutes.pdf`, headers: w.auth.xa })
    const flat = (await pdfText(res.rawPayload, 'minutes-blank')).replace(/\s+/g, ' ')
    expect(flat).not.toContain('Thới Bình')
    expect(flat).toContain('tỉnh Tỉnh Thử')
    expect(flat).toContain('vào lúc …… giờ …… phút')
  })
})

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
    expect(flat).toContain('ỦY BAN MTTQ VIỆT NAM')
    expect(flat).toContain('XÃ THỬ')
    expect(flat).toContain('Tổng hợp kết quả lấy ý kiến sự hài lòng của người dân')
    expect(flat).toContain('đạt chuẩn nông thôn mới')
    expect(flat).toContain('Giao thông?')
    expect(flat).toContain('Đường ngập khi mưa (2 ý kiến)')
    expect(flat).toContain('Cần thêm đèn đường')
    expect(flat).toContain('Wilson')
    expect(flat).toContain('90,00 %')
    const rec = await app.services.tally.sealedRecord(round.id)
    expect(flat).toContain(rec?.ledgerRootHash)
    // commune totals: 10 households, 8 ballots, all satisfied on the overall question
    expect(text).toMatch(/Toàn xã\s+10\s+8\s+8\s+8\s+0\s+100,00 %\s+80,00 %/)
    // village 2: 3 ballots (< PRIVACY_MIN_CELL): merged with village 1 into one row of both, totals still right; the
    // coverage verdict of each is kept (3 of 5 took part → 60,00 % < 70 % → not enough coverage)
    expect(flat).toMatch(/Gộp Ấp 1, Ấp 2 10 8 8 8 0 100,00 % 80,00 %/)
    expect(flat).toMatch(/Ấp 2: Chưa đủ/)
    expect(flat).not.toMatch(/Ấp 2 5 3 3 3/)
    expect(flat).toContain('được gộp với ấp/thôn nhỏ kế tiếp thành một dòng')
    expect(flat).toContain('Chưa đủ điều kiện kết luận')
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
    const big = makeCommune(db, { province: w.province, name: 'Tân Lộc Đông', code: 'TLD', villages: 60, perVillage: 6 })
    const { bulkBallots, createRound } = await import('../helpers/rounds.js')
    const r = await createRound(app, w, { communeId: big.commune.id }, w.auth.tinh)
    expect((await app.inject({ method: 'POST', url: `/api/rounds/${r.id}/open`, headers: w.auth.tinh })).statusCode).toBe(200)
    await bulkBallots(app, db, r.id, big.households, 170, 160)
    expect((await app.inject({ method: 'POST', url: `/api/rounds/${r.id}/close`, headers: w.auth.tinh, payload: {} })).statusCode).toBe(200)
    expect((await app.inject({ method: 'POST', url: `/api/rounds/${r.id}/seal`, headers: w.auth.tinh })).statusCode).toBe(200)
    const res = await app.inject({ method: 'GET', url: `/api/rounds/${r.id}/minutes.pdf`, headers: w.auth.tinh })
    expect(res.statusCode).toBe(200)
    const pages = await pdfPages(res.rawPayload, 'minutes-long')
    expect(pages.length).toBeGreaterThanOrEqual(3)
    const withHeader = pages.filter((p) => /Ấp\/thôn/.test(p) && /Số hộ/.test(p))
    expect(withHeader.length).toBeGreaterThanOrEqual(2)
    expect(pages.join('\n')).toMatch(/Toàn xã\s+360\s+170\s+170\s+160\s+10\s+94,12 %\s+47,22 %/)
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
    // Ấp 1 is Ấp 2's complement: withheld too, else the commune's 8 minus its 5 gives Ấp 2's 3 back
    expect(p1).not.toContain('Số phiếu hợp lệ 5')
    expect(p1).toContain('gộp cùng một ấp như thế')
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
