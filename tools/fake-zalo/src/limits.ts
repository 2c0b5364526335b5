/** Rate limit (§7.2 step 10) and daily quota (§7.2 steps 7 and 11, §1.5). */
import { vnDayKey } from './clock.ts'

/**
 * Token bucket refilled in real (monotonic) time, not on the fake clock: a frozen test clock must not stop the
 * refill, and drain-rate measurements need wall time. `monotonic` is injectable for deterministic tests.
 */
export class TokenBucket {
  private tokens: number
  private last: number

  constructor(
    private readonly limits: () => { perSecond: number; burst: number },
    private readonly monotonic: () => number,
  ) {
    this.tokens = limits().burst
    this.last = monotonic()
  }

  tryTake(): boolean {
    const { perSecond, burst } = this.limits()
    const now = this.monotonic()
    this.tokens = Math.min(burst, this.tokens + ((now - this.last) / 1000) * perSecond)
    this.last = now
    if (this.tokens < 1) return false
    this.tokens -= 1
    return true
  }

  /** For the `X-RateLimit-Remain` header (§1.5 [S]). */
  remaining(): number {
    return Math.floor(this.tokens)
  }

  reset(): void {
    this.tokens = this.limits().burst
    this.last = this.monotonic()
  }
}

/** Units used per Vietnam calendar day; "resets at 00:00 VN on the fake clock" (§7.2 step 11). */
export class DailyCounter {
  private used = new Map<string, number>()

  usedOn(now: number): number {
    return this.used.get(vnDayKey(now)) ?? 0
  }

  remaining(now: number, limit: number): number {
    return Math.max(0, limit - this.usedOn(now))
  }

  take(now: number): void {
    const k = vnDayKey(now)
    this.used.set(k, (this.used.get(k) ?? 0) + 1)
  }

  /** Control plane: pretend `n` units were already used today. */
  setUsed(now: number, n: number): void {
    this.used.set(vnDayKey(now), n)
  }

  clear(): void {
    this.used.clear()
  }
}
