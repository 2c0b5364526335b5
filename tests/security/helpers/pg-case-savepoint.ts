import type pg from 'pg'

/**
 * PostgreSQL's counterpart of case-savepoint.ts, on a pool of ONE connection (max 1, no idle timeout): a case is
 * a transaction on that connection, rolled back afterwards, so every case sees the same world.
 *
 * While a case is open, the connection's query is rewritten:
 * - the app's `begin…` (drizzle's transactions, the exports' read-only cursor transaction) becomes a savepoint,
 *   its `commit` a release and its `rollback` a rollback to it, as drizzle nests its own;
 * - a statement outside any app transaction runs in a savepoint of its own: on PostgreSQL a failed statement
 *   aborts the whole transaction, where outside a case it would only have failed itself (a unique key refused
 *   and answered 409 must not turn every later statement of the case into an error).
 * With no case open (building the world) statements run as they are.
 *
 * The pool hands out its one client again once released, so the case's transaction and the app's statements
 * share it; a client lost in between (destroyed after an error) is detected and fails the case loudly, since
 * what ran on its successor committed.
 */
interface CaseState {
  /** The client the case's transaction is open on, or undefined outside a case. */
  client: pg.PoolClient | undefined
  /** Whether an app transaction (now a savepoint) is open on it. */
  appTx: boolean
  /** A client connected while a case was open: the case's transaction is gone. */
  lost: boolean
}

const states = new WeakMap<pg.Pool, CaseState>()

type Query = (...args: unknown[]) => unknown

const BEGIN = /^\s*begin\b/i
const COMMIT = /^\s*(commit|end)\s*;?\s*$/i
const ROLLBACK = /^\s*rollback\s*;?\s*$/i

export function nestPgAppTransactions(pool: pg.Pool): void {
  const state: CaseState = { client: undefined, appTx: false, lost: false }
  states.set(pool, state)
  pool.on('error', () => {
    state.lost = true
  })
  pool.on('connect', (client) => {
    if (state.client) state.lost = true
    const orig = client.query.bind(client) as Query
    const run = (text: string) => orig(text) as Promise<pg.QueryResult>
    const rewrite = async (text: string, config: unknown, values: unknown): Promise<unknown> => {
      if (BEGIN.test(text)) {
        if (state.appTx) throw new Error(`case savepoint: a second app transaction began on the one connection: ${text}`)
        state.appTx = true
        return run('SAVEPOINT app_tx')
      }
      if (state.appTx && COMMIT.test(text)) {
        state.appTx = false
        return run('RELEASE SAVEPOINT app_tx')
      }
      if (state.appTx && ROLLBACK.test(text)) {
        state.appTx = false
        await run('ROLLBACK TO SAVEPOINT app_tx')
        return run('RELEASE SAVEPOINT app_tx')
      }
      if (state.appTx) return orig(config, values)
      await run('SAVEPOINT case_stmt')
      try {
        const r = await (orig(config, values) as Promise<unknown>)
        await run('RELEASE SAVEPOINT case_stmt')
        return r
      } catch (err) {
        await run('ROLLBACK TO SAVEPOINT case_stmt')
        await run('RELEASE SAVEPOINT case_stmt')
        throw err
      }
    }
    ;(client as unknown as { query: Query }).query = (config: unknown, values?: unknown, callback?: unknown) => {
      let cb = callback
      let vals = values
      if (typeof vals === 'function') {
        cb = vals
        vals = undefined
      }
      const submittable = typeof (config as { submit?: unknown } | null)?.submit === 'function'
      const text = typeof config === 'string' ? config : (config as { text?: unknown } | null)?.text
      if (state.client !== client || submittable || typeof text !== 'string') return orig(config, values, callback)
      const p = rewrite(text, config, vals)
      if (typeof cb !== 'function') return p
      p.then(
        (r) => (cb as (e: unknown, r?: unknown) => void)(null, r),
        (e) => (cb as (e: unknown) => void)(e),
      )
      return undefined
    }
  })
}

function stateOf(pool: pg.Pool): CaseState {
  const state = states.get(pool)
  if (!state) throw new Error('case savepoint: nestPgAppTransactions(pool) first')
  return state
}

/** Open a case: BEGIN on the pool's one connection (waits until the app has released it). */
export async function openPgCase(pool: pg.Pool): Promise<void> {
  const state = stateOf(pool)
  if (state.client) throw new Error('case savepoint: a case is already open')
  const client = await pool.connect()
  try {
    await client.query('BEGIN')
    state.client = client
    state.appTx = false
    state.lost = false
  } finally {
    client.release()
  }
}

/** End the case: ROLLBACK on the same connection, once the app has released it. */
export async function rollBackPgCase(pool: pg.Pool): Promise<void> {
  const state = stateOf(pool)
  const client = await pool.connect()
  const opened = state.client
  state.client = undefined
  try {
    if (client !== opened || state.lost)
      throw new Error('case savepoint: the case’s connection was lost (an error destroyed it); what ran after it committed')
    if (state.appTx) throw new Error('case savepoint: the app left a transaction open at the end of the case')
    await client.query('ROLLBACK')
  } finally {
    state.appTx = false
    client.release()
  }
}
