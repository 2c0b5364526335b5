import QRCode from 'qrcode'
import { dateVi } from '../reports/format-vi.js'
import { contentWidth, left, nationalHeading, newDocument, para } from '../reports/pdf-kit.js'

export interface VillageNoticeData {
  communeName: string
  title: string
  opensAt: string
  closesAt: string
  villages: { name: string }[]
  /** Where a typed slip code goes (/ma), without the scheme, as printed. */
  codeUrl: string
  /** "Hộ tôi chưa được hỏi ý kiến" of the commune (/hoi/:communeId). */
  requestUrl: string
  hotline: string | null
}

const upper = (s: string) => s.toLocaleUpperCase('vi')

/**
 * One A4 notice per village for the village hall board while the survey runs: when, how to answer
 * (the slip's QR code or its code on /ma, Zalo/SMS, paper), that answers are secret, and — large —
 * the commune's "Hộ tôi chưa được hỏi ý kiến" QR code and address for a household no slip reached.
 * Nothing about who has answered.
 */
export async function renderVillageNoticesPdf(d: VillageNoticeData): Promise<Buffer> {
  const { doc, finish } = await newDocument({ title: `Thông báo lấy ý kiến — xã ${d.communeName}` }, 50)
  const qr = await QRCode.toBuffer(d.requestUrl, { errorCorrectionLevel: 'M', margin: 1, width: 480 })
  d.villages.forEach((v, i) => {
    if (i > 0) doc.addPage()
    doc.y = doc.page.margins.top
    nationalHeading(
      doc,
      ['ỦY BAN MTTQ VIỆT NAM', `XÃ ${upper(d.communeName)}`, 'BAN CÔNG TÁC MẶT TRẬN', upper(v.name)],
      `${d.communeName}, ngày …… tháng …… năm ……`,
    )
    para(doc, 'THÔNG BÁO', { font: 'b', size: 16, align: 'center' })
    para(doc, 'LẤY Ý KIẾN SỰ HÀI LÒNG CỦA NGƯỜI DÂN', { font: 'b', size: 13, align: 'center' })
    para(doc, 'về kết quả xây dựng nông thôn mới', { font: 'i', size: 11, align: 'center', gap: 8 })
    para(doc, `${v.name} — xã ${d.communeName}`, { font: 'b', size: 15, align: 'center', gap: 4 })
    para(doc, `Thời gian: từ ngày ${dateVi(d.opensAt)} đến hết ngày ${dateVi(d.closesAt)}`, {
      font: 'b',
      size: 12,
      align: 'center',
      gap: 12,
    })
    para(
      doc,
      'Mặt trận Tổ quốc xã mời mỗi hộ gia đình cho ý kiến: ông/bà có hài lòng với kết quả xây dựng nông thôn mới ở địa phương hay không. Mỗi hộ trả lời một phiếu, mất khoảng 3 phút.',
      { size: 12, gap: 6 },
    )
    para(doc, 'Cách trả lời:', { font: 'b', size: 12, gap: 2 })
    for (const line of [
      '• Quét mã QR trên phiếu mời của hộ bằng camera điện thoại hoặc Zalo;',
      `• Không quét được: vào ${d.codeUrl} và gõ mã in dưới mã QR trên phiếu mời;`,
      '• Hoặc bấm vào đường dẫn trong tin nhắn Zalo/SMS gửi đến số điện thoại của hộ;',
      '• Hoặc điền phiếu giấy khi tổ lấy ý kiến đến nhà hoặc tại cuộc họp ấp.',
    ])
      para(doc, line, { size: 12, indent: 12 })
    doc.y += 6
    para(doc, 'Ý kiến được giữ bí mật: phiếu trả lời không ghi tên, cán bộ không xem được hộ nào trả lời thế nào.', {
      font: 'i',
      size: 11.5,
      gap: 14,
    })

    const y0 = doc.y
    const qrSize = 150
    doc
      .save()
      .lineWidth(1)
      .strokeColor('#000')
      .rect(left(doc), y0 - 8, contentWidth(doc), qrSize + 38)
      .stroke()
      .restore()
    doc.image(qr, left(doc) + 8, y0, { width: qrSize, height: qrSize })
    const tx = left(doc) + qrSize + 22
    const tw = contentWidth(doc) - qrSize - 30
    doc
      .fillColor('#000')
      .font('b')
      .fontSize(14)
      .text('HỘ CHƯA NHẬN ĐƯỢC PHIẾU MỜI?', tx, y0 + 4, { width: tw })
    doc
      .font('r')
      .fontSize(12)
      .text('Quét mã QR bên cạnh, hoặc vào địa chỉ in bên dưới, để báo cho Mặt trận Tổ quốc xã; hộ sẽ được liên hệ.', tx, doc.y + 4, {
        width: tw,
      })
    if (d.hotline)
      doc
        .font('b')
        .fontSize(13)
        .text(`Đường dây nóng: ${d.hotline}`, tx, doc.y + 8, { width: tw })
    // the address on one line across the box, large enough to type
    doc
      .font('m')
      .fontSize(10.5)
      .text(d.requestUrl, left(doc) + 8, y0 + qrSize + 6, { width: contentWidth(doc) - 16, align: 'center' })
    doc.y = y0 + qrSize + 44
    doc.x = left(doc)
    const half = contentWidth(doc) / 2
    doc
      .font('b')
      .fontSize(11)
      .text('TM. BAN CÔNG TÁC MẶT TRẬN', left(doc) + half, doc.y, { width: half, align: 'center' })
    doc
      .font('i')
      .fontSize(10)
      .text('(Ký, ghi rõ họ tên)', left(doc) + half, doc.y, { width: half, align: 'center' })
  })
  if (d.villages.length === 0) para(doc, 'Đợt lấy ý kiến không có ấp/thôn nào.')
  return finish()
}
