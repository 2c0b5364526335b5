import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { type Bar, evaluateRules, inForce, legacyBars, meanOfRates, type RuleInput, type UnitCounts } from './rules.js'
import { communeVerdict } from './satisfaction.js'

const Q = (n: number) => [
  ...Array.from({ length: n - 1 }, (_, i) => ({ key: `q${i + 1}`, isOverall: false })),
  { key: `q${n}`, isOverall: true },
]

/** A commune from its villages (the commune total is the sum, as the tally builds it). */
function commune(villages: UnitCounts[]): UnitCounts {
  const answers: UnitCounts['answers'] = {}
  for (const v of villages)
    for (const [k, a] of Object.entries(v.answers)) {
      const c = answers[k] ?? { valid: 0, favourable: 0 }
      answers[k] = { valid: c.valid + a.valid, favourable: c.favourable + a.favourable }
    }
  return {
    id: 'c',
    name: 'Xã',
    households: villages.reduce((s, v) => s + v.households, 0),
    participated: villages.reduce((s, v) => s + v.participated, 0),
    answers,
  }
}

const arbVillage = (questions: number) =>
  fc
    .record({
      households: fc.integer({ min: 0, max: 400 }),
      share: fc.integer({ min: 0, max: 100 }),
      fav: fc.array(fc.integer({ min: 0, max: 100 }), { minLength: questions, maxLength: questions }),
    })
    .map(({ households, share, fav }) => {
      const participated = Math.floor((households * share) / 100)
      return {
        id: 'v',
        name: 'Ấp',
        households,
        participated,
        answers: Object.fromEntries(
          fav.map((f, k) => [`q${k + 1}`, { valid: participated, favourable: Math.floor((participated * f) / 100) }]),
        ),
      } satisfies UnitCounts
    })

const arbInput = (questions: number) =>
  fc.array(arbVillage(questions), { minLength: 1, maxLength: 6 }).map((vs): RuleInput => {
    const villages = vs.map((v, i) => ({ ...v, id: `v${i}`, name: `Ấp ${i}` }))
    return { questions: Q(questions), villages, commune: commune(villages) }
  })

const arbBar: fc.Arbitrary<Bar> = fc.oneof(
  fc.record({
    kind: fc.constant('coverage' as const),
    scope: fc.constantFrom('village' as const, 'commune' as const),
    minBp: fc.integer({ min: 0, max: 10_000 }),
  }),
  fc.record({ kind: fc.constant('overall' as const), minBp: fc.integer({ min: 0, max: 10_000 }) }),
  fc.record({ kind: fc.constant('content_average' as const), minBp: fc.integer({ min: 0, max: 10_000 }) }),
  fc.record({ kind: fc.constant('every_content' as const), minBp: fc.integer({ min: 0, max: 10_000 }) }),
  fc.record({ kind: fc.constant('every_question_per_village' as const), minBp: fc.integer({ min: 0, max: 10_000 }) }),
)

describe('evaluateRules (properties)', () => {
  it('meets exactly when every bar is met, and names each failed bar', () => {
    fc.assert(
      fc.property(arbInput(4), fc.array(arbBar, { minLength: 1, maxLength: 5 }), (input, bars) => {
        const r = evaluateRules(bars, input)
        expect(r.bars).toHaveLength(bars.length)
        expect(r.failed).toEqual(r.bars.filter((b) => !b.met).map((b) => b.bar.kind))
        if (r.verdict === 'meets') expect(r.failed).toEqual([])
        if (r.verdict !== 'no_data' && r.failed.length === 0) expect(r.verdict).toBe('meets')
        if (r.verdict === 'insufficient_coverage') expect(r.failed).toContain('coverage')
        for (const b of r.bars)
          if (!b.met && b.bar.kind !== 'content_average' && b.bar.kind !== 'overall')
            expect(b.failures.length + (b.valueHundredths === null ? 1 : 0)).toBeGreaterThan(0)
      }),
    )
  })

  it('a bar of 0 is always met with data, a bar of 10000 only at 100 %', () => {
    fc.assert(
      fc.property(arbInput(3), (input) => {
        const r0 = evaluateRules([{ kind: 'overall', minBp: 0 }], input)
        expect(r0.bars[0]?.met).toBe((input.commune.answers.q3?.valid ?? 0) > 0)
        const a = input.commune.answers.q3 ?? { valid: 0, favourable: 0 }
        expect(evaluateRules([{ kind: 'overall', minBp: 10_000 }], input).bars[0]?.met).toBe(a.valid > 0 && a.favourable === a.valid)
      }),
    )
  })

  it('is monotone: lowering a bar never turns a pass into a fail', () => {
    fc.assert(
      fc.property(arbInput(4), arbBar, fc.integer({ min: 0, max: 10_000 }), (input, bar, lower) => {
        const easier = { ...bar, minBp: Math.min(bar.minBp, lower) } as Bar
        if (evaluateRules([bar], input).bars[0]?.met) expect(evaluateRules([easier], input).bars[0]?.met).toBe(true)
      }),
    )
  })

  it('the content average is the mean of the per-question rates, compared exactly', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 0, max: 100 })), { minLength: 1, maxLength: 12 }),
        (qs) => {
          const counts = qs.map(([valid, p]) => ({ valid, favourable: Math.floor((valid * p) / 100) }))
          const m = meanOfRates(counts)
          if (!m) throw new Error('mean expected')
          const mean = counts.reduce((s, c) => s + c.favourable / c.valid, 0) / counts.length
          expect(Number(m.num) / Number(m.den)).toBeCloseTo(mean, 9)
        },
      ),
    )
  })

  it('with the two legacy bars it gives the verdict the round always had', () => {
    fc.assert(
      fc.property(
        arbInput(3),
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 0, max: 10_000 }),
        fc.constantFrom('village' as const, 'commune' as const),
        (input, thresholdBp, coverageBp, coverageScope) => {
          const c = input.commune
          const overall = c.answers.q3 ?? { valid: 0, favourable: 0 }
          const old = communeVerdict(
            { households: c.households, participated: c.participated, valid: overall.valid, satisfied: overall.favourable },
            input.villages.map((v) => ({ households: v.households, participated: v.participated, valid: 0, satisfied: 0 })),
            { thresholdBp, coverageBp, coverageScope },
          )
          expect(evaluateRules(legacyBars({ thresholdBp, coverageBp, coverageScope }), input).verdict).toBe(old)
        },
      ),
    )
  })
})

/** One village (or a whole commune treated as one) with per-question favourable counts. */
function single(households: number, participated: number, favourable: number[], valid = participated): RuleInput {
  const v: UnitCounts = {
    id: 'v1',
    name: 'Ấp 1',
    households,
    participated,
    answers: Object.fromEntries(favourable.map((f, i) => [`q${i + 1}`, { valid, favourable: f }])),
  }
  return { questions: Q(favourable.length), villages: [v], commune: { ...commune([v]), id: 'c' } }
}

describe('worked examples with published figures', () => {
  // Triệu Sơn (Thanh Hóa), huyện NTM nâng cao, 10/2024: ≥ 92 % of households surveyed, the average of
  // content questions 1–9 ≥ 95 %, the overall question 10 ≥ 98 % (see docs/rule-sets.md).
  const trieuSon: Bar[] = [
    { kind: 'coverage', scope: 'commune', minBp: 9200 },
    { kind: 'content_average', minBp: 9500 },
    { kind: 'overall', minBp: 9800 },
  ]

  it('Triệu Sơn shape: passes at exactly 92 / 95 / 98', () => {
    // 1,000 households, 920 surveyed; content questions average exactly 95 % (874 / 920 each); 98 % = 901.6 → 902
    const r = evaluateRules(trieuSon, single(1000, 920, [...Array(9).fill(874), 902]))
    expect(r.verdict).toBe('meets')
    expect(r.bars.map((b) => b.valueHundredths)).toEqual([9200, 9500, 9804])
  })

  it('Triệu Sơn shape: one household short of 92 % is insufficient coverage, and every failed bar is named', () => {
    const r = evaluateRules(trieuSon, single(1000, 919, [...Array(9).fill(800), 919]))
    expect(r.verdict).toBe('insufficient_coverage')
    expect(r.failed).toEqual(['coverage', 'content_average'])
    expect(r.bars[0]?.failures).toEqual([{ unitId: null, unitName: null, questionKey: null, num: 919, den: 1000 }])
  })

  it('Triệu Sơn shape: the average is of the rates, not of the pooled answers', () => {
    // q1 answered by 100 (all favourable), q2…q9 by 920 at 94,46 %: pooled 94,53 % (fails), mean of rates 95,07 %
    const v: UnitCounts = {
      id: 'v1',
      name: 'Ấp 1',
      households: 1000,
      participated: 920,
      answers: {
        q1: { valid: 100, favourable: 100 },
        ...Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`q${i + 2}`, { valid: 920, favourable: 869 }])),
        q10: { valid: 920, favourable: 902 },
      },
    }
    const r = evaluateRules(trieuSon, { questions: Q(10), villages: [v], commune: commune([v]) })
    expect(r.bars[1]?.valueHundredths).toBe(9507)
    expect(r.verdict).toBe('meets')
  })

  it('Triệu Sơn shape: 97.99 % on the overall question fails that bar only', () => {
    const r = evaluateRules(trieuSon, single(10_000, 9_999, [...Array(9).fill(9_999), 9_798]))
    expect(r.verdict).toBe('below_threshold')
    expect(r.failed).toEqual(['overall'])
    expect(r.bars[2]?.valueHundredths).toBe(9799)
  })

  it('Tân Phước (Tiền Giang): 11,683 of 16,226 households surveyed, 11,679 satisfied: 72,00 % and 99,97 %', () => {
    // HD 90/HD-MTTW-BTT for a huyện NTM: 70 % of households; QĐ 320/QĐ-TTg: satisfaction from 90 %
    const bars: Bar[] = [
      { kind: 'coverage', scope: 'commune', minBp: 7000 },
      { kind: 'overall', minBp: 9000 },
    ]
    const r = evaluateRules(bars, single(16_226, 11_683, [11_679]))
    expect(r.verdict).toBe('meets')
    expect(r.bars.map((b) => b.valueHundredths)).toEqual([7200, 9997])
    // at 72 % the same count fails an 80 % floor (the Điện Biên nâng cao figure)
    expect(
      evaluateRules([{ kind: 'coverage', scope: 'commune', minBp: 8000 }, bars[1] as Bar], single(16_226, 11_683, [11_679])).verdict,
    ).toBe('insufficient_coverage')
  })

  it('Tiền Giang-style: every question in every village', () => {
    const a: UnitCounts = {
      id: 'a',
      name: 'Ấp A',
      households: 10,
      participated: 10,
      answers: { q1: { valid: 10, favourable: 9 }, q2: { valid: 10, favourable: 10 } },
    }
    const b: UnitCounts = {
      id: 'b',
      name: 'Ấp B',
      households: 10,
      participated: 10,
      answers: { q1: { valid: 10, favourable: 8 }, q2: { valid: 10, favourable: 10 } },
    }
    const r = evaluateRules([{ kind: 'every_question_per_village', minBp: 9000 }], {
      questions: Q(2),
      villages: [a, b],
      commune: commune([a, b]),
    })
    expect(r.verdict).toBe('below_threshold')
    expect(r.bars[0]?.failures).toEqual([{ unitId: 'b', unitName: 'Ấp B', questionKey: 'q1', num: 8, den: 10 }])
    expect(r.bars[0]?.valueHundredths).toBe(8000)
  })

  it('rule sets are in force on their dates, inclusive', () => {
    const basis = { effectiveFrom: '2026-02-15', effectiveTo: null }
    expect(inForce(basis, '2026-02-14')).toBe(false)
    expect(inForce(basis, '2026-02-15')).toBe(true)
    expect(inForce({ effectiveFrom: '2022-09-20', effectiveTo: '2025-12-31' }, '2025-12-31')).toBe(true)
    expect(inForce({ effectiveFrom: '2022-09-20', effectiveTo: '2025-12-31' }, '2026-01-01')).toBe(false)
  })
})
