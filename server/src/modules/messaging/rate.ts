/**
 * Client-side pacing (ZALO.md §8.3): a token bucket so we never provoke Zalo's -32, and exponential backoff with
 * full jitter (base 500 ms, factor 2, cap 30 s).
 */

export class TokenBucket {
  private tokens: number
  private last: number
  private chain: Promise<void> = Promise.resolve()

  /** `burst` defaults to a fifth of a second's worth (at least 1): smooth spacing, little start-up burst. */
  constructor(
    private readonly perSecond: number,
    private readonly burst = Math.max(1, Math.floor(perSecond / 5)),
    private readonly monotonic: () => number = () => performance.now(),
  ) {
    this.tokens = this.burst
    this.last = this.monotonic()
  }

  /** Resolve when a token is available; callers are served in order. Rejects when `signal` aborts. */
  take(signal?: AbortSignal): Promise<void> {
    const next = this.chain.then(() => this.waitOne(signal))
    this.chain = next.catch(() => undefined)
    return next
  }

  private refill(): void {
    const now = this.monotonic()
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.perSecond)
    this.last = now
  }

  private async waitOne(signal?: AbortSignal): Promise<void> {
    for (;;) {
      signal?.throwIfAborted()
      this.refill()
      if (this.tokens >= 1) {
        this.tokens -= 1
        return
      }
      await sleep(Math.max(1, ((1 - this.tokens) / this.perSecond) * 1000), signal)
    }
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason)
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    const onAbort = () => {
      clearTimeout(t)
      reject(signal?.reason)
    }
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

/** Full-jitter backoff for the n-th retry (1-based): uniform in [0, min(cap, base·2^(n-1))]. */
export function backoffMs(attempt: number, opts: { baseMs: number; capMs: number }, random: () => number = Math.random): number {
  const ceiling = Math.min(opts.capMs, opts.baseMs * 2 ** Math.max(0, attempt - 1))
  return Math.floor(random() * ceiling)
}
