/**
 * PostgreSQL advisory locks with fixed keys (pg_advisory_lock's bigint), all listed here so no two uses share one,
 * and the two ways the server takes them. Per-round ballot locks hash the round id into the same key space
 * (server/src/modules/ballots/repo-pg.ts); a 64-bit hash meeting one of these few keys is not a concern.
 * SQLite has one process per database: there the work simply runs.
 */
import { sql } from 'drizzle-orm'
import { type AppDb, isPostgres, rawGet } from './engine.js'

export const PG_LOCK_KEYS = {
  /** Migrations at start-up: instances starting together migrate one after the other. */
  migration: 7_283_562_001,
  /** One tick of the round sweeper (close rounds at the end of their window): one instance per tick. */
  roundSweep: 7_283_562_002,
  /** One reminder scan of the outbox worker: one instance per scan. */
  reminderScan: 7_283_562_003,
  /** The Zalo OA token refresh: Zalo's refresh token is single-use, so one rotation at a time in the cluster. */
  zaloTokenRefresh: 7_283_562_004,
  /** Transactions SQLite would begin IMMEDIATE (read, then write what was read): one at a time (engine-pg.ts). */
  immediateWrites: 7_283_562_005,
  /** Seeding at start-up (reference data, or the demo): instances starting together seed one after the other. */
  seed: 7_283_562_006,
} as const

/**
 * Run `work` unless another instance is running the same work now (PostgreSQL: `pg_try_advisory_xact_lock(key)` in
 * a transaction held open around `work`, which uses its own connections). Resolves `{ ran: false }` when skipped.
 */
export async function onceInCluster<T>(db: AppDb, key: number, work: () => Promise<T>): Promise<{ ran: true; value: T } | { ran: false }> {
  if (!isPostgres(db)) return { ran: true, value: await work() }
  return await db.transaction(async (tx) => {
    const got = await rawGet<{ ok: boolean }>(tx, sql`SELECT pg_try_advisory_xact_lock(${key}::bigint) AS ok`)
    if (!got?.ok) return { ran: false as const }
    return { ran: true as const, value: await work() }
  })
}

/**
 * Run `work` while no other instance runs work under the same key (PostgreSQL: waits for
 * `pg_advisory_xact_lock(key)` in a transaction held open around `work`). `work` should re-read whatever made it
 * necessary: the instance that held the lock may have done it already.
 */
export async function inClusterTurn<T>(db: AppDb, key: number, work: () => Promise<T>): Promise<T> {
  if (!isPostgres(db)) return await work()
  return await db.transaction(async (tx) => {
    await rawGet(tx, sql`SELECT pg_advisory_xact_lock(${key}::bigint)`)
    return await work()
  })
}
