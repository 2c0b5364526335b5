import { describe, expect, it } from 'vitest'
import {
  formatBpVi,
  formatCountVi,
  formatDateTimeVi,
  formatDateVi,
  formatFractionVi,
  formatPhoneVi,
  formatRateVi,
  parseDateVi,
} from './format.js'
import { cleanLinkToken } from './link-token.js'

describe('one formatting rule per figure kind', () => {
  it('groups counts the Vietnamese way', () => {
    expect(formatCountVi(3096)).toBe('3.096')
    expect(formatCountVi(1_234_567)).toBe('1.234.567')
    expect(formatCountVi(null)).toBe('—')
  })

  it('writes a rate and the interval around it with the same two decimals', () => {
    expect(formatRateVi(11_679, 11_683)).toBe('99,97 %')
    expect(formatRateVi(5, 5)).toBe('100,00 %')
    expect(formatRateVi(1, 0)).toBe('—')
    expect(formatFractionVi(0.71318)).toBe('71,32 %')
    expect(formatFractionVi(0.713)).toBe('71,30 %')
    expect(formatFractionVi(null)).toBe('—')
    expect(formatBpVi(9000)).toBe('90,00 %')
  })

  it('writes every day dd/MM/yyyy: instants in Vietnam time, calendar days as they are', () => {
    expect(formatDateVi('2026-12-05')).toBe('05/12/2026')
    expect(formatDateVi('2025-06-30')).toBe('30/06/2025')
    // 20:00 UTC on 4 December is already 5 December in Vietnam
    expect(formatDateVi('2026-12-04T20:00:00.000Z')).toBe('05/12/2026')
    expect(formatDateTimeVi('2026-12-04T20:05:00.000Z')).toBe('03:05 05/12/2026')
    expect(formatDateVi(null)).toBe('—')
  })

  it('reads a typed dd/mm/yyyy day back and refuses days that do not exist', () => {
    expect(parseDateVi('05/12/2026')).toBe('2026-12-05')
    expect(parseDateVi('5/1/2026')).toBe('2026-01-05')
    expect(parseDateVi('31/02/2026')).toBeNull()
    expect(parseDateVi('12-05')).toBeNull()
  })

  it('writes a stored phone as people say it', () => {
    expect(formatPhoneVi('84912345678')).toBe('0912 345 678')
    expect(formatPhoneVi(null)).toBe('')
  })
})

describe('cleanLinkToken', () => {
  const token = 'AbCdEfGhIjKlMnOpQr_-12'
  it.each(['.', ')', ').', ',', '!', '?', '"', '…', '>', ']'])('strips a trailing %s a chat app glued on', (p) => {
    expect(cleanLinkToken(`${token}${p}`)).toBe(token)
  })
  it('keeps a clean token, including its - and _', () => {
    expect(cleanLinkToken(token)).toBe(token)
  })
})
