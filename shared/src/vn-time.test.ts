import { describe, expect, it } from 'vitest'
import { nextVnHour, nextVnMidnight, vnDateVi, vnDay, vnDayBoundary, vnDayStart, vnHourOf, vnWallClock } from './vn-time.js'

describe('Vietnam time (UTC+7)', () => {
  it('puts 17:00 UTC on the next Vietnamese day', () => {
    expect(vnDay(new Date('2025-06-14T16:59:59Z'))).toBe('2025-06-14')
    expect(vnDay(new Date('2025-06-14T17:00:00Z'))).toBe('2025-06-15')
    expect(vnDay(new Date('2025-06-30T18:00:00Z'))).toBe('2025-07-01')
    expect(vnWallClock(Date.parse('2025-06-14T17:30:00Z'))).toBe('2025-06-15T00:30:00.000')
  })

  it('writes days as Vietnamese people do and keeps non-dates', () => {
    expect(vnDateVi('2025-06-14T16:59:59Z')).toBe('14/06/2025')
    expect(vnDateVi('2025-06-14T17:00:00Z')).toBe('15/06/2025')
    expect(vnDateVi('not a date')).toBe('not a date')
    expect(vnDayBoundary('2025-07-01', true)).toBe('2025-07-01T23:59:59+07:00')
    expect(vnDayBoundary('2025-07-01', false)).toBe('2025-07-01T00:00:00+07:00')
  })

  it('finds hours, day starts and the next hour or midnight in Vietnam', () => {
    const t = Date.parse('2025-06-14T20:15:00Z') // 03:15 on the 15th in Vietnam
    expect(vnHourOf(t)).toBe(3)
    expect(new Date(vnDayStart(t)).toISOString()).toBe('2025-06-14T17:00:00.000Z')
    expect(new Date(nextVnHour(t, 6)).toISOString()).toBe('2025-06-14T23:00:00.000Z')
    expect(new Date(nextVnHour(t, 2)).toISOString()).toBe('2025-06-15T19:00:00.000Z')
    expect(new Date(nextVnMidnight(t)).toISOString()).toBe('2025-06-15T17:00:00.000Z')
    expect(vnDayStart(Date.parse('1969-12-31T20:00:00Z'))).toBe(Date.parse('1969-12-31T17:00:00Z'))
  })
})
