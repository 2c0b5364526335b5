import { SIGNAL_KEYS } from '@app/shared'
import { describe, expect, it } from 'vitest'
import { formatSignalNumber, SIGNAL_LABELS } from './integrity.js'

describe('formatSignalNumber', () => {
  it('shows counts as integers and shares as Vietnamese percentages', () => {
    expect(formatSignalNumber('collector_day_burst', 1565)).toBe('1.565')
    expect(formatSignalNumber('link_open_burst', 15)).toBe('15')
    expect(formatSignalNumber('fast_completion', 0.15)).toBe('15,00 %')
    expect(formatSignalNumber('straight_lining', 0.0474)).toBe('4,74 %')
  })

  it('shows "—" when there is no data', () => {
    expect(formatSignalNumber('shared_device', null)).toBe('—')
  })

  it('has a Vietnamese name for every signal the server can send', () => {
    for (const k of SIGNAL_KEYS) expect(SIGNAL_LABELS[k]).toMatch(/\S/)
  })
})
