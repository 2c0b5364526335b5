import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { formatDateVi, formatSlipCode } from '@app/shared'
import QRCode from 'qrcode'
import { loadPdfKit } from '../../lib/lazy-deps.js'

const require = createRequire(import.meta.url)
// DejaVu renders every Vietnamese diacritic; pdfkit's built-in Helvetica does not.
const FONT_DIR = join(dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf')
export const FONT_REGULAR = join(FONT_DIR, 'DejaVuSans.ttf')
export const FONT_BOLD = join(FONT_DIR, 'DejaVuSans-Bold.ttf')
const FONT_MONO_BOLD = join(FONT_DIR, 'DejaVuSansMono-Bold.ttf')

export interface Slip {
  villageName: string
  householdCode: string
  headName: string
  /** Only for staff who may see contacts (policy.canSeeContact); null otherwise or when unknown. */
  address: string | null
  /** The link token: the QR code opens `${base}/r/<token>`, the resident may type it on `${base}/ma`. */
  token: string
}

export interface SlipSheet {
  communeName: string
  closesAt: string
  publicBaseUrl: string
  /** "Hộ tôi chưa được hỏi ý kiến" for this commune: on every sheet, for the households a slip missed. */
  requestUrl: string
  hotline: string | null
  title: string
}

const PAGE_W = 595.28
const PAGE_H = 841.89
const MARGIN = 22
const FOOTER_H = 86
const COLS = 2
const ROWS = 3

/** Text cut to fit a box of `lines` lines (pdfkit's ellipsis), so a long address never runs into the QR code. */
function boxed(doc: PDFKit.PDFDocument, text: string, x: number, y: number, width: number, size: number, lines: number) {
  doc.fontSize(size).text(text, x, y, { width, height: lines * size * 1.2, ellipsis: '…', lineGap: 0 })
}

/**
 * A4 sheets of cut-out invitation slips, 2 × 3 per page, for handing out house by house: who the slip
 * is for (householder, ấp, address line), the QR code of the personal link, the same link as a code to
 * type on /ma (the token in groups of four, large enough to read and type), the deadline and the help
 * line. Every sheet ends with the commune's "Hộ tôi chưa được hỏi ý kiến" QR code and address. No answers,
 * no phone.
 */
export async function renderSlipsPdf(sheet: SlipSheet, slips: Slip[]): Promise<Buffer> {
  const PDFDocument = await loadPdfKit()
  const doc = new PDFDocument({ size: 'A4', margin: 0, info: { Title: sheet.title, Author: 'Hài Lòng' } })
  doc.registerFont('r', FONT_REGULAR)
  doc.registerFont('b', FONT_BOLD)
  doc.registerFont('mb', FONT_MONO_BOLD)
  const chunks: Buffer[] = []
  doc.on('data', (c: Buffer) => chunks.push(c))
  const done = new Promise<Buffer>((res) => doc.on('end', () => res(Buffer.concat(chunks))))

  const w = (PAGE_W - 2 * MARGIN) / COLS
  const h = (PAGE_H - 2 * MARGIN - FOOTER_H) / ROWS
  const deadline = formatDateVi(sheet.closesAt)
  const codeUrl = `${sheet.publicBaseUrl.replace(/^https?:\/\//, '')}/ma`
  const requestQr = await QRCode.toBuffer(sheet.requestUrl, { errorCorrectionLevel: 'M', margin: 1, width: 240 })

  const footer = () => {
    const y = PAGE_H - MARGIN - FOOTER_H + 8
    const qr = FOOTER_H - 12
    doc
      .save()
      .lineWidth(0.5)
      .strokeColor('#888')
      .moveTo(MARGIN, y - 4)
      .lineTo(PAGE_W - MARGIN, y - 4)
      .stroke()
      .restore()
    doc.image(requestQr, MARGIN, y, { width: qr, height: qr })
    const tx = MARGIN + qr + 10
    const tw = PAGE_W - 2 * MARGIN - qr - 10
    doc
      .fillColor('#000')
      .font('b')
      .fontSize(11)
      .text('Hộ tôi chưa được hỏi ý kiến', tx, y + 2, { width: tw })
    doc
      .font('r')
      .fontSize(9.5)
      .text(
        `Hộ nào ở xã ${sheet.communeName} chưa nhận được phiếu mời, xin quét mã QR bên cạnh hoặc vào địa chỉ dưới đây để báo cho Mặt trận Tổ quốc xã.`,
        tx,
        doc.y + 2,
        { width: tw },
      )
    doc
      .font('mb')
      .fontSize(10)
      .text(sheet.requestUrl, tx, doc.y + 3, { width: tw })
    if (sheet.hotline)
      doc
        .font('r')
        .fontSize(10)
        .text(`Đường dây nóng: ${sheet.hotline}`, tx, doc.y + 2, { width: tw })
  }

  if (slips.length === 0) {
    doc
      .font('r')
      .fontSize(14)
      .text('Không có phiếu mời mới cần in (mọi hộ đã có đường dẫn hoặc đã tham gia).', MARGIN, MARGIN + 20, { width: PAGE_W - 2 * MARGIN })
    footer()
  }
  for (let i = 0; i < slips.length; i++) {
    const s = slips[i] as Slip
    const k = i % (COLS * ROWS)
    if (i > 0 && k === 0) doc.addPage()
    if (k === 0) footer()
    const x = MARGIN + (k % COLS) * w
    const y = MARGIN + Math.floor(k / COLS) * h
    doc.save().dash(4, { space: 3 }).lineWidth(0.5).strokeColor('#888').rect(x, y, w, h).stroke().restore()
    const pad = 10
    const inner = w - 2 * pad
    doc
      .fillColor('#000')
      .font('b')
      .fontSize(10.5)
      .text('PHIẾU MỜI LẤY Ý KIẾN', x + pad, y + pad, { width: inner })
    doc
      .font('r')
      .fontSize(8)
      .text(`Sự hài lòng của người dân về xây dựng nông thôn mới — xã ${sheet.communeName}`, x + pad, y + pad + 14, { width: inner })

    const top = y + pad + 36
    const qrSize = 108
    const qr = await QRCode.toBuffer(`${sheet.publicBaseUrl}/r/${s.token}`, { errorCorrectionLevel: 'M', margin: 1, width: 360 })
    doc.image(qr, x + w - pad - qrSize + 4, top - 4, { width: qrSize, height: qrSize })
    const tw = inner - qrSize - 4
    doc
      .font('r')
      .fontSize(8.5)
      .text('Gửi hộ ông/bà', x + pad, top, { width: tw })
    doc.font('b')
    boxed(doc, s.headName, x + pad, doc.y, tw, 12, 2)
    doc.font('b')
    boxed(doc, s.villageName, x + pad, doc.y + 2, tw, 10, 1)
    if (s.address) {
      doc.font('r')
      boxed(doc, s.address, x + pad, doc.y + 1, tw, 9, 2)
    }
    doc
      .font('r')
      .fontSize(8.5)
      .text(`Mã hộ: ${s.householdCode}`, x + pad, doc.y + 3, { width: tw })
    doc
      .font('b')
      .fontSize(9.5)
      .text(`Hạn trả lời: ${deadline}`, x + pad, doc.y + 2, { width: tw })

    // the typeable code: one line of 12 pt in a monospace face, under where to type it
    const cy = top + qrSize + 2
    doc.font('r')
    boxed(doc, `Không quét được mã QR? Vào ${codeUrl} và gõ mã:`, x + pad, cy, inner, 8.5, 2)
    doc
      .font('mb')
      .fontSize(12)
      .text(formatSlipCode(s.token), x + pad, cy + 23, { width: inner, lineBreak: false })
    doc.font('r')
    boxed(doc, 'Mỗi hộ trả lời một lần. Phiếu trả lời không ghi tên ai.', x + pad, cy + 41, inner, 8, 1)
    if (sheet.hotline)
      doc
        .font('b')
        .fontSize(9.5)
        .text(`Cần giúp đỡ: gọi ${sheet.hotline}`, x + pad, y + h - pad - 12, { width: inner, lineBreak: false })
  }
  doc.end()
  return done
}
