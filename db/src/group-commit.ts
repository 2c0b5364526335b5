import type { Db } from './client.js'
import { writeLockOf } from './engine.js'

/**
 * Group commit: write jobs queued during one turn of the event loop run in ONE write transaction
 * (BEGIN IMMEDIATE … COMMIT), each inside its own savepoint, and every caller's promise settles only
 * after that COMMIT returned. A job that throws rolls back to its savepoint alone; the others commit.
 *
 * Why: with synchronous=NORMAL in WAL mode most of a small transaction's cost is BEGIN/COMMIT and the
 * pages written to the WAL. Fifty residents submitting at once share one commit instead of paying
 * fifty. Nothing is acknowledged before it is durable, exactly as with one transaction per job.
 *
 * Jobs are synchronous and run on the connection directly (prepared statements of the same Db); they
 * must not open a transaction of their own (that would nest a BEGIN). A commit waits for the connection's write
 * lock (engine.ts): an asynchronous transaction open meanwhile finishes first.
 */
export interface GroupCommit {
  run<T>(job: () => T): Promise<T>
  /** Jobs waiting for the next commit (for tests and metrics). */
  readonly pending: number
}

interface Queued {
  job: () => unknown
  resolve: (v: unknown) => void
  reject: (e: unknown) => void
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown }

export function createGroupCommit(db: Db, opts: { maxBatch?: number } = {}): GroupCommit {
  const maxBatch = opts.maxBatch ?? 256
  const sqlite = db.$client
  let queue: Queued[] = []
  let scheduled = false
  // Inside a transaction, better-sqlite3 runs a nested transaction function as a SAVEPOINT.
  const inSavepoint = sqlite.transaction((job: () => unknown) => job())
  const commitBatch = sqlite.transaction((batch: Queued[]): Outcome[] =>
    batch.map((q) => {
      try {
        return { ok: true, value: inSavepoint(q.job) }
      } catch (error) {
        return { ok: false, error }
      }
    }),
  )

  async function flush() {
    const lock = writeLockOf(db)
    const wait = lock.acquire()
    if (wait) await wait
    scheduled = false
    try {
      drain()
    } finally {
      lock.release()
    }
  }

  function drain() {
    while (queue.length > 0) {
      const batch = queue.length <= maxBatch ? queue : queue.slice(0, maxBatch)
      queue = queue.length <= maxBatch ? [] : queue.slice(maxBatch)
      let outcomes: Outcome[]
      try {
        outcomes = commitBatch.immediate(batch)
      } catch (error) {
        // BEGIN or COMMIT failed (e.g. the lock stayed busy past busy_timeout): nothing of this batch is stored.
        for (const q of batch) q.reject(error)
        continue
      }
      batch.forEach((q, i) => {
        const o = outcomes[i] as Outcome
        if (o.ok) q.resolve(o.value)
        else q.reject(o.error)
      })
    }
  }

  return {
    run<T>(job: () => T): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        queue.push({ job, resolve: resolve as (v: unknown) => void, reject })
        if (!scheduled) {
          scheduled = true
          // after the I/O callbacks of this turn: requests that arrived together commit together
          setImmediate(() => void flush())
        }
      })
    },
    get pending() {
      return queue.length
    },
  }
}
