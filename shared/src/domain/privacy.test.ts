import { describe, expect, it } from 'vitest'
import { isSmallCell, suppressSmall, suppressTally, suppressUnitTally, type TallyCells } from './privacy.js'

const tally = (unitId: string, valid: number, satisfied = valid, participated = valid): TallyCells => ({
  unitId,
  name: unitId,
  households: 40,
  participated,
  valid,
  satisfied,
  notSatisfied: valid - satisfied,
  coverage: participated / 40,
  rate: valid ? satisfied / valid : null,
  interval: valid ? { low: 0.5, high: 1 } : null,
  bounds: { worst: 0, best: 1 },
  verdict: 'meets_coverage',
  robustness: valid ? 'clear' : null,
})

describe('suppressSmall', () => {
  it('withholds 1 … min−1 and keeps 0 and min', () => {
    expect([0, 1, 4, 5, 6].map((n) => suppressSmall(n))).toEqual([0, null, null, 5, 6])
    expect(suppressSmall(9, 10)).toBeNull()
    expect(suppressSmall(null)).toBeNull()
    expect(isSmallCell(3)).toBe(true)
    expect(isSmallCell(0)).toBe(false)
  })
})

describe('suppressUnitTally', () => {
  it('nulls every figure derived from the ballots of a village with 3 ballots, keeps frame and verdict', () => {
    const s = suppressUnitTally(tally('v', 3, 2))
    expect(s).toMatchObject({ unitId: 'v', households: 40, verdict: 'meets_coverage', suppressed: true })
    for (const k of ['participated', 'valid', 'satisfied', 'notSatisfied', 'coverage', 'rate', 'interval', 'bounds', 'robustness'] as const)
      expect(s[k]).toBeNull()
  })
  it('withholds a village with many households taking part but fewer than 5 valid ballots', () => {
    expect(suppressUnitTally(tally('v', 2, 2, 12)).suppressed).toBe(true)
  })
  it('keeps a village at the minimum and a village with no ballot', () => {
    expect(suppressUnitTally(tally('v', 5, 4))).toMatchObject({ valid: 5, satisfied: 4, suppressed: false })
    expect(suppressUnitTally(tally('v', 0))).toMatchObject({ valid: 0, suppressed: false })
  })
})

describe('suppressTally', () => {
  it('suppresses villages, questions, question × village and channel cells below the minimum, and flags it', () => {
    const out = suppressTally(
      {
        roundId: 'r',
        commune: tally('c', 15, 14),
        villages: [tally('a', 12, 12), tally('b', 3, 2)],
        questions: [
          { key: 'q1', valid: 15, satisfied: 15, rate: 1 },
          { key: 'q2', valid: 4, satisfied: 4, rate: 1 },
        ],
        byChannel: { link: 12, paper: 3, meeting: 0 },
        villageQuestions: [
          { villageId: 'a', key: 'q1', valid: 12, satisfied: 12, rate: 1 },
          { villageId: 'b', key: 'q1', valid: 3, satisfied: 2, rate: 2 / 3 },
        ],
      },
      5,
    )
    expect(out.roundId).toBe('r')
    expect(out.suppressed).toBe(true)
    expect(out.minCell).toBe(5)
    expect(out.commune.suppressed).toBe(false)
    expect(out.villages.map((v) => v.valid)).toEqual([12, null])
    expect(out.questions.map((q) => q.rate)).toEqual([1, null])
    expect(out.byChannel).toEqual({ link: 12, paper: null, meeting: 0 })
    expect(out.villageQuestions?.map((q) => [q.villageId, q.valid, q.suppressed])).toEqual([
      ['a', 12, false],
      ['b', null, true],
    ])
  })
  it('takes the minimum from the caller (configuration)', () => {
    const t = { commune: tally('c', 8), villages: [tally('a', 8)], questions: [] }
    expect(suppressTally(t, 5).suppressed).toBe(false)
    expect(suppressTally(t, 10).villages[0]?.valid).toBeNull()
  })
})
