import type { BallotChannel } from '@app/shared'
import type { IntegrityConfig } from '../../../config.js'
import { twoProportionZ } from './stats.js'
import { pct, quiet, r4, type Signal } from './types.js'

export interface ChannelRow {
  villageId: string
  channel: BallotChannel
  /** Who keyed it (paper/meeting); null for link ballots. */
  enteredBy: string | null
  /** Valid ballots. */
  n: number
  /** Of which satisfied on the overall question. */
  satisfied: number
}

/**
 * A collector's paper entries against the link ballots of the same village: residents answering on
 * their own phone and residents handing a paper form to a collector should be alike. Two-proportion
 * z-test on the overall "hài lòng" rate, with a minimum difference and minimum counts on both sides.
 */
export function collectorVsLink(
  rows: readonly ChannelRow[],
  ctx: { villageNames: Map<string, string>; usernames: Map<string, string>; minCell?: number },
  cfg: IntegrityConfig['collectorVsLink'],
): Signal[] {
  const link = new Map<string, { n: number; s: number }>()
  const villageN = new Map<string, number>()
  for (const r of rows) villageN.set(r.villageId, (villageN.get(r.villageId) ?? 0) + r.n)
  const paper = new Map<string, { villageId: string; userId: string; n: number; s: number }>()
  for (const r of rows) {
    if (r.channel === 'link') {
      const l = link.get(r.villageId) ?? { n: 0, s: 0 }
      link.set(r.villageId, { n: l.n + r.n, s: l.s + r.satisfied })
    } else if (r.enteredBy) {
      const k = `${r.villageId}|${r.enteredBy}`
      const p = paper.get(k) ?? { villageId: r.villageId, userId: r.enteredBy, n: 0, s: 0 }
      paper.set(k, { ...p, n: p.n + r.n, s: p.s + r.satisfied })
    }
  }
  const base = {
    key: 'collector_vs_link' as const,
    threshold: cfg.minDiff,
    rule:
      `Tỷ lệ hài lòng trên phiếu giấy do một người nhập chênh lệch với phiếu qua đường dẫn cùng thôn ít nhất ${pct(cfg.minDiff)} ` +
      `và có ý nghĩa (|z| ≥ ${cfg.zMin}; mỗi bên từ ${cfg.minCount} phiếu).`,
  }
  const out: Signal[] = []
  let worst: number | null = null
  for (const p of paper.values()) {
    const l = link.get(p.villageId)
    if (!l || p.n < cfg.minCount || l.n < cfg.minCount) continue
    // the village's figure minus these two would give the rest of its ballots (other collectors, meetings): the
    // comparison is not shown when that rest is a small group (TRUST.md §2.2)
    const rest = (villageN.get(p.villageId) ?? 0) - p.n - l.n
    if (rest > 0 && rest < (ctx.minCell ?? 0)) continue
    const diff = p.s / p.n - l.s / l.n
    worst = Math.max(worst ?? 0, Math.abs(diff))
    const z = twoProportionZ(p.s, p.n, l.s, l.n)
    if (Math.abs(diff) < cfg.minDiff || Math.abs(z) < cfg.zMin) continue
    const name = ctx.villageNames.get(p.villageId) ?? p.villageId
    const who = ctx.usernames.get(p.userId) ?? 'một tài khoản'
    out.push({
      ...base,
      triggered: true,
      value: r4(Math.abs(diff)),
      scope: 'collector',
      unitId: p.userId,
      label: `${who} — ${name}`,
      n: p.n,
      explanation:
        `Ở ${name}, ${p.n} phiếu giấy do ${who} nhập có tỷ lệ hài lòng ${pct(p.s / p.n)}, còn ${l.n} phiếu qua đường dẫn là ${pct(l.s / l.n)}. ` +
        'Khác biệt có thể do nhóm hộ khác nhau (người cao tuổi dùng phiếu giấy nhiều hơn) hoặc do hộ ngại nói thật khi phiếu không ' +
        'ẩn danh, hoặc do nhập sai. Nên đối chiếu phiếu giấy gốc với dữ liệu đã nhập.',
    })
  }
  if (out.length) return out
  return [quiet(base, worst, undefined, 'Phiếu giấy và phiếu qua đường dẫn trong cùng thôn không chênh lệch đáng kể.')]
}
