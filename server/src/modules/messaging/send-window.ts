import { nextVnHour, vnHourOf } from '@app/shared'

/** True inside the daily sending window [start, end) in Vietnam hours. */
export function inSendWindow(ms: number, w: { start: number; end: number }): boolean {
  const h = vnHourOf(ms)
  return h >= w.start && h < w.end
}

/** When the window next opens (ms itself when already open). */
export function nextWindowOpen(ms: number, w: { start: number; end: number }): number {
  return inSendWindow(ms, w) ? ms : nextVnHour(ms, w.start)
}
