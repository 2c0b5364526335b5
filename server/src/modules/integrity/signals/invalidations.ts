import type { IntegrityConfig } from '../../../config.js'
import { twoProportionZ } from './stats.js'
import { pct, quiet, r4, type Signal } from './types.js'

export interface ValidityRow {
  valid: boolean
  overallSatisfied: boolean
  n: number
}

/**
 * Late changes concentrated on dissatisfied ballots: invalidations (the only change a ballot can
 * undergo) should hit satisfied and dissatisfied ballots alike. Compares the dissatisfied share of
 * the invalidated ballots with that of the valid ones (two-proportion z-test, minimum difference).
 */
export function invalidationsDissatisfied(rows: readonly ValidityRow[], cfg: IntegrityConfig['invalidations']): Signal[] {
  const sum = (valid: boolean, dissatisfied?: boolean) =>
    rows
      .filter((r) => r.valid === valid && (dissatisfied === undefined || r.overallSatisfied === !dissatisfied))
      .reduce((a, r) => a + r.n, 0)
  const nInv = sum(false)
  const kInv = sum(false, true)
  const nVal = sum(true)
  const kVal = sum(true, true)
  const base = {
    key: 'invalidations_dissatisfied' as const,
    threshold: cfg.minDiff,
    rule:
      `Trong các phiếu bị huỷ, tỷ lệ "không hài lòng" cao hơn các phiếu hợp lệ ít nhất ${pct(cfg.minDiff)} ` +
      `và có ý nghĩa (z ≥ ${cfg.zMin}; từ ${cfg.minInvalid} phiếu bị huỷ).`,
  }
  if (nInv === 0 || nVal === 0)
    return [quiet(base, null, nInv, nInv === 0 ? 'Chưa có phiếu nào bị huỷ.' : 'Chưa có phiếu hợp lệ để so sánh.')]
  const diff = kInv / nInv - kVal / nVal
  const z = twoProportionZ(kInv, nInv, kVal, nVal)
  if (nInv < cfg.minInvalid || diff < cfg.minDiff || z < cfg.zMin)
    return [quiet(base, diff, nInv, 'Các phiếu bị huỷ không tập trung vào phiếu không hài lòng.')]
  return [
    {
      ...base,
      triggered: true,
      value: r4(diff),
      scope: 'round',
      n: nInv,
      explanation:
        `${kInv}/${nInv} phiếu bị huỷ là phiếu không hài lòng (${pct(kInv / nInv)}), trong khi các phiếu hợp lệ chỉ có ${pct(kVal / nVal)} không hài lòng. ` +
        'Có thể các phiếu trùng hộ hay nhập sai tình cờ rơi vào nhóm này; nên xem lý do huỷ từng phiếu trong nhật ký và ai đã huỷ.',
    },
  ]
}
