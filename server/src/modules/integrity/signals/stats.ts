/** Median of a histogram of integer values ({ value, n } rows, any order); null when empty. */
export function histogramMedian(rows: readonly { value: number; n: number }[]): number | null {
  const sorted = [...rows].filter((r) => r.n > 0).sort((a, b) => a.value - b.value)
  const total = sorted.reduce((a, r) => a + r.n, 0)
  if (total === 0) return null
  const at = (k: number): number => {
    let seen = 0
    for (const r of sorted) {
      seen += r.n
      if (k < seen) return r.value
    }
    return (sorted.at(-1) as { value: number }).value
  }
  return total % 2 ? at((total - 1) / 2) : (at(total / 2 - 1) + at(total / 2)) / 2
}

/**
 * Two-proportion z statistic (pooled): (p1 − p2) / √(p(1−p)(1/n1 + 1/n2)). 0 when either group is
 * empty or both proportions are 0 or 1 (no variation, nothing to test).
 */
export function twoProportionZ(x1: number, n1: number, x2: number, n2: number): number {
  if (n1 === 0 || n2 === 0) return 0
  const p = (x1 + x2) / (n1 + n2)
  const se = Math.sqrt(p * (1 - p) * (1 / n1 + 1 / n2))
  if (se === 0) return 0
  return (x1 / n1 - x2 / n2) / se
}
