/**
 * Vietnam time. Asia/Ho_Chi_Minh is UTC+7 all year (no DST since 1975), so a fixed offset is exact and needs no
 * time-zone database (the resident page runs on old phones). The one place the server, the staff app and the
 * resident page turn instants into Vietnamese days and hours.
 */
export const VN_TIME_ZONE = 'Asia/Ho_Chi_Minh'
export const VN_OFFSET_MS = 7 * 3_600_000
const HOUR = 3_600_000
const DAY = 24 * HOUR

/** Wall-clock time in Vietnam of an instant, as `YYYY-MM-DDTHH:MM:SS.sss` (no zone suffix). */
export function vnWallClock(ms: number): string {
  return new Date(ms + VN_OFFSET_MS).toISOString().slice(0, 23)
}

/** Calendar day in Vietnam of an instant, `YYYY-MM-DD`: participations and ballots keep the day only. */
export function vnDay(d: Date): string {
  return vnWallClock(d.getTime()).slice(0, 10)
}

/** The start (00:00) or end (23:59:59) of a Vietnam day as an ISO timestamp with offset. */
export function vnDayBoundary(day: string, end: boolean): string {
  return `${day}T${end ? '23:59:59' : '00:00:00'}+07:00`
}

/** `dd/mm/yyyy` of an instant in Vietnam time; anything that is not a date comes back as is. */
export function vnDateVi(iso: string): string {
  const t = Date.parse(iso)
  if (Number.isNaN(t)) return iso
  const [y, m, d] = vnWallClock(t).slice(0, 10).split('-')
  return `${d}/${m}/${y}`
}

/** Hour of the day (0–23) in Vietnam. */
export function vnHourOf(ms: number): number {
  return new Date(ms + VN_OFFSET_MS).getUTCHours()
}

/** Start of the Vietnam calendar day containing `ms`, as UTC ms. */
export function vnDayStart(ms: number): number {
  const local = ms + VN_OFFSET_MS
  return local - (((local % DAY) + DAY) % DAY) - VN_OFFSET_MS
}

/** The next instant ≥ `ms` at `hour`:00 Vietnam time (today or tomorrow). */
export function nextVnHour(ms: number, hour: number): number {
  const t = vnDayStart(ms) + hour * HOUR
  return t > ms ? t : t + DAY
}

/** Next midnight in Vietnam. */
export function nextVnMidnight(ms: number): number {
  return vnDayStart(ms) + DAY
}
