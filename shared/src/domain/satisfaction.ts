/**
 * Pure satisfaction math (shared/DESIGN.md §4). Every threshold is a parameter in basis points,
 * never a constant here: the legal numbers come from configuration and the round.
 * Counts are integers; comparisons against thresholds are integer-exact.
 */

export interface Counts {
  /** Active households in the unit (the sampling frame, N). */
  households: number
  /** Households that took part (any channel). */
  participated: number
  /** Valid ballots on the overall question (n). */
  valid: number
  /** Valid ballots answering "hài lòng" on the overall question (S). */
  satisfied: number
}

export interface Interval {
  low: number
  high: number
}

function assertCount(name: string, v: number): void {
  if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`${name} must be a non-negative integer, got ${v}`)
}

function assertBp(name: string, bp: number): void {
  if (!Number.isSafeInteger(bp) || bp < 0 || bp > 10_000) throw new RangeError(`${name} must be 0..10000 basis points`)
}

/** num/den as a fraction in [0,1]; null when the denominator is 0. */
export function ratio(num: number, den: number): number | null {
  assertCount('num', num)
  assertCount('den', den)
  if (den === 0) return null
  return num / den
}

/** Coverage = households that took part ÷ active households. */
export function coverage(participated: number, households: number): number | null {
  return ratio(participated, households)
}

/** Rate = satisfied ÷ valid ballots (the denominator is ballots, never all households). */
export function satisfactionRate(satisfied: number, valid: number): number | null {
  return ratio(satisfied, valid)
}

/**
 * Integer-exact inclusive check `num / den >= bp / 10000`, i.e. `num * 10000 >= bp * den`.
 * 90.00 % passes a 9000 bp bar, 89.99 % does not. A zero denominator never meets.
 */
export function meetsBp(num: number, den: number, bp: number): boolean {
  assertCount('num', num)
  assertCount('den', den)
  assertBp('bp', bp)
  if (den === 0) return false
  return BigInt(num) * 10_000n >= BigInt(bp) * BigInt(den)
}

/**
 * num/den in hundredths of a percent, rounded half up, computed in integers
 * (11,679 / 11,683 → 9997, i.e. 99.97 %). Null when den is 0.
 */
export function percentHundredths(num: number, den: number): number | null {
  assertCount('num', num)
  assertCount('den', den)
  if (den === 0) return null
  const n = BigInt(num) * 20_000n + BigInt(den)
  return Number(n / (2n * BigInt(den)))
}

/**
 * Wilson score interval for a proportion with finite-population correction.
 * The effective sample size is n·(N−1)/(N−n); at full coverage (n = N) the rate is known exactly
 * and the interval collapses to the point. z defaults to 1.96 (95 %).
 */
export function wilsonInterval(satisfied: number, valid: number, population: number, z = 1.96): Interval | null {
  assertCount('satisfied', satisfied)
  assertCount('valid', valid)
  assertCount('population', population)
  if (satisfied > valid) throw new RangeError('satisfied cannot exceed valid')
  if (valid === 0) return null
  const p = satisfied / valid
  const N = Math.max(population, valid)
  if (valid >= N || N <= 1) return { low: p, high: p }
  const nEff = (valid * (N - 1)) / (N - valid)
  const z2 = z * z
  const denom = 1 + z2 / nEff
  const center = (p + z2 / (2 * nEff)) / denom
  const half = (z * Math.sqrt((p * (1 - p)) / nEff + z2 / (4 * nEff * nEff))) / denom
  return { low: Math.max(0, Math.min(p, center - half)), high: Math.min(1, Math.max(p, center + half)) }
}

/**
 * Non-response bounds: the commune-wide rate if every household that did not answer had been
 * dissatisfied (worst = S ÷ N) or satisfied (best = (S + N − n) ÷ N).
 */
export function nonResponseBounds(satisfied: number, valid: number, population: number): { worst: number; best: number } | null {
  assertCount('satisfied', satisfied)
  assertCount('valid', valid)
  assertCount('population', population)
  const N = Math.max(population, valid)
  if (N === 0) return null
  return { worst: satisfied / N, best: (satisfied + N - valid) / N }
}

export type CommuneVerdict = 'meets' | 'below_threshold' | 'insufficient_coverage' | 'no_data'
export type VillageVerdict = 'meets_coverage' | 'insufficient_coverage' | 'no_data'
export type Robustness = 'clear' | 'marginal'
type CoverageScopeKind = 'village' | 'commune'

export interface VerdictRule {
  thresholdBp: number
  coverageBp: number
  coverageScope: CoverageScopeKind
}

/** A village gets the coverage check only; it is never judged against the satisfaction threshold. */
export function villageVerdict(c: Pick<Counts, 'households' | 'participated'>, coverageBp: number): VillageVerdict {
  if (c.households === 0) return 'no_data'
  return meetsBp(c.participated, c.households, coverageBp) ? 'meets_coverage' : 'insufficient_coverage'
}

/**
 * The legal verdict of a commune: `no_data` without a valid ballot, else `insufficient_coverage`
 * when a coverage check fails (per village when the scope is `village`, else on the commune total;
 * coverage wins over the rate), else `meets` or `below_threshold` on the overall question.
 */
export function communeVerdict(commune: Counts, villages: readonly Counts[], rule: VerdictRule): CommuneVerdict {
  if (commune.valid === 0) return 'no_data'
  const coverageOk =
    rule.coverageScope === 'commune'
      ? meetsBp(commune.participated, commune.households, rule.coverageBp)
      : villages.every((v) => villageVerdict(v, rule.coverageBp) !== 'insufficient_coverage')
  if (!coverageOk) return 'insufficient_coverage'
  return meetsBp(commune.satisfied, commune.valid, rule.thresholdBp) ? 'meets' : 'below_threshold'
}

/**
 * Advisory robustness beside the legal verdict: `clear` when the interval's lower bound is at or
 * above the threshold, else `marginal`; null without data.
 */
export function robustness(interval: Interval | null, thresholdBp: number): Robustness | null {
  assertBp('thresholdBp', thresholdBp)
  if (!interval) return null
  // compare in hundredths of a basis point to avoid float noise at the boundary
  return Math.round(interval.low * 1_000_000) >= thresholdBp * 100 ? 'clear' : 'marginal'
}

/** Display of rates lives in format.ts (one rule per figure kind); these names stay for their callers. */
export { formatFractionVi as formatPercentVi, formatRateVi as formatRatioVi } from '../format.js'
