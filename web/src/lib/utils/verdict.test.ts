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

describe('explainVerdict with a rule set', () => {
  it('gives the verdict, the rule set and every bar with its figure; a failed bar says where', () => {
    const rules = {
      ruleSet: {
        id: 'rs',
        code: 'TRIEU_SON',
        version: 1,
        name: 'Nâng cao 92/95/98',
        legalBasis: { text: 'Kế hoạch', number: '12/KH-MTTQ', date: '2024-10-01', effectiveFrom: '2024-10-01', effectiveTo: null },
        provisional: false,
      },
      evaluation: {
        verdict: 'below_threshold' as const,
        failed: ['content_average' as const],
        bars: [
          { bar: { kind: 'coverage' as const, scope: 'commune' as const, minBp: 9200 }, met: true, valueHundredths: 9300, failures: [] },
          {
            bar: { kind: 'content_average' as const, minBp: 9500 },
            met: false,
            valueHundredths: 9301,
            failures: [{ unitId: null, unitName: null, questionKey: 'q1', num: 80, den: 93 }],
          },
        ],
      },
    }
    const lines = explainVerdict({ ...base, verdict: 'below_threshold' }, { ...rule, rules }, () => '1')
    expect(lines[0]).toBe('Chưa đạt: tỷ lệ hài lòng thấp hơn mức quy định.')
    expect(lines[1]).toContain('12/KH-MTTQ')
    expect(lines[2]).toBe('Đạt — Tỷ lệ hộ được lấy ý kiến (toàn xã) từ 92,00 % trở lên: 93,00 %.')
    expect(lines[3]).toBe('Chưa đạt — Bình quân tỷ lệ hài lòng các câu nội dung từ 95,00 % trở lên: 93,01 % (câu 1: 80/93).')
  })
})

describe('villageCoverageLabel', () => {
  it('labels the village coverage check', () => {
    expect(villageCoverageLabel('meets_coverage')).toEqual({ text: 'Đủ', cls: 'ok' })
    expect(villageCoverageLabel('insufficient_coverage')).toEqual({ text: 'Chưa đủ', cls: 'warn' })
    expect(villageCoverageLabel('no_data')).toEqual({ text: '—', cls: '' })
  })
})
