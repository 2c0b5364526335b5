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
    // landline: 0 + 10-digit national number (area code 290 is Cà Mau)
    ['02903 123 456', '842903123456'],
    ['842903123456', '842903123456'],
    // a spreadsheet cell stored as a number lost its leading 0
    ['912345678', '84912345678'],
    ['2903123456', '842903123456'],
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
  ])('rejects %s (%s)', (raw) => {
    expect(normalizeVnPhone(raw)).toBeNull()
  })

  it('is idempotent on its own output', () => {
    for (const raw of ['0912345678', '02903123456', '+84 387 654 321']) {
      const once = normalizeVnPhone(raw)
      expect(once).not.toBeNull()
      expect(normalizeVnPhone(once as string)).toBe(once)
    }
  })
})
