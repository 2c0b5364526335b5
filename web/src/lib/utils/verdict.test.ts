import type { Tally } from '@app/shared'
import { describe, expect, it } from 'vitest'
import { explainVerdict, villageCoverageLabel } from './verdict.js'

const base: Tally = {
  unitId: 'c',
  name: 'Biển Bạch',
  households: 76,
  participated: 72,
  valid: 72,
  satisfied: 71,
  notSatisfied: 1,
  coverage: 72 / 76,
  rate: 71 / 72,
  interval: { low: 0.95, high: 0.999 },
  bounds: { worst: 71 / 76, best: 75 / 76 },
  verdict: 'meets',
  robustness: 'clear',
}
const rule = { thresholdBp: 9000, coverageBp: 7000, coverageScope: 'village' as const }

describe('explainVerdict', () => {
  it('states a pass with the exact rate and what the interval and bounds mean', () => {
    const lines = explainVerdict(base, rule)
    expect(lines[0]).toContain('Đạt: tỷ lệ hài lòng và tỷ lệ hộ tham gia đều đạt yêu cầu')
    expect(lines[0]).toContain('98,61 %')
    expect(lines.join(' ')).toContain('Khoảng tin cậy 95 %')
    expect(lines.join(' ')).toContain('kết quả vững')
    expect(lines.at(-1)).toContain('đều không hài lòng')
  })
  it('says coverage failed before judging the rate', () => {
    expect(explainVerdict({ ...base, verdict: 'insufficient_coverage' }, rule)[0]).toContain(
      'Chưa đạt: tỷ lệ hộ tham gia chưa đạt mức tối thiểu: có thôn/ấp',
    )
  })
  it('flags a marginal result as advisory', () => {
    expect(explainVerdict({ ...base, robustness: 'marginal' }, rule).join(' ')).toContain('sát ngưỡng')
  })
  it('has nothing to conclude without ballots', () => {
    expect(explainVerdict({ ...base, verdict: 'no_data', valid: 0 }, rule)).toEqual(['Chưa có phiếu hợp lệ nên chưa thể kết luận.'])
  })
})

describe('villageCoverageLabel', () => {
  it('labels the village coverage check', () => {
    expect(villageCoverageLabel('meets_coverage')).toEqual({ text: 'Đủ', cls: 'ok' })
    expect(villageCoverageLabel('insufficient_coverage')).toEqual({ text: 'Chưa đủ', cls: 'warn' })
    expect(villageCoverageLabel('no_data')).toEqual({ text: '—', cls: '' })
  })
})
