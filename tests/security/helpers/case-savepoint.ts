import { writeLockOf } from '@app/db'
import type Database from 'better-sqlite3'

const BEGIN = /^begin( deferred| immediate| exclusive)?$/

/**
 * Lets a test run each request inside a savepoint it rolls back afterwards (every case sees the same world).
 * The app's transactions are asynchronous: drizzle opens them with `begin immediate`, which SQLite refuses
 * inside the test's savepoint. Installed on the connection before the app first runs a transaction, this
 * turns the app's top-level begin / commit / rollback into a savepoint of the transaction already open, as
 * better-sqlite3 nests its own; with no transaction open (building the world) they run as they are.
 */
export function nestAppTransactions(client: Database.Database): void {
  const prepare = client.prepare.bind(client)
  // one entry per begin seen: whether it became a savepoint (the app's transactions take the write lock, so they never interleave)
  const nested: boolean[] = []
  const empty = { changes: 0, lastInsertRowid: 0 }
  client.prepare = ((source: string) => {
    const st = prepare(source)
    const run = st.run.bind(st)
    if (BEGIN.test(source))
      st.run = (...params: unknown[]) => {
        if (!client.inTransaction) {
          const r = run(...params)
          nested.push(false)
          return r
        }
        nested.push(true)
        client.exec('SAVEPOINT app_tx')
        return empty
      }
    else if (source === 'commit')
      st.run = (...params: unknown[]) => {
        if (!nested.pop()) return run(...params)
        client.exec('RELEASE app_tx')
        return empty
      }
    else if (source === 'rollback')
      st.run = (...params: unknown[]) => {
        if (!nested.pop()) return run(...params)
        client.exec('ROLLBACK TO app_tx; RELEASE app_tx')
        return empty
      }
    return st
  }) as Database.Database['prepare']
}

/**
 * Open a savepoint around one case, and roll it back: under the connection's write lock, so never in the middle
 * of a transaction the app has open (nestAppTransactions first).
 */
export async function openCase(client: Database.Database, name: string): Promise<void> {
  await writeLockOf(client).exclusive(() => client.exec(`SAVEPOINT ${name}`))
}

export async function rollBackCase(client: Database.Database, name: string): Promise<void> {
  await writeLockOf(client).exclusive(() => client.exec(`ROLLBACK TO ${name}; RELEASE ${name}`))
}
