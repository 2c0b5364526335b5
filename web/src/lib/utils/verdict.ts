import {
  barResultLinesVi,
  DECISION_VI,
  formatPercentVi,
  formatRatioVi,
  type ShownTally,
  type ShownTallyRules,
  verdictSentenceVi,
  villageCoverageVi,
} from '@app/shared'
import { bpToPercentVi, formatInt } from './format.js'

/** The commune verdict and what the numbers mean, in plain Vietnamese sentences for the council. */
export function explainVerdict(
  t: Pick<ShownTally, 'households' | 'participated' | 'valid' | 'satisfied' | 'interval' | 'bounds' | 'verdict' | 'robustness'> &
    Partial<Pick<ShownTally, 'suppressed'>>,
  rule: { thresholdBp: number; coverageBp: number; coverageScope: 'village' | 'commune'; rules?: ShownTallyRules | undefined },
  questionNo?: (key: string) => string,
): string[] {
  const out: string[] = []
  // a round judged by a rule set: the verdict, then every bar with its figure (the failed ones say where)
  if (rule.rules?.ruleSet && t.verdict !== 'no_data') {
    const rs = rule.rules.ruleSet
    out.push(`${verdictSentenceVi(t.verdict)}.`)
    out.push(`Theo bộ quy tắc “${rs.name}” (phiên bản ${rs.version}; căn cứ ${rs.legalBasis.number}):`)
    out.push(...barResultLinesVi(rule.rules.evaluation, questionNo))
    return out.concat(statisticsLines(t, rule))
  }
  const threshold = bpToPercentVi(rule.thresholdBp)
  const floor = bpToPercentVi(rule.coverageBp)
  if (t.verdict === 'no_data') return [`${verdictSentenceVi('no_data')}.`]
  const rate = formatRatioVi(t.satisfied, t.valid)
  const cov = formatRatioVi(t.participated, t.households)
  switch (t.verdict) {
    case 'meets':
      out.push(
        `${verdictSentenceVi(t.verdict)}. Tỷ lệ hài lòng ${rate} không thấp hơn mức ${threshold}; tỷ lệ hộ tham gia đạt mức tối thiểu ${floor}.`,
      )
      break
    case 'below_threshold':
      out.push(`${verdictSentenceVi(t.verdict)}. Tỷ lệ hài lòng ${rate} thấp hơn mức ${threshold}.`)
      break
    case 'insufficient_coverage':
      out.push(
        rule.coverageScope === 'village'
          ? `${verdictSentenceVi(t.verdict)}: có thôn/ấp có ít hơn ${floor} số hộ tham gia (xem bảng thôn/ấp). Khi tỷ lệ hộ tham gia chưa đủ thì không xét tỷ lệ hài lòng.`
          : `${verdictSentenceVi(t.verdict)}: toàn xã mới có ${cov} số hộ tham gia, dưới mức tối thiểu ${floor}.`,
      )
      break
  }
  return out.concat(statisticsLines(t, rule))
}

/** What the numbers mean: counts, the interval and the non-response bounds (advisory, beside the verdict). */
function statisticsLines(
  t: Pick<ShownTally, 'households' | 'participated' | 'valid' | 'satisfied' | 'interval' | 'bounds' | 'robustness'> &
    Partial<Pick<ShownTally, 'suppressed'>>,
  rule: { thresholdBp: number },
): string[] {
  const out: string[] = []
  if (t.suppressed || t.valid === null) {
    // the whole commune is under the privacy minimum: no figure built on its ballots is shown
    out.push(
      `— Số phiếu hợp lệ quá ít (dưới mức bảo vệ bí mật phiếu): không công bố số liệu chi tiết. ${formatInt(t.participated)} trong ${formatInt(t.households)} hộ đã tham gia.`,
    )
    return out
  }
  const valid = t.valid
  const cov = formatRatioVi(t.participated, t.households)
  const threshold = bpToPercentVi(rule.thresholdBp)
  out.push(
    `${formatInt(t.satisfied)} trong ${formatInt(t.valid)} phiếu hợp lệ hài lòng ở câu đánh giá chung; ${formatInt(t.participated)} trong ${formatInt(t.households)} hộ đã tham gia (${cov}).`,
  )
  if (t.interval) {
    const lo = formatPercentVi(t.interval.low)
    const hi = formatPercentVi(t.interval.high)
    out.push(
      t.participated >= t.households
        ? 'Tất cả các hộ đã tham gia nên tỷ lệ là chính xác, không có sai số chọn mẫu.'
        : `Khoảng tin cậy 95 %: ${lo} – ${hi}. Nghĩa là nếu mọi hộ đều trả lời, tỷ lệ hài lòng rất có thể nằm trong khoảng này. ` +
            (t.robustness === 'clear'
              ? `Cận dưới không thấp hơn ngưỡng ${threshold}: kết quả vững.`
              : `Cận dưới thấp hơn ngưỡng ${threshold}: kết quả sát ngưỡng, nên xem xét thận trọng.`) +
            ' (Chỉ để tham khảo; kết luận theo quy định ở trên.)',
    )
  }
  if (t.bounds && t.participated < t.households) {
    out.push(
      `Nếu tất cả ${formatInt(t.households - valid)} hộ chưa có phiếu hợp lệ đều không hài lòng, tỷ lệ trên tổng số hộ là ${formatPercentVi(t.bounds.worst)}; nếu đều hài lòng là ${formatPercentVi(t.bounds.best)}.`,
    )
  }
  return out
}

export const DECISION_LABELS: Record<string, string> = DECISION_VI

/** A village's coverage check as the tables show it: label and CSS class. */
export function villageCoverageLabel(verdict: string): { text: string; cls: string } {
  if (verdict === 'meets_coverage' || verdict === 'insufficient_coverage')
    return { text: villageCoverageVi(verdict), cls: verdict === 'meets_coverage' ? 'ok' : 'warn' }
  return { text: '—', cls: '' }
}
