/**
 * A fixed-window, in-memory store for @fastify/rate-limit that every route SHARES (the plugin's own
 * LocalStore gives each route a fresh store, so `groupId` alone would not make several endpoints
 * draw on one budget). Keys already carry the group id; entries expire with their window.
 */
interface Entry {
  current: number
  start: number
}

export class SharedWindowStore {
  private readonly map = new Map<string, Entry>()

  incr(key: string, cb: (err: Error | null, res: { current: number; ttl: number }) => void, timeWindow: number): void {
    const now = Date.now()
    let e = this.map.get(key)
    if (!e || e.start + timeWindow <= now) {
      e = { current: 0, start: now }
      if (this.map.size > 50_000) this.prune(now, timeWindow)
    }
    e.current++
    this.map.set(key, e)
    cb(null, { current: e.current, ttl: e.start + timeWindow - now })
  }

  read(key: string, cb: (err: Error | null, res: { current: number; ttl: number }) => void, timeWindow: number): void {
    const now = Date.now()
    const e = this.map.get(key)
    if (!e || e.start + timeWindow <= now) cb(null, { current: 0, ttl: timeWindow })
    else cb(null, { current: e.current, ttl: e.start + timeWindow - now })
  }

  child(): SharedWindowStore {
    return this
  }

  private prune(now: number, timeWindow: number): void {
    for (const [k, e] of this.map) if (e.start + timeWindow <= now) this.map.delete(k)
  }
}
