/** Asia/Ho_Chi_Minh is UTC+7 all year (no DST since 1975), so a fixed offset is exact. */
const VN_OFFSET_MS = 7 * 3_600_000
const HOUR = 3_600_000

export function vnHourOf(ms: number): number {
  return new Date(ms + VN_OFFSET_MS).getUTCHours()
}

/** Start of the VN calendar day containing `ms`, as UTC ms. */
function vnDayStart(ms: number): number {
  const local = ms + VN_OFFSET_MS
  return local - (local % (24 * HOUR)) - VN_OFFSET_MS
}

/** True inside the daily sending window [start, end) in VN hours. */
export function inSendWindow(ms: number, w: { start: number; end: number }): boolean {
  const h = vnHourOf(ms)
  return h >= w.start && h < w.end
}

/** The next instant ≥ `ms` at `hour`:00 VN (today or tomorrow). */
export function nextVnHour(ms: number, hour: number): number {
  const t = vnDayStart(ms) + hour * HOUR
  return t > ms ? t : t + 24 * HOUR
}

/** Next VN midnight: the daily quota resets then (ZALO.md §7.2 step 11). */
export function nextVnMidnight(ms: number): number {
  return vnDayStart(ms) + 24 * HOUR
}

/** When the window next opens (ms itself when already open). */
export function nextWindowOpen(ms: number, w: { start: number; end: number }): number {
  return inSendWindow(ms, w) ? ms : nextVnHour(ms, w.start)
}
