/**
 * A closed-loop HTTP load generator on undici: a Pool of `connections` keep-alive connections with
 * that many requests in flight, each request taking the next body/URL from `next()`, for `durationMs`
 * (or until `next()` runs out). Records every latency and status.
 */
import { Pool } from 'undici'

export interface LoadResult {
  elapsedMs: number
  statuses: Map<number, number>
  latencies: number[]
  errors: number
  /** Indexes (from next()) that got the expected status. */
  ok: number[]
}

export async function runLoad(opts: {
  /** Several origins (instances of one app): the connections are split evenly, worker i on origin i mod n. */
  origin: string | string[]
  connections: number
  durationMs: number
  next: () => { index: number; path: string; body: string } | undefined
  expect: number
  onTick?: (done: number, elapsedMs: number) => void
}): Promise<LoadResult> {
  const origins = Array.isArray(opts.origin) ? opts.origin : [opts.origin]
  const pools = origins.map(
    (o) => new Pool(o, { connections: Math.ceil(opts.connections / origins.length), pipelining: 1, keepAliveTimeout: 30_000 }),
  )
  const statuses = new Map<number, number>()
  const latencies: number[] = []
  const ok: number[] = []
  let errors = 0
  const t0 = performance.now()
  const end = t0 + opts.durationMs
  const tick = setInterval(() => opts.onTick?.(latencies.length, performance.now() - t0), 250)
  async function worker(w: number) {
    const pool = pools[w % pools.length] as Pool
    while (performance.now() < end) {
      const job = opts.next()
      if (!job) return
      const s = performance.now()
      try {
        const res = await pool.request({
          method: 'POST',
          path: job.path,
          headers: { 'content-type': 'application/json' },
          body: job.body,
        })
        await res.body.dump()
        latencies.push(performance.now() - s)
        statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1)
        if (res.statusCode === opts.expect) ok.push(job.index)
      } catch {
        errors++
      }
    }
  }
  await Promise.all(Array.from({ length: opts.connections }, (_, w) => worker(w)))
  const elapsedMs = performance.now() - t0
  clearInterval(tick)
  await Promise.all(pools.map((p) => p.close()))
  return { elapsedMs, statuses, latencies, errors, ok }
}

export function statusSummary(statuses: Map<number, number>): string {
  return [...statuses.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([s, n]) => `${s}×${n}`)
    .join(', ')
}
