import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  type CommuneVerdict,
  type Counts,
  communeVerdict,
  coverage,
  formatPercentVi,
  formatRatioVi,
  meetsBp,
  nonResponseBounds,
  percentHundredths,
  robustness,
  satisfactionRate,
  type VerdictRule,
  villageVerdict,
  wilsonInterval,
} from './satisfaction.js'

const RULE: VerdictRule = { thresholdBp: 9000, coverageBp: 7000, coverageScope: 'village' }
const counts = (households: number, participated: number, valid: number, satisfied: number): Counts => ({
  households,
  participated,
  valid,
  satisfied,
})

describe('published figures (shared/DESIGN.md §4)', () => {
  it('11,683 ballots with 11,679 satisfied is 99.97 %', () => {
    expect(percentHundredths(11_679, 11_683)).toBe(9997)
    expect(formatRatioVi(11_679, 11_683)).toBe('99,97 %')
    expect(satisfactionRate(11_679, 11_683)).toBeCloseTo(0.99966, 5)
    expect(formatPercentVi(satisfactionRate(11_679, 11_683))).toBe('99,97 %')
  })

  it('coverage 11,683 of 16,226 households is 72.00 %', () => {
    expect(percentHundredths(11_683, 16_226)).toBe(7200)
    expect(formatRatioVi(11_683, 16_226)).toBe('72,00 %')
    expect(coverage(11_683, 16_226)).toBeCloseTo(0.72002, 5)
  })

  it('71 satisfied of 72 ballots is 98.61 %, and 72 of 76 households is 94.74 % coverage', () => {
    expect(formatRatioVi(71, 72)).toBe('98,61 %')
    expect(percentHundredths(71, 72)).toBe(9861)
    expect(formatRatioVi(72, 76)).toBe('94,74 %')
    expect(percentHundredths(72, 76)).toBe(9474)
  })

  it('formats whole and empty ratios', () => {
    expect(formatRatioVi(5, 5)).toBe('100,00 %')
    expect(formatRatioVi(0, 7)).toBe('0,00 %')
    expect(formatRatioVi(1, 0)).toBe('—')
    expect(formatPercentVi(null)).toBe('—')
  })

  it('rounds half up in hundredths (1/8 = 12.5 % exactly, 1/3 = 33.33 %, 2/3 = 66.67 %)', () => {
    expect(percentHundredths(1, 8)).toBe(1250)
    expect(percentHundredths(1, 3)).toBe(3333)
    expect(percentHundredths(2, 3)).toBe(6667)
    // 1/16 = 6.25 % exactly; 1/32 = 3.125 % → half up to 3.13 %
    expect(percentHundredths(1, 32)).toBe(313)
  })
})

describe('meetsBp (integer-exact, inclusive)', () => {
  it('900 of 1000 meets a 9000 bp bar; 8999 of 10000 does not', () => {
    expect(meetsBp(900, 1000, 9000)).toBe(true)
    expect(meetsBp(8999, 10_000, 9000)).toBe(false)
    expect(meetsBp(9000, 10_000, 9000)).toBe(true)
  })

  it('never meets with a zero denominator, and a 0 bp bar is met by any ballot', () => {
    expect(meetsBp(0, 0, 0)).toBe(false)
    expect(meetsBp(0, 1, 0)).toBe(true)
  })

  it('rejects non-integer counts and out-of-range basis points', () => {
    expect(() => meetsBp(1.5, 2, 9000)).toThrow(RangeError)
    expect(() => meetsBp(-1, 2, 9000)).toThrow(RangeError)
    expect(() => meetsBp(1, 2, 10_001)).toThrow(RangeError)
  })

  it('stays exact when num × 10000 is far beyond 2^53', () => {
    const den = 10_000 * 2 ** 38
    const num = 9000 * 2 ** 38 // exactly 90 %
    expect(meetsBp(num, den, 9000)).toBe(true)
    expect(meetsBp(num - 1, den, 9000)).toBe(false)
  })

  it('agrees with the exact rational comparison num/den ≥ bp/10000 (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }).chain((den) => fc.tuple(fc.constant(den), fc.integer({ min: 0, max: den }))),
        fc.integer({ min: 0, max: 10_000 }),
        ([den, num], bp) => {
          // reduce both fractions and compare by cross-multiplying in BigInt
          const g = (a: bigint, b: bigint): bigint => (b === 0n ? a : g(b, a % b))
          const [n, d] = [BigInt(num), BigInt(den)]
          const gd = g(n, d) || 1n
          const [b, t] = [BigInt(bp), 10_000n]
          const gb = g(b, t) || 1n
          const expected = (n / gd) * (t / gb) >= (b / gb) * (d / gd)
          expect(meetsBp(num, den, bp)).toBe(expected)
        },
      ),
    )
  })
})

describe('wilsonInterval with finite-population correction', () => {
  it('N = 2000, n = 1400, 92 % satisfied gives ≈ 91.2–92.8 %', () => {
    const ci = wilsonInterval(1288, 1400, 2000)
    expect(ci).not.toBeNull()
    expect(ci!.low).toBeGreaterThan(0.9115)
    expect(ci!.low).toBeLessThan(0.9125)
    expect(ci!.high).toBeGreaterThan(0.927)
    expect(ci!.high).toBeLessThan(0.9285)
  })

  it('is much narrower than the interval without the correction (N very large)', () => {
    const fpc = wilsonInterval(1288, 1400, 2000)!
    const infinite = wilsonInterval(1288, 1400, 1_000_000_000)!
    expect(fpc.high - fpc.low).toBeLessThan((infinite.high - infinite.low) * 0.6)
    // without FPC: ≈ 90.5–93.3 %
    expect(infinite.low).toBeCloseTo(0.905, 2)
  })

  it('collapses to the rate at full coverage and is null without ballots', () => {
    expect(wilsonInterval(71, 72, 72)).toEqual({ low: 71 / 72, high: 71 / 72 })
    expect(wilsonInterval(0, 0, 100)).toBeNull()
  })

  it('refuses more satisfied than valid ballots', () => {
    expect(() => wilsonInterval(5, 4, 10)).toThrow(RangeError)
  })

  const sample = fc
    .integer({ min: 1, max: 5000 })
    .chain((N) => fc.integer({ min: 1, max: N }).chain((n) => fc.tuple(fc.constant(N), fc.constant(n), fc.integer({ min: 0, max: n }))))

  it('always contains the rate and stays within [0, 1] (property)', () => {
    fc.assert(
      fc.property(sample, ([N, n, s]) => {
        const ci = wilsonInterval(s, n, N)!
        const p = s / n
        expect(ci.low).toBeGreaterThanOrEqual(0)
        expect(ci.high).toBeLessThanOrEqual(1)
        expect(ci.low).toBeLessThanOrEqual(p)
        expect(ci.high).toBeGreaterThanOrEqual(p)
      }),
    )
  })

  it('collapses to a point when every household answered, n = N (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5000 }).chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 0, max: n }))),
        ([n, s]) => {
          const ci = wilsonInterval(s, n, n)!
          expect(ci.low).toBe(s / n)
          expect(ci.high).toBe(s / n)
        },
      ),
    )
  })

  it('narrows as n grows toward N at a fixed rate (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }), // denominator of the rate
        fc.integer({ min: 2, max: 50 }), // steps of n
        fc.integer({ min: 0, max: 1000 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 0, max: 40 }),
        (m, steps, kRaw, k1, extra) => {
          const k = kRaw % (m + 1) // rate k/m
          const N = m * (steps + extra)
          const n1 = m * Math.min(k1, steps)
          let prev = Number.POSITIVE_INFINITY
          for (let n = n1; n <= m * steps; n += m) {
            if (n === 0) continue
            const ci = wilsonInterval((k * n) / m, n, N)!
            const width = ci.high - ci.low
            expect(width).toBeLessThanOrEqual(prev + 1e-12)
            prev = width
          }
        },
      ),
    )
  })
})

describe('nonResponseBounds', () => {
  it('N = 2000, n = 1400, 1288 satisfied gives 64.4–94.4 %', () => {
    const b = nonResponseBounds(1288, 1400, 2000)!
    expect(b.worst).toBeCloseTo(0.644, 10)
    expect(b.best).toBeCloseTo(0.944, 10)
  })

  it('is null for an empty frame', () => {
    expect(nonResponseBounds(0, 0, 0)).toBeNull()
  })

  it('always contains the rate of the ballots received (property)', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 100_000 })
          .chain((N) =>
            fc.integer({ min: 1, max: N }).chain((n) => fc.tuple(fc.constant(N), fc.constant(n), fc.integer({ min: 0, max: n }))),
          ),
        ([N, n, s]) => {
          const b = nonResponseBounds(s, n, N)!
          const p = s / n
          expect(b.worst).toBeLessThanOrEqual(p + 1e-12)
          expect(b.best).toBeGreaterThanOrEqual(p - 1e-12)
          expect(b.worst).toBeGreaterThanOrEqual(0)
          expect(b.best).toBeLessThanOrEqual(1)
        },
      ),
    )
  })
})

describe('villageVerdict (coverage only)', () => {
  it('checks the coverage floor inclusively and never the satisfaction rate', () => {
    expect(villageVerdict({ households: 100, participated: 70 }, 7000)).toBe('meets_coverage')
    expect(villageVerdict({ households: 100, participated: 69 }, 7000)).toBe('insufficient_coverage')
    // a village where every ballot is "not satisfied" still only gets the coverage check
    expect(villageVerdict(counts(10, 10, 10, 0), 7000)).toBe('meets_coverage')
  })

  it('is no_data for a village without households', () => {
    expect(villageVerdict({ households: 0, participated: 0 }, 7000)).toBe('no_data')
  })
})

describe('communeVerdict', () => {
  const goodVillages = [counts(76, 72, 72, 71), counts(100, 80, 80, 79)]

  it('is no_data without a valid ballot', () => {
    expect(communeVerdict(counts(176, 0, 0, 0), goodVillages, RULE)).toBe('no_data')
  })

  it('meets when coverage and rate pass (71 of 72 on 72 of 76 households)', () => {
    expect(communeVerdict(counts(76, 72, 72, 71), [counts(76, 72, 72, 71)], RULE)).toBe('meets')
  })

  it('is below_threshold at 89.99 % and meets at exactly 90.00 %', () => {
    const v = [counts(10_000, 10_000, 10_000, 0)]
    expect(communeVerdict(counts(10_000, 10_000, 10_000, 8999), v, RULE)).toBe('below_threshold')
    expect(communeVerdict(counts(10_000, 10_000, 10_000, 9000), v, RULE)).toBe('meets')
  })

  it('insufficient coverage wins over a passing rate', () => {
    const v = [counts(100, 60, 60, 60)]
    expect(communeVerdict(counts(100, 60, 60, 60), v, RULE)).toBe('insufficient_coverage')
    // and over a failing rate too
    expect(communeVerdict(counts(100, 60, 60, 10), v, RULE)).toBe('insufficient_coverage')
  })

  it('village scope fails when one village is under the floor even if the commune total passes', () => {
    const villages = [counts(100, 100, 100, 100), counts(100, 50, 50, 50)] // commune coverage 75 %
    const commune = counts(200, 150, 150, 150)
    expect(communeVerdict(commune, villages, RULE)).toBe('insufficient_coverage')
    expect(communeVerdict(commune, villages, { ...RULE, coverageScope: 'commune' })).toBe('meets')
  })

  it('commune scope fails on the commune total even when no village list is given', () => {
    expect(communeVerdict(counts(1000, 699, 699, 699), [], { ...RULE, coverageScope: 'commune' })).toBe('insufficient_coverage')
    expect(communeVerdict(counts(1000, 700, 700, 699), [], { ...RULE, coverageScope: 'commune' })).toBe('meets')
  })

  it('ignores villages without households in the village-scope check', () => {
    const villages = [counts(0, 0, 0, 0), counts(50, 40, 40, 40)]
    expect(communeVerdict(counts(50, 40, 40, 40), villages, RULE)).toBe('meets')
  })

  it('never gets worse when one more ballot is satisfied (property)', () => {
    const rank: Record<CommuneVerdict, number> = { no_data: 0, insufficient_coverage: 0, below_threshold: 1, meets: 2 }
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 10_000 })
          .chain((N) =>
            fc.integer({ min: 1, max: N }).chain((n) => fc.tuple(fc.constant(N), fc.constant(n), fc.integer({ min: 0, max: n - 1 }))),
          ),
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 0, max: 10_000 }),
        fc.constantFrom<'village' | 'commune'>('village', 'commune'),
        ([N, n, s], thresholdBp, coverageBp, coverageScope) => {
          const rule = { thresholdBp, coverageBp, coverageScope }
          const before = communeVerdict(counts(N, n, n, s), [counts(N, n, n, s)], rule)
          const after = communeVerdict(counts(N, n, n, s + 1), [counts(N, n, n, s + 1)], rule)
          expect(rank[after]).toBeGreaterThanOrEqual(rank[before])
          if (before === 'insufficient_coverage') expect(after).toBe('insufficient_coverage')
        },
      ),
    )
  })
})

describe('robustness', () => {
  it('is clear when the interval lower bound is at or above the threshold, else marginal', () => {
    const ci = wilsonInterval(1288, 1400, 2000) // ≈ 91.2–92.8 %
    expect(robustness(ci, 9000)).toBe('clear')
    expect(robustness(ci, 9200)).toBe('marginal')
    // a rate of 90.5 % from few ballots passes the legal bar but is marginal
    expect(meetsBp(181, 200, 9000)).toBe(true)
    expect(robustness(wilsonInterval(181, 200, 2000), 9000)).toBe('marginal')
  })

  it('is inclusive at the boundary: an exact 90 % at full coverage is clear', () => {
    expect(robustness(wilsonInterval(90, 100, 100), 9000)).toBe('clear')
    expect(robustness({ low: 0.9, high: 0.95 }, 9000)).toBe('clear')
    expect(robustness({ low: 0.8999, high: 0.95 }, 9000)).toBe('marginal')
  })

  it('is null without data', () => {
    expect(robustness(null, 9000)).toBeNull()
  })
})
