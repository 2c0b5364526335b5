import type { IntegrityConfig } from '../../../config.js'
import { twoProportionZ } from './stats.js'
import { pct, quiet, r4, type Signal } from './types.js'

export interface StraightRow {
  villageId: string
  /** Valid ballots. */
  n: number
  /** Ballots with the same answer on every question (all satisfied or all not satisfied). */
  straight: number
}

/**
 * Straight-lining, judged village against the rest of the round. "Hài lòng" on every question is the
 * common honest answer, so a round-wide share says nothing; what stands out is one village where
 * nearly every ballot is identical while the rest of the commune varies (two-proportion z-test plus
 * a minimum difference and minimum counts on both sides).
 */
export function straightLining(
  rows: readonly StraightRow[],
  ctx: { villageNames: Map<string, string> },
  cfg: IntegrityConfig['straightLining'],
): Signal[] {
  const total = rows.reduce((a, r) => ({ n: a.n + r.n, s: a.s + r.straight }), { n: 0, s: 0 })
  const base = {
    key: 'straight_lining' as const,
    threshold: cfg.minDiff,
    rule:
      `Tỷ lệ phiếu trả lời giống hệt nhau ở mọi câu của một thôn cao hơn phần còn lại của xã ít nhất ${pct(cfg.minDiff)} ` +
      `và khác biệt có ý nghĩa (z ≥ ${cfg.zMin}; mỗi bên từ ${cfg.minBallots} phiếu).`,
  }
  const out: Signal[] = []
  let worst: number | null = null
  for (const r of rows) {
    const restN = total.n - r.n
    const restS = total.s - r.straight
    if (r.n < cfg.minBallots || restN < cfg.minBallots) continue
    const diff = r.straight / r.n - restS / restN
    worst = Math.max(worst ?? diff, diff)
    const z = twoProportionZ(r.straight, r.n, restS, restN)
    if (diff < cfg.minDiff || z < cfg.zMin) continue
    const name = ctx.villageNames.get(r.villageId) ?? r.villageId
    out.push({
      ...base,
      triggered: true,
      value: r4(diff),
      scope: 'village',
      unitId: r.villageId,
      label: name,
      n: r.n,
      explanation:
        `Ở ${name}, ${pct(r.straight / r.n)} phiếu chọn cùng một đáp án cho mọi câu, so với ${pct(restS / restN)} ở các thôn khác. ` +
        'Điều này có thể do thôn thật sự đồng thuận, hoặc phiếu được điền theo một mẫu chung. Nên xem cách phiếu được phát, ' +
        'thu ở thôn này và đối chiếu với danh sách hộ đã tham gia.',
    })
  }
  if (out.length) return out
  return [quiet(base, worst, total.n, 'Không thôn nào có tỷ lệ phiếu trả lời giống hệt nhau cao hơn hẳn phần còn lại của xã.')]
}
