import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { formatDateVi } from '@app/shared'
import QRCode from 'qrcode'
import { loadPdfKit } from '../../lib/lazy-deps.js'

const require = createRequire(import.meta.url)
// DejaVu renders every Vietnamese diacritic; pdfkit's built-in Helvetica does not.
const FONT_DIR = join(dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf')
export const FONT_REGULAR = join(FONT_DIR, 'DejaVuSans.ttf')
export const FONT_BOLD = join(FONT_DIR, 'DejaVuSans-Bold.ttf')

export interface Slip {
  communeName: string
  villageName: string
  householdCode: string
  url: string
}

/**
 * A4 sheets of cut-out invitation slips, 2 × 4 per page: village, household code, the QR code of
 * the personal link, the link itself and short instructions. No answers, no phone, no name.
 */
export async function renderSlipsPdf(title: string, closesAt: string, slips: Slip[]): Promise<Buffer> {
  const PDFDocument = await loadPdfKit()
  const doc = new PDFDocument({ size: 'A4', margin: 0, info: { Title: title, Author: 'Hài Lòng' } })
  doc.registerFont('r', FONT_REGULAR)
  doc.registerFont('b', FONT_BOLD)
  const chunks: Buffer[] = []
  doc.on('data', (c: Buffer) => chunks.push(c))
  const done = new Promise<Buffer>((res) => doc.on('end', () => res(Buffer.concat(chunks))))

  const pageW = 595.28
  const pageH = 841.89
  const margin = 24
  const cols = 2
  const rows = 4
  const w = (pageW - 2 * margin) / cols
  const h = (pageH - 2 * margin) / rows
  const deadline = formatDateVi(closesAt)

  if (slips.length === 0) {
    doc
      .font('r')
      .fontSize(14)
      .text('Không có phiếu mời mới cần in (mọi hộ đã có đường dẫn hoặc đã tham gia).', margin, margin + 20, { width: pageW - 2 * margin })
  }
  for (let i = 0; i < slips.length; i++) {
    const s = slips[i] as Slip
    const k = i % (cols * rows)
    if (i > 0 && k === 0) doc.addPage()
    const x = margin + (k % cols) * w
    const y = margin + Math.floor(k / cols) * h
    doc.save().dash(4, { space: 3 }).lineWidth(0.5).strokeColor('#888').rect(x, y, w, h).stroke().restore()
    const pad = 10
    const qr = await QRCode.toBuffer(s.url, { errorCorrectionLevel: 'M', margin: 1, width: 300 })
    const qrSize = 104
    doc.image(qr, x + w - qrSize - pad, y + pad + 14, { width: qrSize, height: qrSize })
    const textW = w - qrSize - 3 * pad
    doc
      .fillColor('#000')
      .font('b')
      .fontSize(10)
      .text('PHIẾU MỜI LẤY Ý KIẾN', x + pad, y + pad, { width: w - 2 * pad })
    doc
      .font('r')
      .fontSize(8.5)
      .text(`Sự hài lòng của người dân về kết quả xây dựng nông thôn mới — xã ${s.communeName}`, x + pad, y + pad + 16, { width: textW })
    doc
      .font('b')
      .fontSize(10)
      .text(s.villageName, x + pad, doc.y + 4, { width: textW })
    doc
      .font('r')
      .fontSize(10)
      .text(`Mã hộ: ${s.householdCode}`, x + pad, doc.y + 2, { width: textW })
    doc.fontSize(8).text(`Hạn trả lời: ${deadline}`, x + pad, doc.y + 2, { width: textW })
    doc
      .fontSize(8)
      .text(
        'Quét mã QR bằng camera hoặc Zalo để mở phiếu. Mỗi hộ trả lời một lần, mất khoảng 3 phút. Ý kiến được giữ bí mật: phiếu không ghi tên ai.',
        x + pad,
        y + qrSize + pad + 22,
        { width: w - 2 * pad },
      )
    doc
      .font('r')
      .fontSize(6.5)
      .fillColor('#333')
      .text(s.url, x + pad, doc.y + 3, { width: w - 2 * pad })
  }
  doc.end()
  return done
}
