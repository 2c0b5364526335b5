import { describe, expect, it } from 'vitest'
import type { RoundTally, Tally } from '../schemas/round.js'
import { hiddenQuestionCells, hiddenVillages, isSmallCell, suppressRoundTally, suppressSmall } from './privacy.js'

const tally = (unitId: string, valid: number, satisfied = valid, participated = valid): Tally => ({
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

function round(villages: Tally[], byChannel = { link: 0, paper: 0, meeting: 0 }): RoundTally {
  const valid = villages.reduce((a, v) => a + v.valid, 0)
  const satisfied = villages.reduce((a, v) => a + v.satisfied, 0)
  return {
    roundId: 'r',
    status: 'sealed',
    thresholdBp: 9000,
    coverageBp: 7000,
    coverageScope: 'village',
    commune: { ...tally('c', valid, satisfied), verdict: 'meets' },
    villages,
    questions: [
      { key: 'q1', valid, satisfied, rate: valid ? satisfied / valid : null },
      { key: 'q9', valid, satisfied, rate: valid ? satisfied / valid : null },
    ],
    byChannel,
  }
}

describe('suppressSmall', () => {
  it('withholds 1 … min−1 and keeps 0 and min', () => {
    expect([0, 1, 4, 5, 6].map((n) => suppressSmall(n))).toEqual([0, null, null, 5, 6])
    expect(suppressSmall(9, 10)).toBeNull()
    expect(suppressSmall(null)).toBeNull()
    expect(isSmallCell(3)).toBe(true)
    expect(isSmallCell(0)).toBe(false)
  })
})

describe('suppressRoundTally', () => {
  it('withholds a small village and the next smallest, so the commune minus the shown villages gives nothing back', () => {
    const t = round([tally('a', 12, 12), tally('b', 3, 2), tally('c', 7, 6), tally('d', 20, 18)], { link: 30, paper: 10, meeting: 2 })
    const s = suppressRoundTally(t, 5)
    expect(s.villages.map((v) => [v.unitId, v.valid, v.suppressed])).toEqual([
      ['a', 12, false],
      ['b', null, true],
      ['c', null, true],
      ['d', 20, false],
    ])
    const b = s.villages[1]
    for (const k of ['valid', 'satisfied', 'notSatisfied', 'rate', 'interval', 'bounds', 'robustness'] as const) expect(b?.[k]).toBeNull()
    // coverage is public while the round is open: it stays
    expect(b).toMatchObject({ households: 40, participated: 3, verdict: 'meets_coverage' })
    expect(s.commune).toMatchObject({ valid: 42, satisfied: 38, suppressed: false })
    // 2 meeting ballots beside a shown participation total: withheld with the next smallest channel
    expect(s.byChannel).toEqual({ link: 30, paper: null, meeting: null })
    expect(s).toMatchObject({ suppressed: true, minCell: 5 })
    expect(hiddenVillages(t, 5)).toEqual(new Set(['b', 'c']))
  })

  it('withholds the commune itself when it has fewer than min ballots, and every question of it', () => {
    const s = suppressRoundTally(round([tally('a', 3, 3)]), 5)
    expect(s.commune).toMatchObject({ valid: null, rate: null, suppressed: true })
    expect(s.questions.every((q) => q.rate === null && q.suppressed)).toBe(true)
  })

  it('keeps everything when no cell is small, and takes the minimum from the caller', () => {
    const t = round([tally('a', 8), tally('b', 9)])
    expect(suppressRoundTally(t, 5).suppressed).toBe(false)
    expect(suppressRoundTally(t, 10).villages.map((v) => v.valid)).toEqual([null, null])
  })

  it('a failed per-village check on a withheld village names no village and gives no numbers', () => {
    const t = round([tally('a', 12, 12), tally('b', 3, 1), tally('c', 6, 6)])
    t.rules = {
      ruleSet: null,
      evaluation: {
        verdict: 'below_threshold',
        failed: ['every_question_per_village'],
        bars: [
          {
            bar: { kind: 'every_question_per_village', minBp: 9000 },
            met: false,
            valueHundredths: 3333,
            failures: [
              { unitId: 'b', unitName: 'b', questionKey: 'q1', num: 1, den: 3 },
              { unitId: 'b', unitName: 'b', questionKey: 'q9', num: 1, den: 3 },
            ],
          },
        ],
      },
    }
    const bar = suppressRoundTally(t, 5).rules?.evaluation.bars[0]
    expect(bar?.valueHundredths).toBeNull()
    expect(bar?.failures).toEqual([{ unitId: null, unitName: null, questionKey: null, num: null, den: null, suppressed: true }])
  })

  it('question × village cells follow the withheld villages and add their own small cells', () => {
    const villages = [{ unitId: 'a' }, { unitId: 'b' }, { unitId: 'c' }]
    const counts = new Map([
      ['q1|a', 10],
      ['q1|b', 10],
      ['q1|c', 10],
      ['q2|a', 10],
      ['q2|b', 2],
      ['q2|c', 10],
    ])
    expect(hiddenQuestionCells(['q1', 'q2'], villages, counts, new Set())).toEqual(new Set(['q2|b', 'q2|a']))
  })
})
