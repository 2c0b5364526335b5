/**
 * Injectable clock. Drives token expiry, daily-quota reset, the night window and the 7-day CS window
 * (ZALO.md §7.5 `/__fake/clock`). Real-time waits (webhook ladder, receipt delay) use timers scaled by `timeScale`.
 */

export interface Clock {
  now(): number
}

/** A clock that can be set, advanced and frozen; wraps a base clock (default `Date.now`). */
export class FakeClock implements Clock {
  private offset = 0
  private frozenAt: number | null = null

  constructor(private readonly base: () => number = Date.now) {}

  now(): number {
    return this.frozenAt ?? this.base() + this.offset
  }

  set(ms: number): void {
    if (this.frozenAt !== null) this.frozenAt = ms
    else this.offset = ms - this.base()
  }

  advance(ms: number): void {
    if (this.frozenAt !== null) this.frozenAt += ms
    else this.offset += ms
  }

  freeze(at?: number): void {
    this.frozenAt = at ?? this.now()
  }

  unfreeze(): void {
    if (this.frozenAt === null) return
    this.offset = this.frozenAt - this.base()
    this.frozenAt = null
  }

  get frozen(): boolean {
    return this.frozenAt !== null
  }
}

/** A clock frozen at `start` (ms, ISO string or Date). */
export function fixedClock(start: number | string | Date): FakeClock {
  const c = new FakeClock()
  c.freeze(toMs(start))
  return c
}

export function toMs(t: number | string | Date): number {
  if (typeof t === 'number') return t
  const ms = (t instanceof Date ? t : new Date(t)).getTime()
  if (Number.isNaN(ms)) throw new Error(`invalid time: ${String(t)}`)
  return ms
}

/** Asia/Ho_Chi_Minh is UTC+7 all year (no DST since 1975), so a fixed offset is exact. */
const VN_OFFSET_MS = 7 * 3_600_000

export function vnHour(ms: number): number {
  return new Date(ms + VN_OFFSET_MS).getUTCHours()
}

/** Calendar day in Vietnam, e.g. "2025-06-01" — the daily quota resets at 00:00 VN (§7.2 step 11). */
export function vnDayKey(ms: number): string {
  return new Date(ms + VN_OFFSET_MS).toISOString().slice(0, 10)
}

export interface NightWindow {
  startHour: number
  endHour: number
}

/** True inside [startHour, endHour) VN time, wrapping midnight (§1.5, §7.2 step 9: 22:00–06:00). */
export function inNightWindow(ms: number, w: NightWindow): boolean {
  const h = vnHour(ms)
  return w.startHour > w.endHour ? h >= w.startHour || h < w.endHour : h >= w.startHour && h < w.endHour
}
