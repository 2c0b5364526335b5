/**
 * The synchronous `db` handle tests use for fixtures and inspection (factories.ts, `db.select()…all()`,
 * `db.$client.prepare(…)`), on a PostgreSQL test database: a stand-in for the better-sqlite3 connection whose
 * statements run on PostgreSQL through a worker thread holding its own connection, the test thread blocking on
 * Atomics.wait until the answer is there. drizzle's better-sqlite3 driver sits on top, so the tests' SQLite-typed
 * queries are built as for SQLite; the SQL is adjusted where the dialects differ in what the tests send (`?`
 * placeholders, the SQLite timestamp default, sqlite_master). Statements commit at once (autocommit), so the app's
 * own connections see them. Test-only; SQLite-specific raw SQL in a test (`active = 0` on a boolean, pragmas)
 * still fails here, loudly.
 */
import { createRequire } from 'node:module'
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads'
import { type Db, schema } from '@app/db'
import { drizzle } from 'drizzle-orm/better-sqlite3'

const WORKER = `
const { workerData } = require('node:worker_threads')
const pg = require(workerData.pgPath)
for (const [oid, kind] of workerData.parsers) pg.types.setTypeParser(oid, kind === 'number' ? (v) => Number(v) : (v) => v)
const { port, flag, url } = workerData
const client = new pg.Client({ connectionString: url })
const ready = client.connect()
port.on('message', async (msg) => {
  let out
  try {
    await ready
    if (msg.end) { await client.end(); out = { ok: true } }
    else {
      const r = await client.query({ text: msg.text, values: msg.values, rowMode: msg.raw ? 'array' : undefined })
      out = { rows: r.rows, rowCount: r.rowCount ?? 0, hasFields: (r.fields ?? []).length > 0 }
    }
  } catch (e) {
    out = { error: { message: e.message, code: e.code } }
  }
  port.postMessage(out)
  Atomics.store(flag, 0, 1)
  Atomics.notify(flag, 0)
})
`

interface Answer {
  rows: unknown[]
  rowCount: number
  hasFields: boolean
  error?: { message: string; code?: string }
}

const SQLITE_NOW = `(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`
const PG_NOW = `to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`

const BOOLEAN_LITERAL =
  /\b(active|disabled|revoked|provisional|double_entry|historical|link_enabled|overall_satisfied|against_verdict)(\s*=\s*)([01])\b/g

/** SQLite SQL as the tests send it → PostgreSQL: `?` → `$n` (outside quotes), the few SQLite-only spellings. */
function translate(sqlText: string): string {
  let n = 0
  let out = ''
  let quote: string | null = null
  for (const ch of sqlText.replaceAll(SQLITE_NOW, PG_NOW)) {
    if (quote) {
      if (ch === quote) quote = null
    } else if (ch === "'" || ch === '"') quote = ch
    else if (ch === '?') {
      out += `$${++n}`
      continue
    }
    out += ch
  }
  return (
    out
      .replace(/sqlite_master WHERE type = 'table' AND name =/gi, "pg_tables WHERE schemaname = 'public' AND tablename =")
      // the columns of a table (structural checks such as "no household column on ballots")
      .replace(
        /^\s*PRAGMA table_info\((\w+)\)\s*$/i,
        "SELECT column_name AS name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = '$1' ORDER BY ordinal_position",
      )
      // SQLite's booleans are 1/0 in the tests' SQL (`SET active = 0`); PostgreSQL's are not integers. Only the
      // boolean columns whose name no integer column shares (`valid` is also a counter of tally_counters).
      .replace(BOOLEAN_LITERAL, (_m, col: string, eq: string, v: string) => `${col}${eq}${v === '1' ? 'true' : 'false'}`)
  )
}

/** A better-sqlite3-shaped connection over a PostgreSQL database (see the module comment). */
class SyncPgClient {
  readonly open = true
  readonly name = 'postgres'
  inTransaction = false
  private readonly worker: Worker
  private readonly port
  private readonly flag = new Int32Array(new SharedArrayBuffer(4))
  private depth = 0

  constructor(url: string) {
    const { port1, port2 } = new MessageChannel()
    this.port = port1
    const pgPath = createRequire(import.meta.url).resolve('pg')
    this.worker = new Worker(WORKER, {
      eval: true,
      workerData: {
        port: port2,
        flag: this.flag,
        url,
        pgPath,
        parsers: [
          [114, 'text'],
          [3802, 'text'],
          [20, 'number'],
        ],
      },
      transferList: [port2],
    })
    this.worker.unref()
  }

  query(text: string, values: unknown[], raw: boolean): Answer {
    Atomics.store(this.flag, 0, 0)
    this.port.postMessage({ text: translate(text), values: values.map((v) => (typeof v === 'bigint' ? v.toString() : v)), raw })
    Atomics.wait(this.flag, 0, 0)
    const msg = receiveMessageOnPort(this.port)?.message as Answer | undefined
    if (!msg) throw new Error('pg-sync: no answer from the worker')
    if (msg.error) throw Object.assign(new Error(`${msg.error.message} [${text}]`), { code: msg.error.code })
    return msg
  }

  prepare(text: string) {
    const client = this
    let raw = false
    let pluck = false
    const params = (args: unknown[]) =>
      args.length === 1 && args[0] !== null && typeof args[0] === 'object' && !Buffer.isBuffer(args[0])
        ? named(text, args[0] as Record<string, unknown>)
        : { text, values: args }
    const rows = (args: unknown[]) => {
      const p = params(args)
      const r = client.query(p.text, p.values, raw || pluck)
      return pluck ? r.rows.map((row) => (row as unknown[])[0]) : r.rows
    }
    const st = {
      reader: /^\s*(select|with|values)\b/i.test(text) || /\breturning\b/i.test(text),
      raw(on = true) {
        raw = on
        return st
      },
      pluck(on = true) {
        pluck = on
        return st
      },
      run(...args: unknown[]) {
        const p = params(args)
        return { changes: client.query(p.text, p.values, false).rowCount, lastInsertRowid: 0 }
      },
      all: (...args: unknown[]) => rows(args),
      get: (...args: unknown[]) => rows(args)[0],
      *iterate(...args: unknown[]) {
        yield* rows(args)
      },
    }
    return st
  }

  exec(text: string) {
    this.query(text, [], false)
    return this
  }

  pragma(): never {
    throw new Error('pg-sync: a pragma is SQLite-only (this test needs TEST_ENGINE=sqlite)')
  }

  transaction<A extends unknown[], T>(fn: (...args: A) => T) {
    const run = (...args: A): T => {
      const sp = `pgsync_${this.depth}`
      this.query(this.depth === 0 ? 'BEGIN' : `SAVEPOINT ${sp}`, [], false)
      this.depth++
      this.inTransaction = true
      try {
        const out = fn(...args)
        this.depth--
        this.query(this.depth === 0 ? 'COMMIT' : `RELEASE SAVEPOINT ${sp}`, [], false)
        return out
      } catch (e) {
        this.depth--
        this.query(this.depth === 0 ? 'ROLLBACK' : `ROLLBACK TO SAVEPOINT ${sp}`, [], false)
        throw e
      } finally {
        this.inTransaction = this.depth > 0
      }
    }
    return Object.assign(run, { deferred: run, immediate: run, exclusive: run, default: run })
  }

  close(): void {
    this.port.postMessage({ end: true })
    // not waited for: terminating the worker closes its socket too
    void this.worker.terminate()
  }
}

/** `@name` parameters (better-sqlite3's named binding) → positional. */
function named(text: string, obj: Record<string, unknown>): { text: string; values: unknown[] } {
  const values: unknown[] = []
  const out = text.replace(/[@:$]([A-Za-z_][A-Za-z0-9_]*)/g, (_m, name: string) => {
    values.push(obj[name])
    return '?'
  })
  return { text: out, values }
}

/** A synchronous drizzle `Db` (SQLite-typed) over the PostgreSQL database at `url`. Close with `db.$client.close()`. */
export function syncPgDb(url: string): Db {
  const client = new SyncPgClient(url)
  const db = drizzle(client as never, { schema }) as unknown as Db
  return db
}
