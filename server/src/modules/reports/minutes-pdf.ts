import { formatPercentVi, type Question, type RoundTally } from '@app/shared'
import QRCode from 'qrcode'
import {
  ballotChannelVi,
  bpVi,
  coverageScopeVi,
  dateTimeVi,
  dateVi,
  formatRatioVi,
  intVi,
  invalidationVi,
  longDateVi,
  verdictSentenceVi,
  villageCoverageVi,
} from './format-vi.js'
import { type Column, contentWidth, drawTable, ensureSpace, left, nationalHeading, newDocument, pageFooters, para } from './pdf-kit.js'

export interface MinutesData {
  communeName: string
  /** Province (and legacy district) names, for the place line. */
  parentNames: string[]
  round: {
    id: string
    title: string
    level: string
    levelName: string
    legalBasis: string | null
    opensAt: string
    closesAt: string
  }
  questions: Question[]
  tally: RoundTally
  methodVersion: string
  ledgerRootHash: string
  sealedAt: string
  /** Per question: how many dissatisfied reasons and the most frequent texts with their counts. */
  reasons: { questionKey: string; total: number; examples: { text: string; n: number }[] }[]
  comments: { total: number; examples: { text: string; n: number }[] }
  invalid: { reason: string; n: number }[]
  verifyUrl: string
}

const upper = (s: string) => s.toLocaleUpperCase('vi')

/** The verdict of the commune as a sentence for the conclusion. */
function verdictSentence(d: MinutesData): string {
  const c = d.tally.commune
  const rate = formatRatioVi(c.satisfied, c.valid)
  const cov = formatRatioVi(c.participated, c.households)
  const rule = `ngưỡng hài lòng ≥ ${bpVi(d.tally.thresholdBp)}; tỉ lệ hộ tham gia tối thiểu ${bpVi(d.tally.coverageBp)} xét theo ${coverageScopeVi(d.tally.coverageScope)}`
  switch (c.verdict) {
    case 'meets':
      return `Tỉ lệ hộ hài lòng chung với kết quả xây dựng nông thôn mới của xã ${d.communeName} đạt ${rate} (${intVi(c.satisfied)}/${intVi(c.valid)} phiếu hợp lệ), tỉ lệ hộ tham gia lấy ý kiến ${cov}. Kết quả: ĐẠT yêu cầu về sự hài lòng của người dân để đề nghị công nhận ${d.round.levelName} (${rule}).`
    case 'below_threshold':
      return `Tỉ lệ hộ hài lòng chung đạt ${rate} (${intVi(c.satisfied)}/${intVi(c.valid)} phiếu hợp lệ), thấp hơn ngưỡng quy định. Kết quả: CHƯA ĐẠT yêu cầu về sự hài lòng của người dân (${rule}).`
    case 'insufficient_coverage': {
      const low = d.tally.villages.filter((v) => v.verdict === 'insufficient_coverage').map((v) => v.name)
      const where = d.tally.coverageScope === 'village' && low.length ? ` Các ấp/thôn chưa đạt tỉ lệ lấy ý kiến: ${low.join(', ')}.` : ''
      return `Tỉ lệ hộ tham gia lấy ý kiến chưa đạt mức tối thiểu (toàn xã ${cov}).${where} Kết quả: CHƯA ĐỦ ĐIỀU KIỆN KẾT LUẬN về sự hài lòng (tỉ lệ hài lòng ghi nhận ${rate}; ${rule}).`
    }
    default:
      return 'Không có phiếu hợp lệ nào; không có cơ sở kết luận về sự hài lòng của người dân.'
  }
}

/**
 * The Front's official minutes / report of the satisfaction survey (DOMAIN §1.4, §2.4–2.7), from
 * the sealed tally: national heading, per-village and per-question tables, the dissatisfied reasons
 * grouped by question, the verdict in words, the method note, invalidated ballots, the ledger root
 * hash and a QR code to the public verify page.
 */
export async function renderMinutesPdf(d: MinutesData): Promise<Buffer> {
  const { doc, finish } = await newDocument({ title: `Biên bản kết quả lấy ý kiến — xã ${d.communeName}` })
  const t = d.tally
  const c = t.commune

  nationalHeading(
    doc,
    ['ỦY BAN MẶT TRẬN TỔ QUỐC', `VIỆT NAM XÃ ${upper(d.communeName)}`],
    `${d.communeName}, ${longDateVi(d.sealedAt)}`,
    'Số: ……/BB-MTTQ',
  )
  para(doc, 'BIÊN BẢN / BÁO CÁO', { font: 'b', size: 14, align: 'center' })
  para(doc, 'KẾT QUẢ LẤY Ý KIẾN SỰ HÀI LÒNG CỦA NGƯỜI DÂN', { font: 'b', size: 13, align: 'center' })
  para(doc, `đối với kết quả xây dựng nông thôn mới — đề nghị công nhận ${d.round.levelName}, xã ${d.communeName}`, {
    font: 'bi',
    size: 11,
    align: 'center',
    gap: 10,
  })

  const h = (s: string) => {
    ensureSpace(doc, 40)
    doc.y += 4
    para(doc, s, { font: 'b', size: 11, gap: 3 })
  }
  const kv = (k: string, v: string) => {
    ensureSpace(doc, 14)
    doc
      .font('b')
      .fontSize(10)
      .text(`${k}: `, left(doc), doc.y, { continued: true, width: contentWidth(doc) })
    doc.font('r').text(v)
  }

  h('I. THÔNG TIN CHUNG')
  kv('Đợt lấy ý kiến', d.round.title)
  kv('Địa bàn', [`xã ${d.communeName}`, ...d.parentNames].join(', '))
  kv('Mức đề nghị công nhận', d.round.levelName)
  kv(
    'Căn cứ',
    d.round.legalBasis ?? 'Quyết định số 18/2022/QĐ-TTg; Hướng dẫn số 90/HD-MTTW-BTT của Ban Thường trực Ủy ban Trung ương MTTQ Việt Nam',
  )
  kv('Thời gian lấy ý kiến', `từ ${dateVi(d.round.opensAt)} đến ${dateVi(d.round.closesAt)}`)
  kv(
    'Hình thức',
    Object.entries(t.byChannel)
      .filter(([, n]) => n > 0)
      .map(([ch, n]) => `${ballotChannelVi(ch)}: ${intVi(n)} phiếu`)
      .join('; ') || 'không có phiếu',
  )
  kv('Đối tượng', 'đại diện hộ gia đình, mỗi hộ một phiếu')

  h('II. KẾT QUẢ THEO TỪNG ẤP/THÔN')
  const vcols: Column[] = [
    { header: 'STT', width: 24, align: 'center' },
    { header: 'Ấp/thôn', width: 95 },
    { header: 'Số hộ', width: 45, align: 'right' },
    { header: 'Số phiếu thu về', width: 50, align: 'right' },
    { header: 'Phiếu hợp lệ', width: 45, align: 'right' },
    { header: 'Hài lòng', width: 46, align: 'right' },
    { header: 'Không hài lòng', width: 48, align: 'right' },
    { header: 'Tỉ lệ hài lòng', width: 52, align: 'right' },
    { header: 'Tỉ lệ hộ tham gia', width: 52, align: 'right' },
    { header: 'Đủ tỉ lệ lấy ý kiến', width: 48, align: 'center' },
  ]
  const vrow = (v: RoundTally['villages'][number]) => [
    intVi(v.households),
    intVi(v.participated),
    intVi(v.valid),
    intVi(v.satisfied),
    intVi(v.notSatisfied),
    formatRatioVi(v.satisfied, v.valid),
    formatRatioVi(v.participated, v.households),
  ]
  drawTable(doc, vcols, [
    ...t.villages.map((v, i) => [String(i + 1), v.name, ...vrow(v), villageCoverageVi(v.verdict)]),
    { cells: ['', 'Toàn xã', ...vrow(c), ''], bold: true, fill: '#f3f3f3' },
  ])
  para(doc, 'Tỉ lệ hài lòng tính trên số phiếu hợp lệ của câu hỏi chung; tỉ lệ hộ tham gia tính trên số hộ trong danh sách lúc mở đợt.', {
    font: 'i',
    size: 8.5,
    gap: 4,
  })

  h('III. KẾT QUẢ THEO TỪNG CÂU HỎI')
  const qcols: Column[] = [
    { header: 'Câu', width: 26, align: 'center' },
    { header: 'Nội dung câu hỏi', width: 249 },
    { header: 'Tiêu chí', width: 40, align: 'center' },
    { header: 'Phiếu hợp lệ', width: 45, align: 'right' },
    { header: 'Hài lòng', width: 48, align: 'right' },
    { header: 'Không hài lòng', width: 45, align: 'right' },
    { header: 'Tỉ lệ hài lòng', width: 52, align: 'right' },
  ]
  const qt = new Map(t.questions.map((q) => [q.key, q]))
  drawTable(
    doc,
    qcols,
    d.questions.map((q, i) => {
      const s = qt.get(q.key) ?? { valid: 0, satisfied: 0 }
      return {
        cells: [
          String(i + 1),
          q.isOverall ? `${q.text} (câu hỏi chung)` : q.text,
          q.criterionRef ?? '',
          intVi(s.valid),
          intVi(s.satisfied),
          intVi(s.valid - s.satisfied),
          formatRatioVi(s.satisfied, s.valid),
        ],
        bold: q.isOverall,
      }
    }),
  )

  h('IV. TỔNG HỢP Ý KIẾN KHÔNG HÀI LÒNG VÀ Ý KIẾN KHÁC')
  const reasons = new Map(d.reasons.map((r) => [r.questionKey, r]))
  const any = d.reasons.some((r) => r.total > 0)
  if (!any) para(doc, 'Không có ý kiến không hài lòng kèm lý do.', { gap: 2 })
  d.questions.forEach((q, i) => {
    const r = reasons.get(q.key)
    if (!r || r.total === 0) return
    ensureSpace(doc, 30)
    para(doc, `Câu ${i + 1}. ${q.text} — ${intVi(r.total)} ý kiến không hài lòng`, { font: 'b', size: 9.5 })
    for (const e of r.examples) para(doc, `– ${e.text}${e.n > 1 ? ` (${intVi(e.n)} ý kiến)` : ''}`, { size: 9.5, indent: 12 })
    const shown = r.examples.reduce((a, e) => a + e.n, 0)
    if (r.total > shown) para(doc, `… và ${intVi(r.total - shown)} ý kiến khác cùng nội dung câu hỏi.`, { font: 'i', size: 9, indent: 12 })
    doc.y += 2
  })
  ensureSpace(doc, 30)
  para(doc, `Ý kiến khác (ngoài các câu hỏi): ${intVi(d.comments.total)}`, { font: 'b', size: 9.5 })
  for (const e of d.comments.examples) para(doc, `– ${e.text}${e.n > 1 ? ` (${intVi(e.n)} ý kiến)` : ''}`, { size: 9.5, indent: 12 })
  const shownComments = d.comments.examples.reduce((a, e) => a + e.n, 0)
  if (d.comments.total > shownComments)
    para(doc, `… và ${intVi(d.comments.total - shownComments)} ý kiến khác.`, { font: 'i', size: 9, indent: 12 })

  h('V. PHIẾU KHÔNG HỢP LỆ')
  const invalidTotal = d.invalid.reduce((a, r) => a + r.n, 0)
  para(
    doc,
    invalidTotal === 0
      ? 'Không có phiếu bị loại.'
      : `Số phiếu bị loại: ${intVi(invalidTotal)} — ${d.invalid.map((r) => `${invalidationVi(r.reason)}: ${intVi(r.n)}`).join('; ')}. Mỗi lần loại phiếu đều có lý do, được ghi vào sổ phiếu và nhật ký thao tác.`,
    { gap: 2 },
  )

  h('VI. KẾT LUẬN')
  para(doc, `Kết quả: ${verdictSentenceVi(c.verdict)}`, { font: 'b', size: 11 })
  para(doc, verdictSentence(d), { align: 'justify', gap: 2 })

  h('VII. GHI CHÚ VỀ PHƯƠNG PHÁP')
  const note = [
    `Tỉ lệ hài lòng = số phiếu "hài lòng" ở câu hỏi chung ÷ số phiếu hợp lệ (mẫu số là số phiếu, không phải tổng số hộ). So sánh với ngưỡng bằng số nguyên, tính cả trường hợp bằng ngưỡng.`,
    `Ngưỡng hài lòng: ≥ ${bpVi(t.thresholdBp)}. Tỉ lệ hộ tham gia tối thiểu: ${bpVi(t.coverageBp)}, xét theo ${coverageScopeVi(t.coverageScope)}; nếu chưa đạt thì không kết luận theo tỉ lệ hài lòng. Các ấp/thôn chỉ xét tỉ lệ tham gia, không xét ngưỡng hài lòng.`,
    c.interval
      ? `Khoảng tin cậy 95 % của tỉ lệ hài lòng (Wilson, hiệu chỉnh quần thể hữu hạn): ${formatPercentVi(c.interval.low)} – ${formatPercentVi(c.interval.high)}; đánh giá: ${c.robustness === 'clear' ? 'vững (cận dưới không thấp hơn ngưỡng)' : 'sát ngưỡng (cận dưới thấp hơn ngưỡng)'}. Chỉ để tham khảo, không thay thế kết luận theo quy định.`
      : 'Khoảng tin cậy: không tính được (không có phiếu hợp lệ).',
    c.bounds
      ? `Giới hạn do hộ không tham gia: nếu mọi hộ không tham gia đều không hài lòng, tỉ lệ toàn xã là ${formatPercentVi(c.bounds.worst)}; nếu đều hài lòng là ${formatPercentVi(c.bounds.best)}.`
      : '',
    `Phiên bản phương pháp: ${d.methodVersion}`,
  ].filter(Boolean)
  for (const n of note) para(doc, `• ${n}`, { size: 9.5, align: 'justify', indent: 6 })

  h('VIII. XÁC THỰC KẾT QUẢ')
  ensureSpace(doc, 110)
  const qr = await QRCode.toBuffer(d.verifyUrl, { errorCorrectionLevel: 'M', margin: 1, width: 300 })
  const qrSize = 92
  const y0 = doc.y
  const textW = contentWidth(doc) - qrSize - 12
  doc.image(qr, left(doc) + contentWidth(doc) - qrSize, y0, { width: qrSize, height: qrSize })
  doc
    .font('r')
    .fontSize(9.5)
    .text(`Kết quả được niêm phong lúc ${dateTimeVi(d.sealedAt)}. Mã gốc chuỗi phiếu (SHA-256):`, left(doc), y0, {
      width: textW,
    })
  doc
    .font('m')
    .fontSize(8.5)
    .text(d.ledgerRootHash, left(doc), doc.y + 2, { width: textW })
  doc
    .font('r')
    .fontSize(9.5)
    .text('Tra cứu công khai (quét mã QR):', left(doc), doc.y + 4, { width: textW })
  doc
    .font('m')
    .fontSize(8)
    .text(d.verifyUrl, left(doc), doc.y + 1, { width: textW })
  doc.x = left(doc)
  doc.y = Math.max(doc.y, y0 + qrSize) + 16

  ensureSpace(doc, 120)
  const sy = doc.y
  const half = contentWidth(doc) / 2
  doc.font('b').fontSize(10).text('NGƯỜI LẬP BIÊN BẢN', left(doc), sy, { width: half, align: 'center' })
  doc.font('i').fontSize(9).text('(Ký, ghi rõ họ tên)', left(doc), doc.y, { width: half, align: 'center' })
  doc
    .font('b')
    .fontSize(10)
    .text('TM. BAN THƯỜNG TRỰC', left(doc) + half, sy, { width: half, align: 'center' })
  doc
    .font('b')
    .fontSize(10)
    .text(`ỦY BAN MTTQ VIỆT NAM XÃ ${upper(d.communeName)}`, left(doc) + half, doc.y, { width: half, align: 'center' })
  doc
    .font('i')
    .fontSize(9)
    .text('(Ký tên, đóng dấu)', left(doc) + half, doc.y, { width: half, align: 'center' })

  pageFooters(doc, `Mã xác thực ${d.ledgerRootHash.slice(0, 16)}…`)
  return finish()
}
