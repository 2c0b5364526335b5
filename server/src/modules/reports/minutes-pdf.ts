import {
  barResultLinesVi,
  barSentenceVi,
  DECISION_VI,
  formatPercentVi,
  hiddenVillages,
  type MinutesMeta,
  PROVISIONAL_MARK_VI,
  type Question,
  RECORD_EVENT_VI,
  type RecordEvent,
  type RoundTally,
  type RuleSetSnapshot,
  type ShownTally,
  suppressedLegendVi,
  suppressRoundTally,
} from '@app/shared'
import QRCode from 'qrcode'
import {
  ballotChannelVi,
  bpVi,
  coverageScopeVi,
  dateTimeVi,
  dateVi,
  formatRatioVi,
  hexGroupsVi,
  intVi,
  invalidationVi,
  longDateVi,
  timeVi,
  verdictSentenceVi,
  villageCoverageVi,
  villageSubjectVi,
} from './format-vi.js'
import { type Column, contentWidth, drawTable, ensureSpace, left, nationalHeading, newDocument, pageFooters, para } from './pdf-kit.js'

export interface MinutesData {
  communeName: string
  /** Province (and a district only if it existed on the round's dates), for the place line. */
  parentNames: string[]
  /** A round limited to one village (ấp/thôn kiểu mẫu): that village, which the minutes then name as the subject. */
  villageName?: string | null
  round: {
    id: string
    title: string
    level: string
    levelName: string
    legalBasis: string | null
    /** The rule set the round was judged by (its snapshot), if any. */
    ruleSet?: RuleSetSnapshot | null
    opensAt: string
    closesAt: string
    /** When collection actually ended (the close action), printed instead of the planned end. */
    closedAt?: string | null
    /** Run under the rules of an earlier legal period (printed in the căn cứ). */
    historical?: boolean
    /** The province's document allowing personal links (QR, Zalo, SMS), printed with the method. */
    linkLegalBasis?: string | null
  }
  /** The tallying meeting, entered when sealing; blanks to fill by hand when missing. */
  meeting?: MinutesMeta | null
  questions: Question[]
  /** The sealed tally with every figure; the minutes print it with small groups withheld or merged (below). */
  tally: RoundTally
  /** PRIVACY_MIN_CELL. */
  minCell: number
  methodVersion: string
  ledgerRootHash: string
  sealedAt: string
  /** Per question: how many dissatisfied reasons and the most frequent texts with their counts. */
  reasons: { questionKey: string; total: number; examples: { text: string; n: number }[] }[]
  comments: { total: number; examples: { text: string; n: number }[] }
  invalid: { reason: string; n: number }[]
  verifyUrl: string
  /** Seal, unseal, reopen, reseal and council decisions with reasons, oldest first (empty: printed as "sealed once"). */
  history?: RecordEvent[]
  /** Departures from the plan, on the record (TRUST.md §2.8): who made them, when and why. */
  governance?: MinutesGovernance
}

export interface MinutesGovernance {
  /** Bars below the level's rule set by the province, as still in force for this round. */
  ruleOverride?: {
    thresholdBp: number
    coverageBp: number
    levelThresholdBp: number
    levelCoverageBp: number
    by: string
    at: string
    reason: string
  } | null
  /** Households added to the frame after the round opened, per addition. */
  frameAdditions?: { households: number; villages: string[]; by: string; at: string; reason: string }[]
}

export { villageSubjectVi }

const upper = (s: string) => s.toLocaleUpperCase('vi')

/** "Xã nông thôn mới nâng cao" → "nông thôn mới nâng cao" (what a commune is recognised as). */
const standardOf = (levelName: string) => levelName.replace(/^(xã|ấp\/thôn|ấp|thôn)\s+/i, '').toLocaleLowerCase('vi')

/** Method versions in Vietnamese (the code stays as printed, the words are for people). */
const METHOD_VI: Record<string, string> = {
  'hailong-tally/1':
    'tỷ lệ hài lòng ở câu đánh giá chung tính trên số phiếu hợp lệ; khoảng tin cậy Wilson 95 % (z = 1,96) có hiệu chỉnh quần thể hữu hạn; giới hạn do hộ không tham gia',
}
const methodVi = (v: string) => {
  const code = v.split(':')[0]?.trim() ?? v
  return `${code} — ${METHOD_VI[code] ?? 'theo mô tả phương pháp của phiên bản này'}`
}

const ROLE_VI: Record<string, string> = { chair: 'chủ trì', secretary: 'thư ký', member: 'thành viên' }

/** What the minutes propose for recognition: the commune, or the one village of a village round (with its commune). */
function subjectVi(d: MinutesData): string {
  return d.villageName ? `${villageSubjectVi(d.villageName)}, xã ${d.communeName}` : `xã ${d.communeName}`
}

/** The ways opinions were collected, with the province's basis for personal links (QR, Zalo, SMS). */
function methodsVi(d: MinutesData): string {
  const n = d.tally.byChannel
  const parts: string[] = []
  if ((n.paper ?? 0) > 0) parts.push('phát phiếu giấy đến hộ')
  if ((n.meeting ?? 0) > 0) parts.push('họp khu dân cư')
  if ((n.link ?? 0) > 0 || (n.assisted ?? 0) > 0)
    parts.push(
      `qua đường dẫn cá nhân của từng hộ (mã QR, Zalo, tin nhắn SMS), ${d.round.linkLegalBasis ? `theo ${d.round.linkLegalBasis}` : 'chưa ghi căn cứ cho phép của tỉnh'}`,
    )
  if ((n.assisted ?? 0) > 0) parts.push('có hỗ trợ của Tổ công nghệ số cộng đồng cho hộ trả lời trên thiết bị của Tổ')
  return parts.length ? `${parts.join('; ')}.` : 'chưa có phiếu.'
}

/** The conclusion in the legal wording: what the Standing Committee proposes, and why not when it does not. */
function conclusion(d: MinutesData, year: string): string {
  const c = d.tally.commune
  const std = standardOf(d.round.levelName)
  const failed = suppressRoundTally(d.tally, d.minCell)
    .rules?.evaluation.bars.filter((b) => !b.met)
    .map((b) => barSentenceVi(b.bar).toLocaleLowerCase('vi'))
  const why = failed?.length ? ` (chưa đạt: ${failed.join('; ')})` : ''
  switch (c.verdict) {
    case 'meets':
      return `Kết quả lấy ý kiến đáp ứng yêu cầu về sự hài lòng của người dân. Ban Thường trực Ủy ban MTTQ Việt Nam xã ${d.communeName} đề nghị công nhận ${subjectVi(d)} đạt chuẩn ${std} năm ${year}.`
    case 'below_threshold':
      return `Kết quả lấy ý kiến chưa đáp ứng yêu cầu về sự hài lòng của người dân${why}. Chưa đủ điều kiện đề nghị công nhận ${subjectVi(d)} đạt chuẩn ${std} năm ${year}.`
    case 'insufficient_coverage':
      return `Tỷ lệ hộ được lấy ý kiến chưa đạt mức quy định${why}. Chưa đủ điều kiện kết luận và chưa đủ điều kiện đề nghị công nhận ${subjectVi(d)} đạt chuẩn ${std} năm ${year}; đề nghị tổ chức lấy ý kiến bổ sung.`
    default:
      return `Không có phiếu hợp lệ; chưa có cơ sở kết luận về sự hài lòng của người dân ${subjectVi(d)}.`
  }
}

/** One step of the record as the minutes print it (decision, vote, meeting day, root, reason). */
function eventDetailVi(e: RecordEvent): string {
  const out: string[] = []
  if (e.decision) {
    const votes = e.votes
      ? `biểu quyết ${intVi(e.votes.for)} tán thành / ${intVi(e.votes.against)} không tán thành / ${intVi(e.votes.abstain)} không biểu quyết`
      : ''
    out.push(
      [DECISION_VI[e.decision] ?? e.decision, votes, e.decidedAt ? `họp ngày ${dateVi(e.decidedAt)}` : ''].filter(Boolean).join(', ') +
        (e.againstVerdict ? ' — khác với kết luận theo quy định' : ''),
    )
  }
  if (e.ledgerRootHash) out.push(`Mã niêm phong: ${hexGroupsVi(e.ledgerRootHash, 8).replace(/\n/g, ' ')}`)
  if (e.reason) out.push(`Lý do: ${e.reason}`)
  return out.join('\n')
}

/**
 * The collection period: from the opening day to the moment collection actually ended (the close), saying so
 * when that was earlier than the plan announced to residents.
 */
function collectionPeriodVi(r: MinutesData['round']): string {
  const from = `từ ${dateVi(r.opensAt)}`
  if (!r.closedAt) return `${from} đến ${dateVi(r.closesAt)}`
  const to = `${from} đến ${dateTimeVi(r.closedAt)}`
  if (new Date(r.closedAt).getTime() < new Date(r.closesAt).getTime())
    return `${to} — kết thúc sớm hơn kế hoạch đã thông báo (đến ${dateTimeVi(r.closesAt)})`
  return dateVi(r.closedAt) === dateVi(r.closesAt) ? to : `${to} (kế hoạch: đến ${dateTimeVi(r.closesAt)})`
}

/** Time as the minutes write it: "14 giờ 30 phút, ngày 05 tháng 03 năm 2026". */
function clockVi(iso: string): string {
  const [hh, mm] = timeVi(iso).split(':')
  return `${hh} giờ ${mm} phút, ${longDateVi(iso)}`
}

/**
 * The Front's minutes of the tallying meeting (biên bản tổng hợp kết quả lấy ý kiến, DOMAIN §1.4,
 * §2.4–2.7): national heading and issuer as in Front documents, căn cứ, time, place and participants
 * of the meeting, ballots per channel, results per village, per question and against each bar of the
 * rule set, reasons, the conclusion in legal wording, the closing formula, recipients and signatures.
 * Statistics (interval, bounds, method version) and the verification hash go to a separate annex page.
 */
export async function renderMinutesPdf(d: MinutesData): Promise<Buffer> {
  const { doc, finish } = await newDocument({ title: `Biên bản tổng hợp kết quả lấy ý kiến — xã ${d.communeName}` })
  // small groups withheld with their complements (TRUST.md §2.2); the village table merges them into one row
  const t = suppressRoundTally(d.tally, d.minCell)
  const hidden = hiddenVillages(d.tally, d.minCell)
  const c = t.commune
  const m = d.meeting ?? null
  const dated = m?.meetingAt ?? d.sealedAt
  const year = longDateVi(dated).slice(-4)

  nationalHeading(doc, ['ỦY BAN MTTQ VIỆT NAM', `XÃ ${upper(d.communeName)}`], `${d.communeName}, ${longDateVi(dated)}`, 'Số: ……/BB-MTTQ')
  para(doc, 'BIÊN BẢN', { font: 'b', size: 14, align: 'center' })
  para(doc, 'Tổng hợp kết quả lấy ý kiến sự hài lòng của người dân', { font: 'b', size: 12, align: 'center' })
  para(doc, `về kết quả xây dựng nông thôn mới, đề nghị công nhận ${subjectVi(d)} đạt chuẩn ${standardOf(d.round.levelName)} năm ${year}`, {
    font: 'b',
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

  // Căn cứ: the procedure guidance (the rule set's basis), the criteria decision (the form's) and the plan
  const bases = [
    d.round.ruleSet ? d.round.ruleSet.legalBasis.text : null,
    d.round.legalBasis,
    'Kế hoạch tổ chức lấy ý kiến sự hài lòng của người dân của Ban Thường trực Ủy ban MTTQ Việt Nam xã',
  ].filter((b): b is string => !!b)
  for (const b of bases) para(doc, `Căn cứ ${b};`, { font: 'i', size: 10, align: 'justify' })
  if (d.round.historical)
    para(
      doc,
      'Đợt lấy ý kiến thuộc hồ sơ đề nghị công nhận của giai đoạn trước, áp dụng bộ tiêu chí, mẫu phiếu và mức đánh giá có hiệu lực trong giai đoạn đó (nêu tại các căn cứ trên);',
      { font: 'i', size: 10, align: 'justify' },
    )
  doc.y += 4

  const where = [subjectVi(d), ...d.parentNames].join(', ')
  para(
    doc,
    m
      ? `Hôm nay, vào lúc ${clockVi(m.meetingAt)}, tại ${m.place}, Ban Thường trực Ủy ban MTTQ Việt Nam xã ${d.communeName} tổ chức họp tổng hợp kết quả lấy ý kiến sự hài lòng của người dân trên địa bàn ${where}.`
      : `Hôm nay, vào lúc …… giờ …… phút, ngày …… tháng …… năm ……, tại ……………………………………, Ban Thường trực Ủy ban MTTQ Việt Nam xã ${d.communeName} tổ chức họp tổng hợp kết quả lấy ý kiến sự hài lòng của người dân trên địa bàn ${where}.`,
    { align: 'justify', gap: 4 },
  )
  para(doc, 'Thành phần tham dự:', { font: 'b', size: 10 })
  if (m)
    m.participants.forEach((p, i) => {
      para(doc, `${i + 1}. Ông/Bà ${p.name} — ${p.title} (${ROLE_VI[p.role] ?? p.role}).`, { size: 10, indent: 12 })
    })
  else
    for (const role of ['chủ trì', 'thư ký', 'thành viên'])
      para(doc, `– Ông/Bà ……………………………… — ……………………………… (${role}).`, { size: 10, indent: 12 })
  doc.y += 4
  para(doc, 'Nội dung:', { font: 'b', size: 10, gap: 2 })

  h('I. THÔNG TIN CHUNG')
  kv('Mức đề nghị công nhận', d.round.levelName)
  kv('Thời gian lấy ý kiến', collectionPeriodVi(d.round))
  kv('Đối tượng', 'đại diện hộ gia đình, mỗi hộ một phiếu')
  kv('Hình thức lấy ý kiến', methodsVi(d))
  const g = d.governance
  if (g?.ruleOverride) {
    const o = g.ruleOverride
    kv(
      'Mức áp dụng',
      `thấp hơn mức của cấp ${d.round.levelName} (tỷ lệ hài lòng ${bpVi(o.levelThresholdBp)}, tỷ lệ hộ tham gia ${bpVi(o.levelCoverageBp)}): tỷ lệ hài lòng ${bpVi(o.thresholdBp)}, tỷ lệ hộ tham gia ${bpVi(o.coverageBp)}; do ${o.by} quyết định ngày ${dateVi(o.at)}; lý do: ${o.reason}.`,
    )
  }
  for (const a of g?.frameAdditions ?? [])
    kv(
      'Hộ bổ sung sau khi mở đợt',
      `${intVi(a.households)} hộ${a.villages.length ? ` (${a.villages.join(', ')})` : ''}, do ${a.by} bổ sung ngày ${dateVi(a.at)}; lý do: ${a.reason}.`,
    )

  h('II. SỐ PHIẾU PHÁT RA, THU VỀ, HỢP LỆ')
  const invalidTotal = d.invalid.reduce((a, r) => a + r.n, 0)
  const issuedOf = (ch: string): number | undefined => (m?.issued ? (m.issued as Record<string, number | undefined>)[ch] : undefined)
  const channels = Object.entries(t.byChannel).filter(([ch, n]) => n === null || n > 0 || (issuedOf(ch) ?? 0) > 0)
  const received = Object.values(d.tally.byChannel).reduce((a, n) => a + n, 0)
  drawTable(
    doc,
    [
      { header: 'Hình thức', width: 200 },
      { header: 'Phiếu phát ra', width: 95, align: 'right' },
      { header: 'Phiếu thu về', width: 95, align: 'right' },
      { header: 'Hợp lệ', width: 57, align: 'right' },
      { header: 'Không hợp lệ', width: 58, align: 'right' },
    ],
    [
      ...channels.map(([ch, n]) => {
        const issued = issuedOf(ch)
        return [ballotChannelVi(ch), issued === undefined ? '—' : intVi(issued), intVi(n), '', '']
      }),
      {
        cells: [
          'Tổng cộng',
          m?.issued ? intVi(Object.values(m.issued).reduce((a: number, n) => a + (n ?? 0), 0)) : '—',
          intVi(received),
          c.suppressed ? '—' : intVi(received - invalidTotal),
          c.suppressed ? '—' : intVi(invalidTotal),
        ],
        bold: true,
        fill: '#f3f3f3',
      },
    ],
  )
  para(
    doc,
    `Phiếu thu về = số hộ đã tham gia (mỗi hộ một phiếu). Phiếu hợp lệ ở câu đánh giá chung: ${intVi(c.valid)}.${m?.issued ? '' : ' Số phiếu phát ra: tổ lấy ý kiến chưa nhập.'}${t.suppressed ? ` ${suppressedLegendVi(t.minCell)}.` : ''}`,
    { font: 'i', size: 8.5, gap: 4 },
  )

  h('III. KẾT QUẢ THEO TỪNG ẤP/THÔN')
  const vcols: Column[] = [
    { header: 'STT', width: 24, align: 'center' },
    { header: 'Ấp/thôn', width: 95 },
    { header: 'Số hộ', width: 45, align: 'right' },
    { header: 'Số phiếu thu về', width: 50, align: 'right' },
    { header: 'Phiếu hợp lệ', width: 45, align: 'right' },
    { header: 'Hài lòng', width: 46, align: 'right' },
    { header: 'Không hài lòng', width: 48, align: 'right' },
    { header: 'Tỷ lệ hài lòng', width: 52, align: 'right' },
    { header: 'Tỷ lệ hộ tham gia', width: 52, align: 'right' },
    { header: 'Đủ tỷ lệ lấy ý kiến', width: 48, align: 'center' },
  ]
  const vrow = (v: Pick<ShownTally, 'households' | 'participated' | 'valid' | 'satisfied' | 'notSatisfied'>) => [
    intVi(v.households),
    intVi(v.participated),
    intVi(v.valid),
    intVi(v.satisfied),
    intVi(v.notSatisfied),
    formatRatioVi(v.satisfied, v.valid),
    formatRatioVi(v.participated, v.households),
  ]
  // the minutes list every village: withheld ones share one row ("Gộp ấp A, ấp B") of at least two villages and
  // PRIVACY_MIN_CELL ballots together, where the first of them stands, so the rows still add up to the commune
  const merged = d.tally.villages.filter((v) => hidden.has(v.unitId))
  const sum = (k: 'households' | 'participated' | 'valid' | 'satisfied' | 'notSatisfied') => merged.reduce((a, v) => a + v[k], 0)
  const mergedRow = {
    households: sum('households'),
    participated: sum('participated'),
    valid: c.suppressed ? null : sum('valid'),
    satisfied: c.suppressed ? null : sum('satisfied'),
    notSatisfied: c.suppressed ? null : sum('notSatisfied'),
  }
  const mergedVerdicts = [...new Set(merged.map((v) => villageCoverageVi(v.verdict)))]
  const villageRows: string[][] = []
  let no = 0
  for (const v of t.villages) {
    if (!hidden.has(v.unitId)) villageRows.push([String(++no), v.name, ...vrow(v), villageCoverageVi(v.verdict)])
    else if (v.unitId === merged[0]?.unitId)
      villageRows.push([
        String(++no),
        `Gộp ${merged.map((x) => x.name).join(', ')}`,
        ...vrow(mergedRow),
        mergedVerdicts.length === 1
          ? (mergedVerdicts[0] ?? '')
          : merged.map((x) => `${x.name}: ${villageCoverageVi(x.verdict)}`).join('; '),
      ])
  }
  drawTable(doc, vcols, [...villageRows, { cells: ['', 'Toàn xã', ...vrow(c), ''], bold: true, fill: '#f3f3f3' }])
  if (merged.length > 0)
    para(
      doc,
      `Các ấp/thôn có dưới ${d.minCell} phiếu hợp lệ được gộp với ấp/thôn nhỏ kế tiếp thành một dòng (mỗi dòng gộp từ hai ấp/thôn và ${d.minCell} phiếu trở lên) để bảo vệ bí mật phiếu của từng hộ; số liệu của dòng gộp là tổng của các ấp/thôn trong dòng, tổng toàn xã không đổi.`,
      { font: 'i', size: 8.5, gap: 2 },
    )
  para(doc, 'Tỷ lệ hài lòng tính trên số phiếu hợp lệ của câu hỏi chung; tỷ lệ hộ tham gia tính trên số hộ trong danh sách lúc mở đợt.', {
    font: 'i',
    size: 8.5,
    gap: 4,
  })

  h('IV. KẾT QUẢ THEO TỪNG CÂU HỎI')
  const qcols: Column[] = [
    { header: 'Câu', width: 26, align: 'center' },
    { header: 'Nội dung câu hỏi', width: 249 },
    { header: 'Tiêu chí', width: 40, align: 'center' },
    { header: 'Phiếu hợp lệ', width: 45, align: 'right' },
    { header: 'Hài lòng', width: 48, align: 'right' },
    { header: 'Không hài lòng', width: 45, align: 'right' },
    { header: 'Tỷ lệ hài lòng', width: 52, align: 'right' },
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
          s.valid === null || s.satisfied === null ? '—' : intVi(s.valid - s.satisfied),
          formatRatioVi(s.satisfied, s.valid),
        ],
        bold: q.isOverall,
      }
    }),
  )

  h('V. ĐỐI CHIẾU VỚI CÁC MỨC QUY ĐỊNH')
  const rs = d.round.ruleSet
  para(
    doc,
    rs
      ? `Theo bộ quy tắc “${rs.name}” (phiên bản ${rs.version}), căn cứ ${rs.legalBasis.number}:`
      : `Theo các mức xác định khi tạo đợt lấy ý kiến (tỷ lệ hộ tham gia xét theo ${coverageScopeVi(t.coverageScope)}; tỷ lệ hài lòng ở câu đánh giá chung):`,
    { size: 10, gap: 2 },
  )
  const qNo = (key: string) => String(d.questions.findIndex((q) => q.key === key) + 1)
  const evaluation = t.rules?.evaluation
  if (evaluation) for (const line of barResultLinesVi(evaluation, qNo)) para(doc, `– ${line}`, { size: 10, indent: 12 })
  else {
    para(doc, `– Tỷ lệ hộ tham gia từ ${bpVi(t.coverageBp)} trở lên: toàn xã ${formatRatioVi(c.participated, c.households)}.`, {
      size: 10,
      indent: 12,
    })
    para(doc, `– Tỷ lệ hài lòng từ ${bpVi(t.thresholdBp)} trở lên: ${formatRatioVi(c.satisfied, c.valid)}.`, { size: 10, indent: 12 })
  }
  doc.y += 2

  h('VI. TỔNG HỢP Ý KIẾN KHÔNG HÀI LÒNG VÀ Ý KIẾN KHÁC')
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

  h('VII. PHIẾU KHÔNG HỢP LỆ')
  para(
    doc,
    invalidTotal === 0
      ? 'Không có phiếu không hợp lệ.'
      : `Số phiếu không hợp lệ: ${intVi(invalidTotal)} (${d.invalid.map((r) => `${invalidationVi(r.reason)}: ${intVi(r.n)}`).join('; ')}). Mỗi phiếu bị loại đều có lý do, được ghi vào sổ phiếu và nhật ký thao tác.`,
    { gap: 2 },
  )

  h('VIII. KẾT LUẬN')
  para(doc, `${verdictSentenceVi(c.verdict)}.`, { font: 'b', size: 11 })
  para(doc, conclusion(d, year), { align: 'justify', gap: 6 })

  // the sealed root on the page that is signed: a copy of the database rewritten later (chain and root together)
  // still disagrees with this paper, and anyone can compare it on the public page (QR in the annex)
  ensureSpace(doc, 60)
  para(doc, `Mã niêm phong kết quả (mã gốc chuỗi phiếu, niêm phong lúc ${dateTimeVi(d.sealedAt)}):`, { size: 10, gap: 2 })
  para(doc, hexGroupsVi(d.ledgerRootHash), { font: 'm', size: 10, indent: 12, gap: 2 })
  para(doc, 'Đối chiếu mã này trên trang kiểm tra công khai (quét mã QR ở phụ lục); nếu khác, kết quả đã bị thay đổi sau khi niêm phong.', {
    font: 'i',
    size: 9,
    align: 'justify',
    gap: 6,
  })

  ensureSpace(doc, 40)
  para(
    doc,
    'Biên bản kết thúc vào lúc …… giờ …… phút cùng ngày, đã được thông qua trước các thành viên dự họp và thống nhất ký tên. Biên bản được lập thành 03 bản có giá trị như nhau.',
    { align: 'justify', gap: 10 },
  )

  // signatures: the secretary on the left, the Standing Committee (its chair) on the right; Nơi nhận below
  ensureSpace(doc, 150)
  const sy = doc.y
  const half = contentWidth(doc) / 2
  const chair = m?.participants.find((p) => p.role === 'chair')
  const secretary = m?.participants.find((p) => p.role === 'secretary')
  doc.font('b').fontSize(10).text('THƯ KÝ', left(doc), sy, { width: half, align: 'center' })
  doc.font('i').fontSize(9).text('(Ký, ghi rõ họ tên)', left(doc), doc.y, { width: half, align: 'center' })
  doc
    .font('b')
    .fontSize(10)
    .text('TM. BAN THƯỜNG TRỰC', left(doc) + half, sy, { width: half, align: 'center' })
  doc
    .font('b')
    .fontSize(10)
    .text(upper(chair?.title ?? 'Chủ tịch'), left(doc) + half, doc.y, { width: half, align: 'center' })
  doc
    .font('i')
    .fontSize(9)
    .text('(Ký tên, đóng dấu)', left(doc) + half, doc.y, { width: half, align: 'center' })
  const nameY = doc.y + 50
  doc
    .font('b')
    .fontSize(10)
    .text(secretary?.name ?? '', left(doc), nameY, { width: half, align: 'center' })
  doc
    .font('b')
    .fontSize(10)
    .text(chair?.name ?? '', left(doc) + half, nameY, { width: half, align: 'center' })
  doc.x = left(doc)
  doc.y = nameY + 24
  ensureSpace(doc, 70)
  para(doc, 'Nơi nhận:', { font: 'bi', size: 10 })
  const recipients = m?.recipients.length
    ? m.recipients
    : [
        `Ban Thường trực Ủy ban MTTQ Việt Nam ${d.parentNames.find((p) => p.startsWith('tỉnh')) ?? 'tỉnh'}`,
        `Đảng ủy, HĐND, UBND xã ${d.communeName}`,
        'Hội đồng thẩm định',
      ]
  for (const r of recipients) para(doc, `- ${r};`, { size: 9 })
  para(doc, '- Lưu: VT.', { size: 9 })

  // annex: the statistics, for reference only, and how to verify the result (entirely in Vietnamese)
  doc.addPage()
  para(doc, 'PHỤ LỤC', { font: 'b', size: 13, align: 'center' })
  para(doc, 'THÔNG TIN THỐNG KÊ VÀ XÁC THỰC KẾT QUẢ (để tham khảo)', { font: 'b', size: 11, align: 'center', gap: 4 })
  para(doc, `(Kèm theo Biên bản tổng hợp kết quả lấy ý kiến sự hài lòng của người dân xã ${d.communeName})`, {
    font: 'i',
    size: 10,
    align: 'center',
    gap: 10,
  })
  const notes = [
    'Tỷ lệ hài lòng = số phiếu "hài lòng" ở câu hỏi chung ÷ số phiếu hợp lệ (mẫu số là số phiếu, không phải tổng số hộ). So sánh với mức quy định bằng số nguyên, tính cả trường hợp bằng mức.',
    c.interval
      ? `Khoảng tin cậy 95 % của tỷ lệ hài lòng (phương pháp Wilson, hiệu chỉnh quần thể hữu hạn): ${formatPercentVi(c.interval.low)} – ${formatPercentVi(c.interval.high)}; ${c.robustness === 'clear' ? 'cận dưới không thấp hơn mức quy định (kết quả vững)' : 'cận dưới thấp hơn mức quy định (kết quả sát mức)'}. Chỉ để tham khảo, không thay thế kết luận theo quy định.`
      : 'Khoảng tin cậy: không tính được (không có phiếu hợp lệ).',
    c.bounds
      ? `Giới hạn do hộ không tham gia: nếu mọi hộ không tham gia đều không hài lòng, tỷ lệ toàn xã là ${formatPercentVi(c.bounds.worst)}; nếu đều hài lòng là ${formatPercentVi(c.bounds.best)}.`
      : '',
    `Phiên bản phương pháp: ${methodVi(d.methodVersion)}.`,
    d.round.ruleSet?.provisional ? `Bộ quy tắc có mức ${PROVISIONAL_MARK_VI}.` : '',
  ].filter(Boolean)
  for (const n of notes) para(doc, `• ${n}`, { size: 9.5, align: 'justify', indent: 6 })
  doc.y += 8
  ensureSpace(doc, 110)
  const qr = await QRCode.toBuffer(d.verifyUrl, { errorCorrectionLevel: 'M', margin: 1, width: 300 })
  const qrSize = 92
  const y0 = doc.y
  const textW = contentWidth(doc) - qrSize - 12
  doc.image(qr, left(doc) + contentWidth(doc) - qrSize, y0, { width: qrSize, height: qrSize })
  doc
    .font('r')
    .fontSize(9.5)
    .text(`Kết quả được niêm phong lúc ${dateTimeVi(d.sealedAt)}. Mã gốc chuỗi phiếu (SHA-256):`, left(doc), y0, { width: textW })
  doc
    .font('m')
    .fontSize(9.5)
    .text(hexGroupsVi(d.ledgerRootHash), left(doc), doc.y + 2, { width: textW })
  doc
    .font('r')
    .fontSize(9.5)
    .text('Tra cứu và đối chiếu công khai (quét mã QR; địa chỉ đã chứa mã niêm phong):', left(doc), doc.y + 4, { width: textW })
  doc
    .font('m')
    .fontSize(8)
    .text(d.verifyUrl, left(doc), doc.y + 1, { width: textW })
  doc.x = left(doc)
  doc.y = Math.max(doc.y, y0 + qrSize) + 16

  // the record: every seal, unseal, reseal and council decision with its reason, so the paper says what happened
  const history = d.history ?? []
  if (history.length) {
    ensureSpace(doc, 60)
    para(doc, 'QUÁ TRÌNH NIÊM PHONG VÀ QUYẾT ĐỊNH CỦA HỘI ĐỒNG THẨM ĐỊNH', { font: 'b', size: 10.5, gap: 4 })
    drawTable(
      doc,
      [
        { header: 'Ngày', width: 62 },
        { header: 'Việc', width: 140 },
        { header: 'Chi tiết, lý do', width: contentWidth(doc) - 202 },
      ],
      history.map((e) => [dateVi(e.at), RECORD_EVENT_VI[e.kind] ?? e.kind, eventDetailVi(e)]),
    )
  }

  pageFooters(doc, `Mã xác thực ${d.ledgerRootHash.slice(0, 16)}…`)
  return finish()
}
