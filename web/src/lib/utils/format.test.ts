import { describe, expect, it } from 'vitest'
import {
  bpToInput,
  bpToPercentVi,
  formatDayVi,
  formatInt,
  formatPercentVi,
  formatPhoneVi,
  formatRatioVi,
  percentInputProblem,
  percentInputToBp,
} from './format.js'

describe('Vietnamese number formatting', () => {
  it('reproduces the published figures exactly (shared formatters)', () => {
    expect(formatRatioVi(11_679, 11_683)).toBe('99,97 %')
    expect(formatRatioVi(11_683, 16_226)).toBe('72,00 %')
    expect(formatRatioVi(71, 72)).toBe('98,61 %')
    expect(formatRatioVi(0, 0)).toBe('—')
    expect(formatPercentVi(0.9)).toBe('90,00 %')
  })

  it('shows basis points as percents and reads typed percents back', () => {
    expect(bpToPercentVi(9000)).toBe('90,00 %')
    expect(bpToInput(9050)).toBe('90,5')
    expect(percentInputToBp('90')).toBe(9000)
    expect(percentInputToBp('90,5')).toBe(9050)
    expect(percentInputToBp('72.25 %')).toBe(7225)
    expect(percentInputToBp('101')).toBeNull()
    expect(percentInputToBp('abc')).toBeNull()
    expect(percentInputToBp('')).toBeNull()
  })

  it('groups thousands the Vietnamese way', () => {
    expect(formatInt(16_226)).toBe('16.226')
  })
})

describe('formatPhoneVi and formatDayVi', () => {
  it('writes a stored 84… phone the Vietnamese way and leaves anything else alone', () => {
    expect(formatPhoneVi('84912345678')).toBe('0912 345 678')
    expect(formatPhoneVi('+1 555')).toBe('+1 555')
  })
  it('writes a YYYY-MM-DD day as dd/mm/yyyy', () => {
    expect(formatDayVi('2025-06-01')).toBe('01/06/2025')
  })
})

describe('percentInputProblem', () => {
  it('says why a threshold cannot be used', () => {
    expect(percentInputProblem('150', 'Ngưỡng')).toBe('Ngưỡng phải từ 0 đến 100 %.')
    expect(percentInputProblem('abc', 'Ngưỡng')).toBe('Ngưỡng phải là một số, ví dụ 90 hoặc 92,5.')
    expect(percentInputProblem('', 'Ngưỡng')).toBe('Hãy nhập ngưỡng.')
    expect(percentInputProblem('90,5', 'Ngưỡng')).toBeNull()
  })
})
