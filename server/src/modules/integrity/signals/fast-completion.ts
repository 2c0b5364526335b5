import type { IntegrityConfig } from '../../../config.js'
import { histogramMedian } from './stats.js'
import { pct, quiet, r4, type Signal } from './types.js'

export interface DurationRow {
  villageId: string
  /** Seconds from the first opening of the link to the submission. */
  seconds: number
  n: number
}

/**
 * Very fast completions: the share of a village's link ballots whose seconds per question are below
 * `ratioOfMedian` × the round's median. Reading nine questions in a quarter of the usual time is
 * hard; many such ballots in one place suggest someone submitting links on residents' behalf.
 */
export function fastCompletion(
  rows: readonly DurationRow[],
  ctx: { questionCount: number; villageNames: Map<string, string> },
  cfg: IntegrityConfig['fastCompletion'],
): Signal[] {
  const q = Math.max(1, ctx.questionCount)
  const median = histogramMedian(rows.map((r) => ({ value: r.seconds, n: r.n })))
  const base = {
    key: 'fast_completion' as const,
    threshold: cfg.maxShare,
    rule: `Tỷ lệ phiếu qua đường dẫn có số giây mỗi câu dưới ${pct(cfg.ratioOfMedian)} trung vị của đợt ≥ ${pct(cfg.maxShare)} (thôn có từ ${cfg.minBallots} phiếu có thời gian).`,
  }
  if (median === null) return [quiet(base, null, 0, 'Chưa có phiếu qua đường dẫn nào có thời gian trả lời để so sánh.')]
  const cutoff = cfg.ratioOfMedian * median
  const byVillage = new Map<string, { n: number; fast: number }>()
  for (const r of rows) {
    const v = byVillage.get(r.villageId) ?? { n: 0, fast: 0 }
    v.n += r.n
    if (r.seconds < cutoff) v.fast += r.n
    byVillage.set(r.villageId, v)
  }
  const out: Signal[] = []
  let worst: number | null = null
  const medianPerQ = Math.round((median / q) * 10) / 10
  for (const [villageId, v] of byVillage) {
    if (v.n < cfg.minBallots) continue
    const share = v.fast / v.n
    worst = Math.max(worst ?? 0, share)
    if (share < cfg.maxShare) continue
    const name = ctx.villageNames.get(villageId) ?? villageId
    out.push({
      ...base,
      triggered: true,
      value: r4(share),
      scope: 'village',
      unitId: villageId,
      label: name,
      n: v.n,
      explanation:
        `${v.fast}/${v.n} phiếu qua đường dẫn ở ${name} được trả lời nhanh hơn nhiều so với thường lệ ` +
        `(trung vị của đợt khoảng ${medianPerQ.toString().replace('.', ',')} giây mỗi câu). Có thể người dân quen thao tác, ` +
        'nhưng cũng có thể một người đã bấm hộ nhiều đường dẫn. Nên hỏi lại tổ lấy ý kiến cách phát đường dẫn ở thôn này ' +
        'và xem các phiếu in có được giao tận tay hộ gia đình không.',
    })
  }
  if (out.length) return out
  return [
    quiet(
      base,
      worst,
      rows.reduce((a, r) => a + r.n, 0),
      'Không thôn nào có nhiều phiếu được trả lời nhanh bất thường so với trung vị của đợt.',
    ),
  ]
}
