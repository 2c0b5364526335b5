import type { IntegrityConfig } from '../../../config.js'
import { pct, quiet, r4, type Signal } from './types.js'

export interface VillageDayRow {
  villageId: string
  /** Active households in the round's frame. */
  households: number
  /** Households that took part. */
  participated: number
  /** Distinct days on which they took part. */
  days: number
  valid: number
  satisfied: number
}

/**
 * A village at exactly 100 % satisfied, with high coverage, every participation on a single day: a
 * one-day village meeting can honestly do this, and so can a list filled in at a desk. Published
 * results cluster at 99–100 % (DOMAIN.md §5.2), so this is the pattern a council most needs to see.
 */
export function perfectVillage(
  rows: readonly VillageDayRow[],
  ctx: { villageNames: Map<string, string> },
  cfg: IntegrityConfig['perfectVillage'],
): Signal[] {
  const base = {
    key: 'perfect_village_one_day' as const,
    threshold: cfg.minCoverage,
    rule: `Thôn có 100 % phiếu hài lòng, độ bao phủ ≥ ${pct(cfg.minCoverage)}, từ ${cfg.minBallots} phiếu, tất cả trong một ngày.`,
  }
  const out: Signal[] = []
  for (const r of rows) {
    if (r.households === 0 || r.valid < cfg.minBallots || r.satisfied !== r.valid || r.days !== 1) continue
    const cov = r.participated / r.households
    if (cov < cfg.minCoverage) continue
    const name = ctx.villageNames.get(r.villageId) ?? r.villageId
    out.push({
      ...base,
      triggered: true,
      value: r4(cov),
      scope: 'village',
      unitId: r.villageId,
      label: name,
      n: r.valid,
      explanation:
        `${name}: ${r.participated}/${r.households} hộ (${pct(cov)}) tham gia trong một ngày duy nhất và 100 % hài lòng. ` +
        'Một buổi họp thôn đông đủ có thể cho kết quả này; nhưng cũng nên xem biên bản buổi họp, sổ ký nhận và cách phiếu được thu.',
    })
  }
  if (out.length) return out
  return [quiet(base, null, undefined, 'Không thôn nào đạt 100 % hài lòng với độ bao phủ cao trong một ngày duy nhất.')]
}
