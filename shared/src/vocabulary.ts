/**
 * The one Vietnamese vocabulary of the platform: every code a person may see (verdict, round status,
 * channel, level, rule bar, export column) has exactly one label here. The staff app, the PDFs, the
 * exports and the public pages all read these maps, so a verdict reads the same way everywhere.
 * Codes stay the machine contract (API, `?headers=codes` exports); people only ever see the labels.
 */

/** A commune's legal verdict. `label` is the short word for tables; `sentence` says why. */
export const VERDICT_VI = {
  meets: { label: 'Đạt', sentence: 'Đạt: tỷ lệ hài lòng và tỷ lệ hộ tham gia đều đạt yêu cầu' },
  below_threshold: { label: 'Chưa đạt', sentence: 'Chưa đạt: tỷ lệ hài lòng thấp hơn mức quy định' },
  insufficient_coverage: { label: 'Chưa đạt', sentence: 'Chưa đạt: tỷ lệ hộ tham gia chưa đạt mức tối thiểu' },
  no_data: { label: 'Chưa có phiếu hợp lệ', sentence: 'Chưa có phiếu hợp lệ nên chưa thể kết luận' },
  meets_coverage: { label: 'Đủ tỷ lệ hộ tham gia', sentence: 'Đủ tỷ lệ hộ tham gia' },
} as const satisfies Record<string, { label: string; sentence: string }>

/** A village is only checked for coverage (never against the satisfaction threshold). */
export const VILLAGE_COVERAGE_VI: Record<string, string> = {
  meets_coverage: 'Đủ',
  insufficient_coverage: 'Chưa đủ',
  no_data: 'Không có hộ',
}

export const ROUND_STATUS_VI: Record<string, string> = {
  draft: 'Bản nháp',
  open: 'Đang lấy ý kiến',
  closed: 'Đã kết thúc',
  sealed: 'Đã niêm phong',
  returned: 'Hội đồng trả lại',
}

/** Ballot channels (how an answer arrived). */
export const BALLOT_CHANNEL_VI: Record<string, string> = {
  link: 'Đường dẫn cá nhân (Zalo/SMS/QR)',
  paper: 'Phiếu giấy',
  meeting: 'Họp khu dân cư',
  assisted: 'Có hỗ trợ của Tổ công nghệ số cộng đồng',
}

/** Invitation channels (how a personal link reaches the household). */
export const INVITATION_CHANNEL_VI: Record<string, string> = {
  print: 'In phiếu mời (mã QR)',
  zalo: 'Zalo',
  sms: 'Tin nhắn SMS',
}

export const LEVEL_VI: Record<string, string> = {
  xa_ntm: 'Xã nông thôn mới',
  xa_ntm_nang_cao: 'Xã nông thôn mới nâng cao',
  xa_ntm_kieu_mau: 'Xã nông thôn mới kiểu mẫu',
  xa_ntm_hien_dai: 'Xã nông thôn mới hiện đại',
  ap_ntm_kieu_mau: 'Ấp/thôn nông thôn mới kiểu mẫu',
  tinh_hoan_thanh: 'Tỉnh hoàn thành nhiệm vụ xây dựng nông thôn mới',
  huyen_ntm: 'Huyện nông thôn mới',
  huyen_ntm_nang_cao: 'Huyện nông thôn mới nâng cao',
}

/** Where the coverage floor is checked. */
export const COVERAGE_SCOPE_VI: Record<string, string> = { village: 'từng thôn/ấp', commune: 'toàn xã' }

/** The bars a rule set can combine (shared/src/domain/rules.ts). */
export const RULE_BAR_VI: Record<string, string> = {
  coverage: 'Tỷ lệ hộ được lấy ý kiến',
  overall: 'Tỷ lệ hài lòng ở câu đánh giá chung',
  content_average: 'Bình quân tỷ lệ hài lòng các câu nội dung',
  every_content: 'Tỷ lệ hài lòng từng câu nội dung',
  every_question_per_village: 'Tỷ lệ hài lòng từng câu ở từng thôn/ấp',
}

export const INVALIDATION_VI: Record<string, string> = {
  duplicate_household: 'Trùng hộ',
  not_resident: 'Không phải hộ trên địa bàn',
  coerced: 'Bị tác động, ép buộc',
  entry_error: 'Nhập sai',
  other: 'Lý do khác',
}

export const DECISION_VI: Record<string, string> = {
  recognise: 'Đề nghị công nhận',
  reject: 'Không công nhận',
  return_for_resurvey: 'Trả lại, lấy ý kiến lại',
}

/** The steps of a sealed result's record (public verify page, minutes, staff history). */
export const RECORD_EVENT_VI: Record<string, string> = {
  seal: 'Niêm phong kết quả',
  reseal: 'Niêm phong lại kết quả',
  unseal: 'Mở niêm phong',
  reopen: 'Mở lại thu phiếu',
  decision: 'Hội đồng thẩm định ghi quyết định',
  amendment: 'Hội đồng thẩm định sửa đổi quyết định',
  void: 'Quyết định của hội đồng hết hiệu lực (kết quả được mở niêm phong)',
}

/** Whether a council decision goes against the verdict of the rule set: recognising what did not meet it, or not recognising what did. */
export function decisionAgainstVerdict(decision: string, verdict: string | null | undefined): boolean {
  if (!verdict) return false
  return (decision === 'recognise') !== (verdict === 'meets')
}

export const UNIT_KIND_VI: Record<string, string> = { province: 'Tỉnh', district: 'Huyện (cũ)', commune: 'Xã', village: 'Thôn/ấp' }

export const ROLE_VI: Record<string, string> = {
  admin: 'Quản trị',
  front_staff: 'Cán bộ Mặt trận',
  collector: 'Tổ lấy ý kiến',
  council: 'Hội đồng thẩm định',
}

/** Answer labels per question type; a template names which answer is the favourable one. */
export const ANSWER_VI = {
  satisfaction: { yes: 'Hài lòng', no: 'Không hài lòng' },
  yes_no: { yes: 'Có', no: 'Không' },
} as const

/** The words of a stored answer (`satisfied` = the favourable answer) for a question. */
export function answerWordsVi(
  q: { answerType?: 'satisfaction' | 'yes_no' | undefined; favourable?: 'yes' | 'no' | undefined },
  satisfied: boolean,
): string {
  const words = ANSWER_VI[q.answerType ?? 'satisfaction']
  const yes = (q.favourable ?? 'yes') === 'yes' ? satisfied : !satisfied
  return yes ? words.yes : words.no
}

const pick = (map: Record<string, string>, code: string): string => map[code] ?? code

/** Short verdict word ("Đạt", "Chưa đạt", …). */
export const verdictLabelVi = (code: string): string => (VERDICT_VI as Record<string, { label: string }>)[code]?.label ?? code
/** Verdict with its reason ("Chưa đạt: tỷ lệ hài lòng thấp hơn mức quy định"). */
export const verdictSentenceVi = (code: string): string => (VERDICT_VI as Record<string, { sentence: string }>)[code]?.sentence ?? code
export const villageCoverageVi = (code: string): string => VILLAGE_COVERAGE_VI[code] ?? verdictLabelVi(code)
export const roundStatusVi = (code: string): string => pick(ROUND_STATUS_VI, code)
export const ballotChannelVi = (code: string): string => pick(BALLOT_CHANNEL_VI, code)
export const levelVi = (code: string): string => pick(LEVEL_VI, code)
export const coverageScopeVi = (code: string): string => pick(COVERAGE_SCOPE_VI, code)
export const ruleBarVi = (code: string): string => pick(RULE_BAR_VI, code)
export const invalidationVi = (code: string): string => pick(INVALIDATION_VI, code)

/** Fixed export columns: machine code → Vietnamese header. */
export const EXPORT_COLUMN_VI: Record<string, string> = {
  ballot_id: 'Mã phiếu',
  village_code: 'Mã thôn/ấp',
  village_name: 'Thôn/ấp',
  channel: 'Hình thức',
  valid: 'Hợp lệ',
  invalidation_reason: 'Lý do không hợp lệ',
  comment: 'Ý kiến khác',
}

/** Per-question export columns: "Câu 3: trả lời" / "Câu 3: lý do" (1-based position on the form). */
export function questionColumnVi(position: number, part: 'answer' | 'reason'): string {
  return `Câu ${position}: ${part === 'answer' ? 'trả lời' : 'lý do'}`
}

/** A bar as a person reads it: "Tỷ lệ hộ được lấy ý kiến (từng thôn/ấp) từ 70,00 % trở lên". */
export function barSentenceVi(bar: { kind: string; minBp: number; scope?: string; provisional?: boolean | undefined }): string {
  const whole = Math.floor(bar.minBp / 100)
  const pct = `${whole},${String(bar.minBp % 100).padStart(2, '0')} %`
  const scope = bar.kind === 'coverage' && bar.scope ? ` (${coverageScopeVi(bar.scope)})` : ''
  const mark = bar.provisional ? ' (theo hướng dẫn của tỉnh — cần xác nhận)' : ''
  return `${ruleBarVi(bar.kind)}${scope} từ ${pct} trở lên${mark}`
}

/**
 * Each bar of an evaluated rule set as one Vietnamese line: met or not, the bar, the figure, and for a
 * failure where it failed ("Ấp 3, câu 2: 80/93"). `questionNo` numbers a question key as on the form.
 */
export function barResultLinesVi(
  evaluation: {
    bars: {
      bar: { kind: string; minBp: number; scope?: string; provisional?: boolean | undefined }
      met: boolean
      valueHundredths: number | null
      /** The value is withheld (it may come from a village under the privacy minimum). */
      valueSuppressed?: boolean | undefined
      failures: {
        unitName: string | null
        questionKey: string | null
        num: number | null
        den: number | null
        suppressed?: boolean | undefined
      }[]
    }[]
  },
  questionNo: (key: string) => string = (k) => k,
): string[] {
  return evaluation.bars.map((b) => {
    const v =
      b.valueHundredths === null
        ? b.valueSuppressed
          ? 'không công bố (gộp để bảo vệ bí mật phiếu)'
          : 'chưa có số liệu'
        : `${Math.floor(b.valueHundredths / 100)},${String(b.valueHundredths % 100).padStart(2, '0')} %`
    const where = b.met
      ? ''
      : b.failures
          .slice(0, 5)
          .map((f) =>
            f.suppressed
              ? 'các thôn/ấp gộp để bảo vệ bí mật phiếu'
              : [f.unitName, f.questionKey ? `câu ${questionNo(f.questionKey)}` : null].filter(Boolean).join(', ') || 'toàn xã',
          )
          .map((w, i) => {
            const f = b.failures[i]
            return f?.num == null || f.den == null ? w : `${w}: ${f.num}/${f.den}`
          })
          .join('; ')
    const more = !b.met && b.failures.length > 5 ? ` và ${b.failures.length - 5} chỗ khác` : ''
    return `${b.met ? 'Đạt' : 'Chưa đạt'} — ${barSentenceVi(b.bar)}: ${b.bar.kind === 'every_content' || b.bar.kind === 'every_question_per_village' || (b.bar.kind === 'coverage' && b.bar.scope === 'village') ? `thấp nhất ${v}` : v}${where ? ` (${where}${more})` : ''}.`
  })
}
