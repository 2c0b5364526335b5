import { describe, expect, it } from 'vitest'
import { normalizeVnPhone } from './household.js'

describe('normalizeVnPhone', () => {
  it.each([
    ['0912345678', '84912345678'],
    ['0912 345 678', '84912345678'],
    ['0912.345.678', '84912345678'],
    ['0912-345-678', '84912345678'],
    ['(091) 2345678', '84912345678'],
    ['+84 912 345 678', '84912345678'],
    ['+84912345678', '84912345678'],
    ['84912345678', '84912345678'],
    ['0387654321', '84387654321'],
    ['0512345678', '84512345678'],
    ['0712345678', '84712345678'],
    ['0812345678', '84812345678'],
    // a spreadsheet cell stored as a number lost its leading 0
    ['912345678', '84912345678'],
  ])('normalises %s to %s', (raw, expected) => {
    expect(normalizeVnPhone(raw)).toBe(expected)
  })

  it.each([
    ['', 'empty'],
    ['   ', 'blank'],
    ['abc', 'letters'],
    ['091234567', 'too short after 0'],
    ['091234567890', 'too long after 0'],
    ['8491234567', '84 with too few digits'],
    ['+840912345678', 'trunk 0 after the country code'],
    ['00912345678', 'double zero'],
    ['+1 202 555 0100', 'foreign number'],
    ['12345678', 'bare 8 digits'],
    ['112345678', 'bare 9 digits not starting like a mobile'],
    ['0912x345678', 'a letter inside'],
    ['02903123456', 'a landline (no Zalo, no SMS)'],
    ['0412345678', 'not a mobile prefix'],
    ['01612345678', 'an old 11-digit mobile number'],
  ])('rejects %s (%s)', (raw) => {
    expect(normalizeVnPhone(raw)).toBeNull()
  })

  it('is idempotent on its own output', () => {
    for (const raw of ['0912345678', '0512 345 678', '+84 387 654 321']) {
      const once = normalizeVnPhone(raw)
      expect(once).not.toBeNull()
      expect(normalizeVnPhone(once as string)).toBe(once)
    }
  })
})
