import { AsyncLocalStorage } from 'node:async_hooks'
import { sql } from 'drizzle-orm'
import { PG_LOCK_KEYS } from './cluster-locks.js'
import { type AppDb, type AppTx, READ_SNAPSHOT } from './engine.js'

/**
 * Type parsers for the PostgreSQL drivers, so rows read through the SQLite tables of schema.ts map as they do on
 * SQLite: json/jsonb come back as their JSON text (the SQLite json columns JSON.parse what they read; an object
 * would not survive that) and int8 (bigint columns, count(*)) as a JS number (every such value stays below 2^53:
 * epoch milliseconds, row counts, sequence numbers). Keyed by type oid.
 */
export const PG_TYPE_PARSERS: Record<number, (value: string) => unknown> = {
  114: (v) => v,
  3802: (v) => v,
  20: (v) => Number(v),
}

/** The drizzle PostgreSQL database (node-postgres or PGlite) pgAppDb wraps: only what it calls is typed. */
interface PgDrizzle {
  transaction(work: (tx: any) => Promise<unknown>, config?: unknown): Promise<unknown>
}

/** The methods of a drizzle database that issue a statement: inside a transaction's async context they go to it. */
const ROUTED = new Set<PropertyKey>([
  'select',
  'selectDistinct',
  'selectDistinctOn',
  'insert',
  'update',
  'delete',
  'execute',
  '$count',
  'with',
  '$with',
  'query',
])

const pgScope = new AsyncLocalStorage<{ tx: AppTx }>()

/**
 * SQLite's `{ behavior: 'immediate' }` marks a transaction that reads and then writes what it read (a household
 * code free in the village, a decision not yet recorded): it takes the write lock before reading, so two of them
 * run one after the other. READ COMMITTED alone would let two such transactions both read "free" and both write,
 * one of them then failing on a unique key (a 500) or, without one, writing a duplicate. They take one cluster-wide
 * advisory lock instead, held to the end of the transaction: the same order as on SQLite, among these transactions
 * only (the ballot paths lock per round, sealing locks the round's row). They are staff operations, a few per minute.
 */
async function takeWriteTurn(tx: AppTx): Promise<void> {
  await (tx as unknown as { execute(q: unknown): Promise<unknown> }).execute(
    sql`SELECT pg_advisory_xact_lock(${PG_LOCK_KEYS.immediateWrites}::bigint)`,
  )
}

/**
 * A drizzle node-postgres or PGlite database as the AppDb every repository uses (tables of schema.ts work on it
 * as they are: same table and column names; see PG_TYPE_PARSERS for the reads). Transactions behave as on SQLite's
 * single connection: a `db.transaction` opened inside a transaction's async context is a savepoint of it (not a
 * second pool connection, which would wait on the first one's row locks), and a statement issued on `db` there
 * runs inside that transaction (on PGlite, whose one connection a transaction holds, it would otherwise wait forever).
 */
export function pgAppDb(pgdb: PgDrizzle): AppDb {
  const begin = pgdb.transaction.bind(pgdb)
  const transaction = async (work: (tx: AppTx) => Promise<unknown>, config?: { behavior?: string }): Promise<unknown> => {
    const immediate = config?.behavior === 'immediate'
    const current = pgScope.getStore()
    if (current)
      return (current.tx as AppTx).transaction(async (sp) => {
        if (immediate) await takeWriteTurn(sp)
        return await pgScope.run({ tx: sp }, () => work(sp))
      })
    return begin(async (tx: AppTx) => {
      if (immediate) await takeWriteTurn(tx)
      return await pgScope.run({ tx }, () => work(tx))
    })
  }
  const readSnapshot = async <T>(work: () => Promise<T>): Promise<T> => {
    // inside a transaction already: its statements are the ones to read with
    if (pgScope.getStore()) return await work()
    return (await begin((tx: AppTx) => pgScope.run({ tx }, () => work()), {
      isolationLevel: 'repeatable read',
      accessMode: 'read only',
    })) as T
  }
  return new Proxy(pgdb as object, {
    get(target, prop) {
      if (prop === 'transaction') return transaction
      if (prop === READ_SNAPSHOT) return readSnapshot
      const scope = ROUTED.has(prop) ? pgScope.getStore() : undefined
      const source = (scope ? scope.tx : target) as Record<PropertyKey, unknown>
      const value = Reflect.get(source, prop, source)
      return typeof value === 'function' ? value.bind(source) : value
    },
  }) as AppDb
}
