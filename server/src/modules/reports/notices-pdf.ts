import type { PublicTally } from '@app/shared'
import QRCode from 'qrcode'
import {
  bpVi,
  coverageScopeVi,
  dateVi,
  formatRatioVi,
  hexGroupsVi,
  intVi,
  longDateVi,
  verdictSentenceVi,
  villageSubjectVi,
} from './format-vi.js'
import { contentWidth, drawTable, left, nationalHeading, newDocument, pageFooters, para } from './pdf-kit.js'

export interface NoticesData {
  communeName: string
  /** A round limited to one village (ấp/thôn kiểu mẫu): the notice speaks of that ấp, not of the commune. */
  villageName?: string | null
  levelName: string
  title: string
  opensAt: string
  closesAt: string
  thresholdBp: number
  coverageBp: number
  coverageScope: 'village' | 'commune'
  commune: PublicTally
  /** Village tallies with the public small-group suppression already applied. */
  villages: PublicTally[]
  /** PRIVACY_MIN_CELL as applied. */
  minCell: number
  ledgerRootHash: string
  sealedAt: string
  verifyUrl: string
}

const pct = (num: number | null, den: number | null) => (num === null || den === null ? '—' : formatRatioVi(num, den))
const upper = (s: string) => s.toLocaleUpperCase('vi')

/**
 * One A4 notice per village for the village hall board (DOMAIN §2.7: results are posted ~10 days).
 * Aggregates only, never free text; a withheld village (small, or its complement) shows no breakdown.
 */
export async function renderNoticesPdf(d: NoticesData): Promise<Buffer> {
  const { doc, finish } = await newDocument({ title: `Thông báo kết quả lấy ý kiến — xã ${d.communeName}` }, 50)
  const qr = await QRCode.toBuffer(d.verifyUrl, { errorCorrectionLevel: 'M', margin: 1, width: 300 })
  const c = d.commune
  d.villages.forEach((v, i) => {
    if (i > 0) doc.addPage()
    doc.y = doc.page.margins.top
    nationalHeading(
      doc,
      ['ỦY BAN MTTQ VIỆT NAM', `XÃ ${upper(d.communeName)}`, `BAN CÔNG TÁC MẶT TRẬN`, upper(v.name)],
      // the official date line: "Biển Bạch, ngày 05 tháng 03 năm 2026" (dated when the result was sealed)
      `${d.communeName}, ${longDateVi(d.sealedAt)}`,
    )
    para(doc, 'THÔNG BÁO', { font: 'b', size: 16, align: 'center' })
    para(doc, 'KẾT QUẢ LẤY Ý KIẾN SỰ HÀI LÒNG CỦA NGƯỜI DÂN', { font: 'b', size: 13, align: 'center' })
    para(doc, `về kết quả xây dựng nông thôn mới — đề nghị công nhận ${d.levelName}`, { font: 'i', size: 11, align: 'center', gap: 8 })
    para(doc, `${v.name} — xã ${d.communeName}`, { font: 'b', size: 15, align: 'center', gap: 4 })
    para(doc, `Thời gian lấy ý kiến: từ ${dateVi(d.opensAt)} đến ${dateVi(d.closesAt)}`, { align: 'center', size: 11, gap: 12 })

    para(doc, `Kết quả tại ${v.name}`, { font: 'b', size: 12, gap: 4 })
    if (v.suppressed) {
      drawTable(
        doc,
        [
          { header: 'Chỉ tiêu', width: 300 },
          { header: 'Kết quả', width: contentWidth(doc) - 300, align: 'right' },
        ],
        [['Số hộ trong danh sách', intVi(v.households)]],
        { fontSize: 12, padding: 5 },
      )
      para(
        doc,
        `Ấp có dưới ${d.minCell} phiếu hợp lệ, hoặc được gộp cùng một ấp như thế (để không ai lấy kết quả chung trừ đi các ấp khác mà suy ra được). Để giữ bí mật ý kiến của từng hộ, kết quả chi tiết của ấp không được công bố; các phiếu vẫn được tính vào kết quả chung của xã.`,
        { font: 'i', size: 11, gap: 10 },
      )
    } else {
      drawTable(
        doc,
        [
          { header: 'Chỉ tiêu', width: 300 },
          { header: 'Kết quả', width: contentWidth(doc) - 300, align: 'right' },
        ],
        [
          ['Số hộ trong danh sách', intVi(v.households)],
          ['Số hộ tham gia lấy ý kiến', intVi(v.participated)],
          ['Tỷ lệ hộ tham gia', pct(v.participated, v.households)],
          ['Số phiếu hợp lệ', intVi(v.valid)],
          ['Số phiếu hài lòng', intVi(v.satisfied)],
          ['Số phiếu không hài lòng', intVi(v.notSatisfied)],
          { cells: ['Tỷ lệ hài lòng', pct(v.satisfied, v.valid)], bold: true },
        ],
        { fontSize: 12, padding: 5 },
      )
      doc.y += 6
    }

    para(doc, d.villageName ? `Kết quả chung của ${villageSubjectVi(d.villageName)}` : `Kết quả chung toàn xã ${d.communeName}`, {
      font: 'b',
      size: 12,
      gap: 4,
    })
    para(
      doc,
      c.suppressed
        ? `Dưới ${d.minCell} phiếu hợp lệ — không công bố chi tiết để bảo vệ bí mật phiếu.`
        : `Tỷ lệ hài lòng: ${pct(c.satisfied, c.valid)} (${intVi(c.satisfied)}/${intVi(c.valid)} phiếu hợp lệ). Số hộ tham gia: ${intVi(c.participated)}/${intVi(c.households)} (${pct(c.participated, c.households)}).`,
      { size: 11 },
    )
    para(doc, `Kết luận: ${verdictSentenceVi(c.verdict)}`, { font: 'b', size: 11 })
    para(
      doc,
      `Ngưỡng hài lòng ≥ ${bpVi(d.thresholdBp)} số phiếu hợp lệ; tỷ lệ hộ tham gia tối thiểu ${bpVi(d.coverageBp)} xét theo ${coverageScopeVi(d.coverageScope)}.`,
      { font: 'i', size: 9.5, gap: 12 },
    )

    const y0 = doc.y
    const qrSize = 100
    doc.image(qr, left(doc), y0, { width: qrSize, height: qrSize })
    const tx = left(doc) + qrSize + 12
    const tw = contentWidth(doc) - qrSize - 12
    doc
      .font('r')
      .fontSize(10)
      .text(`Quét mã QR để xem và kiểm tra kết quả công khai của ${d.villageName ? villageSubjectVi(d.villageName) : 'toàn xã'}:`, tx, y0, {
        width: tw,
      })
    doc
      .font('m')
      .fontSize(8)
      .text(d.verifyUrl, tx, doc.y + 2, { width: tw })
    doc
      .font('r')
      .fontSize(9)
      .text('Mã xác thực sổ phiếu:', tx, doc.y + 6, { width: tw })
    doc
      .font('m')
      .fontSize(8.5)
      .text(hexGroupsVi(d.ledgerRootHash), tx, doc.y + 1, { width: tw })
    doc.y = Math.max(doc.y, y0 + qrSize) + 14
    doc.x = left(doc)
    para(doc, 'Thời gian niêm yết: 10 ngày, từ ngày ……/……/…… đến ngày ……/……/……. Mọi ý kiến xin gửi Ban công tác Mặt trận ấp.', {
      size: 10,
      gap: 18,
    })
    const half = contentWidth(doc) / 2
    doc
      .font('b')
      .fontSize(10)
      .text('TM. BAN CÔNG TÁC MẶT TRẬN', left(doc) + half, doc.y, { width: half, align: 'center' })
    doc
      .font('i')
      .fontSize(9)
      .text('(Ký, ghi rõ họ tên)', left(doc) + half, doc.y, { width: half, align: 'center' })
  })
  if (d.villages.length === 0) para(doc, 'Xã không có ấp/thôn nào trong danh sách.')
  pageFooters(doc, `${d.title.slice(0, 80)}`)
  return finish()
}
