import { AsyncLocalStorage } from 'node:async_hooks'
import type Database from 'better-sqlite3'
import { is, type SQL, sql } from 'drizzle-orm'
import { PgDialect } from 'drizzle-orm/pg-core'
import type { SQLiteAsyncDialect, SQLiteTable } from 'drizzle-orm/sqlite-core'
import { type AsyncRemoteCallback, drizzle as drizzleProxy, type SqliteRemoteDatabase } from 'drizzle-orm/sqlite-proxy'
import type { Db } from './client.js'
import * as schema from './schema.js'

/**
 * The one query API every repository uses, whatever the engine: drizzle's asynchronous builders (awaited, never
 * `.all()/.get()/.run()`), typed against the SQLite schema. On PostgreSQL the same object is drizzle's node-postgres
 * database over tables built from that schema (schema-pg.ts), so one repository serves both engines.
 */
export type AppDb = SqliteRemoteDatabase<typeof schema>
export type AppTx = Parameters<Parameters<AppDb['transaction']>[0]>[0]
/** A repository method takes either the database or the caller's transaction. */
export type Conn = AppDb | AppTx

/**
 * SQLite has one connection per process and transactions that now await between statements, so the process keeps
 * one write lock: a transaction holds it from BEGIN to COMMIT, and a statement issued outside that transaction (by
 * another request whose code ran meanwhile) waits for it instead of running inside someone else's transaction —
 * where a rollback would take it along. The synchronous paths (group commit, landing) take the same lock.
 */
export class WriteLock {
  private held = false
  private readonly waiters: (() => void)[] = []
  /** The transaction scope that holds the lock, if a transaction does. */
  owner: TxScope | undefined

  acquire(): Promise<void> | undefined {
    if (!this.held) {
      this.held = true
      return undefined
    }
    return new Promise<void>((resolve) => this.waiters.push(resolve))
  }

  release(): void {
    const next = this.waiters.shift()
    // handed straight to the next waiter (FIFO): a steady stream of statements cannot starve a transaction
    if (next) next()
    else this.held = false
  }

  get busy(): boolean {
    return this.held
  }

  /** Run synchronous work on the connection while holding the lock (group commit, landing, checkpoints). */
  async exclusive<T>(work: () => T): Promise<T> {
    const scope = txScope.getStore()
    if (scope && this.owner === scope) return work()
    const wait = this.acquire()
    if (wait) await wait
    try {
      return work()
    } finally {
      this.release()
    }
  }
}

interface TxScope {
  lock: WriteLock
  tx: AppTx | undefined
}

const txScope = new AsyncLocalStorage<TxScope>()
const locks = new WeakMap<Database.Database, WriteLock>()
const asyncDbs = new WeakMap<Database.Database, AppDb>()
/** session → the SQLite connection behind an async database or one of its transactions (for raw SQL). */
const sessions = new WeakMap<object, Database.Database>()

/** The write lock of a SQLite connection (one per connection, shared by the async API and the synchronous paths). */
export function writeLockOf(db: Db | Database.Database): WriteLock {
  const client = 'prepare' in db ? db : db.$client
  let lock = locks.get(client)
  if (!lock) {
    lock = new WriteLock()
    locks.set(client, lock)
  }
  return lock
}

type Method = 'run' | 'all' | 'values' | 'get'

/**
 * The asynchronous API over a synchronous better-sqlite3 connection (drizzle's sqlite-proxy driver): statements
 * are prepared once per SQL text, rows come back as arrays for drizzle to map, and every statement and
 * transaction goes through the connection's write lock. One per connection.
 */
export function asyncDb(db: Db): AppDb {
  const client = db.$client
  const existing = asyncDbs.get(client)
  if (existing) return existing
  const lock = writeLockOf(client)
  const statements = new Map<string, Database.Statement>()
  const prepare = (sql: string): Database.Statement => {
    let st = statements.get(sql)
    if (st) {
      // most recently used last: the oldest is dropped first once the cache is full
      statements.delete(sql)
    } else {
      st = client.prepare(sql)
      if (statements.size >= 1000) statements.delete(statements.keys().next().value as string)
    }
    statements.set(sql, st)
    return st
  }
  const execute = (sql: string, params: unknown[], method: Method): { rows: unknown; changes?: number } => {
    const st = prepare(sql)
    if (method === 'run' || !st.reader) {
      const r = st.run(...params)
      return { rows: [], changes: r.changes }
    }
    st.raw(true)
    if (method === 'get') return { rows: st.get(...params) }
    return { rows: st.all(...params) }
  }
  const callback = async (sql: string, params: unknown[], method: Method) => {
    const scope = txScope.getStore()
    if (scope && lock.owner === scope) return execute(sql, params, method)
    const wait = lock.acquire()
    if (wait) await wait
    try {
      return execute(sql, params, method)
    } finally {
      lock.release()
    }
  }
  const adb = drizzleProxy(callback as unknown as AsyncRemoteCallback, { schema }) as AppDb
  sessions.set((adb as unknown as { session: object }).session, client)
  const begin = adb.transaction.bind(adb)
  adb.transaction = (async (work: (tx: AppTx) => Promise<unknown>, config?: Parameters<AppDb['transaction']>[1]) => {
    const current = txScope.getStore()
    // a transaction opened inside one is a savepoint of it, as better-sqlite3's nested transactions were
    if (current && lock.owner === current && current.tx) return current.tx.transaction(work)
    const wait = lock.acquire()
    if (wait) await wait
    const scope: TxScope = { lock, tx: undefined }
    lock.owner = scope
    try {
      return await txScope.run(scope, () =>
        begin(
          (tx) => {
            scope.tx = tx
            return work(tx)
          },
          // the write lock is taken up front: another process (a CLI script) writing meanwhile makes us wait
          // busy_timeout instead of failing on commit
          { behavior: 'immediate', ...config },
        ),
      )
    } finally {
      lock.owner = undefined
      lock.release()
    }
  }) as AppDb['transaction']
  asyncDbs.set(client, adb)
  return adb
}

function sqliteClientOf(conn: Conn): Database.Database | undefined {
  return sessions.get((conn as unknown as { session: object }).session)
}

function isPg(conn: Conn): boolean {
  return is((conn as unknown as { dialect: object }).dialect, PgDialect)
}

/** Raw SQL returning rows as objects, on either engine, inside `conn`'s transaction when it is one. */
export async function rawAll<T>(conn: Conn, query: SQL): Promise<T[]> {
  if (isPg(conn)) {
    const res = await (conn as unknown as { execute(q: SQL): Promise<{ rows: T[] }> }).execute(query)
    return res.rows
  }
  const client = sqliteClientOf(conn)
  if (!client) throw new Error('rawAll: not a Hài Lòng database handle')
  const dialect = (conn as unknown as { dialect: SQLiteAsyncDialect }).dialect
  const { sql, params } = dialect.sqlToQuery(query)
  const lock = writeLockOf(client)
  return lock.exclusive(() => {
    const st = client.prepare(sql)
    if (st.reader) return st.all(...params) as T[]
    st.run(...params)
    return []
  })
}

export async function rawGet<T>(conn: Conn, query: SQL): Promise<T | undefined> {
  return (await rawAll<T>(conn, query))[0]
}

/** Raw SQL that changes rows; the number of rows it changed. */
export async function rawRun(conn: Conn, query: SQL): Promise<number> {
  if (isPg(conn)) {
    const res = await (conn as unknown as { execute(q: SQL): Promise<{ rowCount?: number | null; affectedRows?: number }> }).execute(query)
    // node-postgres says rowCount, PGlite affectedRows
    return res.rowCount ?? res.affectedRows ?? 0
  }
  const client = sqliteClientOf(conn)
  if (!client) throw new Error('rawRun: not a Hài Lòng database handle')
  const dialect = (conn as unknown as { dialect: SQLiteAsyncDialect }).dialect
  const { sql, params } = dialect.sqlToQuery(query)
  return writeLockOf(client).exclusive(() => client.prepare(sql).run(...params).changes)
}

/** The first row of a query's result (the async API has no `.get()` on PostgreSQL). */
export async function first<T>(rows: PromiseLike<T[]>): Promise<T | undefined> {
  return (await rows)[0]
}

/** How many rows an awaited insert/update/delete without RETURNING changed, on either engine. */
export function affected(result: unknown): number {
  const r = result as { changes?: number; rowCount?: number | null; affectedRows?: number }
  return r.changes ?? r.rowCount ?? r.affectedRows ?? 0
}

/** Whether `conn` is a PostgreSQL handle (for the few places where the engines differ on purpose). */
export function isPostgres(conn: Conn): boolean {
  return isPg(conn)
}

/**
 * ORDER BY terms for "in the order rows were inserted": SQLite's rowid; PostgreSQL has none, so its creation time,
 * then its physical position (ctid: append order for rows never moved by an update) for rows of the same tick.
 */
export function insertionOrder(conn: Conn, table: SQLiteTable): SQL[] {
  if (isPg(conn)) {
    const created = (table as unknown as Record<string, unknown>).createdAt
    return created ? [sql`${created}`, sql`${table}.ctid`] : [sql`${table}.ctid`]
  }
  return [sql`${table}.rowid`]
}

/** The SQLite connection behind an async handle (SQLite-only paths: pragmas, checkpoints, the group commit). */
export function sqliteOf(conn: Conn): Database.Database | undefined {
  return sqliteClientOf(conn)
}

/** The one row an INSERT/UPDATE … RETURNING gave back (the async API has no `.get()` on PostgreSQL). */
export async function one<T>(rows: PromiseLike<T[]>): Promise<T> {
  const [row] = await rows
  if (row === undefined) throw new Error('expected a row back')
  return row
}

/** Where a PostgreSQL AppDb keeps its one-snapshot read (engine-pg.ts); SQLite's has none. */
export const READ_SNAPSHOT = Symbol.for('hailong.readSnapshot')

/**
 * Run reads that must agree with one another (a ledger against its ballots, counters against a recount) as of one
 * moment. PostgreSQL: in a REPEATABLE READ, READ ONLY transaction, every statement on `db` inside going to it, so a
 * landing or an acceptance that commits meanwhile is either wholly seen or not at all (under READ COMMITTED each
 * statement saw the latest commits, and a check could pair the ballots from before a landing with the counters from
 * after it). SQLite: as they are, on its one connection, where each landing is one synchronous transaction.
 */
export async function inReadSnapshot<T>(db: AppDb, work: () => Promise<T>): Promise<T> {
  const snapshot = (db as unknown as Record<symbol, ((w: () => Promise<T>) => Promise<T>) | undefined>)[READ_SNAPSHOT]
  return snapshot ? await snapshot(work) : await work()
}
