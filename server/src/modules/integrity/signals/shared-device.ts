import type { IntegrityConfig } from '../../../config.js'
import { pct, quiet, r4, type Signal } from './types.js'

export interface DeviceRow {
  /** Coarse fingerprint: hash of the IP's /24 network + OS + browser family. Never the raw IP. */
  fingerprint: string
  n: number
}

/**
 * Many link ballots behind one coarse device fingerprint. The fingerprint is deliberately coarse
 * (a mobile carrier's network and a common phone browser are shared by many people), so the rule
 * needs both a count and a share of the round's link ballots.
 */
export function sharedDevice(rows: readonly DeviceRow[], cfg: IntegrityConfig['sharedDevice']): Signal[] {
  const total = rows.reduce((a, r) => a + r.n, 0)
  const base = {
    key: 'shared_device' as const,
    threshold: cfg.maxShare,
    rule: `Một dấu vết thiết bị (mạng + loại máy + trình duyệt) chiếm ≥ ${pct(cfg.maxShare)} số phiếu qua đường dẫn và từ ${cfg.minCount} phiếu trở lên.`,
  }
  const out: Signal[] = []
  let worst: number | null = null
  // largest first, named by rank: no part of a fingerprint leaves this function (they are deleted at seal and the
  // frozen signals must not keep a piece of one)
  const ranked = [...rows].sort((a, b) => b.n - a.n || (a.fingerprint < b.fingerprint ? -1 : 1))
  for (const r of ranked) {
    if (total === 0) break
    const share = r.n / total
    worst = Math.max(worst ?? 0, share)
    if (r.n < cfg.minCount || share < cfg.maxShare) continue
    out.push({
      ...base,
      triggered: true,
      value: r4(share),
      scope: 'round',
      label: `thiết bị thứ ${out.length + 1}`,
      n: r.n,
      explanation:
        `${r.n}/${total} phiếu qua đường dẫn (${pct(share)}) có cùng dấu vết thiết bị. Dấu vết này rất thô: nhiều người dùng ` +
        'chung wifi của nhà văn hoá hoặc cùng nhà mạng có thể trùng nhau. Nhưng nếu một người (ví dụ một cán bộ) đã mở ' +
        'nhiều đường dẫn trên cùng một máy thì cũng cho kết quả này. Nên hỏi xem có buổi hỗ trợ trả lời tập trung nào không.',
    })
  }
  if (out.length) return out
  return [quiet(base, worst, total, 'Không có thiết bị nào đứng sau một phần lớn số phiếu qua đường dẫn.')]
}
