/** Tracks every timer and in-flight task so reset/close can cancel them and tests can await `idle()`. */
export class Scheduler {
  private timers = new Set<NodeJS.Timeout>()
  private inflight = 0
  private waiters: (() => void)[] = []

  /** Run `fn` after `realMs` real milliseconds. */
  after(realMs: number, fn: () => void | Promise<void>): void {
    const t = setTimeout(
      () => {
        this.timers.delete(t)
        void this.track(async () => fn())
      },
      Math.max(0, realMs),
    )
    this.timers.add(t)
  }

  async track<T>(fn: () => Promise<T>): Promise<T> {
    this.inflight++
    try {
      return await fn()
    } finally {
      this.inflight--
      this.notify()
    }
  }

  get pending(): number {
    return this.timers.size + this.inflight
  }

  /** Resolves once nothing is scheduled or running (e.g. all receipts and retries done). */
  idle(): Promise<void> {
    if (this.pending === 0) return Promise.resolve()
    return new Promise((resolve) => this.waiters.push(resolve))
  }

  cancelAll(): void {
    for (const t of this.timers) clearTimeout(t)
    this.timers.clear()
    this.notify()
  }

  private notify(): void {
    if (this.pending !== 0) return
    const w = this.waiters
    this.waiters = []
    for (const f of w) f()
  }
}
