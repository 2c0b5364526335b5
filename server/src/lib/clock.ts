/** The only source of "now" on the server, so tests can fix or move time. */
export interface Clock {
  now(): Date
}

export const systemClock: Clock = { now: () => new Date() }

/** A clock that stands still until moved (tests). */
export function fixedClock(iso: string): Clock & { set(iso: string): void; advance(ms: number): void } {
  let t = new Date(iso).getTime()
  return {
    now: () => new Date(t),
    set: (v) => {
      t = new Date(v).getTime()
    },
    advance: (ms) => {
      t += ms
    },
  }
}

/** Calendar day in Vietnam (UTC+7, no DST) of an instant: participations and ballots keep the day only. */
export function vnDay(d: Date): string {
  return new Date(d.getTime() + 7 * 3600_000).toISOString().slice(0, 10)
}
