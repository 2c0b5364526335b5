/**
 * Move an install from SQLite to PostgreSQL:
 *   pnpm db:copy --to postgres://user:password@host:5432/db [--from ./data/hailong.db]
 * --from defaults to DATABASE_PATH (./data/hailong.db). The target must hold none of our rows (an empty database, or
 * one with only our migrations applied): the copy never merges into live data (exit 2 otherwise).
 *
 * Reads the SQLite file read-only in one read transaction (a consistent snapshot, safe while the server runs; ballots
 * accepted after it started are not in the copy), applies the PostgreSQL migrations to the target, copies every table
 * of the schema in one PostgreSQL transaction, then compares row counts and a content digest per table between
 * the snapshot and the copy, and runs the whole ledger verification on the copy (`pnpm verify-ledger`'s, through the
 * server's services on PostgreSQL), reporting every round. Exit 0: identical and verified; 1: a difference or an
 * error; 2: usage, or the target is not empty. The rest of the configuration comes from the environment as for
 * every script (loadConfig), read before anything is written.
 */
import { resolve } from 'node:path'
import { migratePg } from '@app/db/pg'
import Database from 'better-sqlite3'
import { drizzle } from 'drizzle-orm/node-postgres'
import pg from 'pg'
import { copyPlan, copyTables, pgDigests, quote, sourceSchemaProblem, sqliteDigests, tablesWithRows } from './lib/db-copy.js'
import { verificationLines, verifyRounds } from './lib/verify.js'
import { cliConfig, openContext, shownUrl } from './lib-cli.js'

const USAGE = 'usage: pnpm db:copy --to postgres://user:password@host:5432/db [--from ./data/hailong.db]'

function refuse(message: string): never {
  console.error(message)
  process.exit(2)
}

function parseArgs(argv: string[]): { to: string; from: string } {
  const opts: Record<string, string> = {}
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string
    const m = /^--(to|from)(?:=(.*))?$/.exec(a)
    if (!m) refuse(`unknown argument ${a}\n${USAGE}`)
    const value = m[2] ?? argv[++i]
    if (!value) refuse(`--${m[1]} needs a value\n${USAGE}`)
    opts[m[1] as string] = value
  }
  if (!opts.to) refuse(USAGE)
  if (!/^postgres(ql)?:\/\//.test(opts.to)) refuse(`--to must be a postgres:// URL\n${USAGE}`)
  return { to: opts.to, from: resolve(opts.from ?? process.env.DATABASE_PATH ?? './data/hailong.db') }
}

const rate = (rows: number, ms: number) => Math.round(rows / (ms / 1000)).toLocaleString('en-US')

async function main(): Promise<number> {
  const { to, from } = parseArgs(process.argv.slice(2))
  // the environment the verification opens the copy with: a configuration error stops here, before the copy
  const verifyEnv = { ...process.env, DATABASE_URL: to }
  cliConfig(verifyEnv)
  const plan = copyPlan()

  let sqlite: Database.Database
  try {
    // read-only: the server may be running on this file; WAL lets this reader keep one snapshot while it writes
    sqlite = new Database(from, { readonly: true, fileMustExist: true })
  } catch (e) {
    console.error(`cannot open ${from}: ${(e as Error).message} (set --from or DATABASE_PATH)`)
    return 1
  }
  sqlite.pragma('busy_timeout = 5000')
  const schemaProblem = sourceSchemaProblem(sqlite, from)
  if (schemaProblem) {
    console.error(schemaProblem)
    return 1
  }

  const client = new pg.Client({ connectionString: to })
  let committed = false
  try {
    await client.connect()
  } catch (e) {
    console.error(`cannot connect to ${shownUrl(to)}: ${(e as Error).message}`)
    return 1
  }
  try {
    const occupied = await tablesWithRows(client, plan)
    if (occupied.length > 0)
      refuse(
        `Refusing to copy: ${shownUrl(to)} already holds data (rows in ${occupied.join(', ')}). db:copy only fills an empty database; it never merges into one in use.`,
      )
    await migratePg(drizzle(client))

    console.log(`copying ${from} → ${shownUrl(to)}`)
    const started = performance.now()
    // The snapshot: BEGIN is deferred in SQLite, so the first read fixes what every later read of this transaction sees.
    sqlite.exec('BEGIN')
    sqlite.prepare('SELECT count(*) FROM sqlite_master').get()
    let sourceDigests: ReturnType<typeof sqliteDigests>
    let copiedRows = 0
    let copyMs = 0
    try {
      await client.query('BEGIN')
      try {
        // nobody writes our tables while we fill them (a server started on the target too early waits, then finds rows)
        await client.query(`LOCK TABLE ${plan.map((t) => quote(t.name)).join(', ')} IN ACCESS EXCLUSIVE MODE`)
        const raced = await tablesWithRows(client, plan)
        if (raced.length > 0) {
          await client.query('ROLLBACK')
          refuse(`Refusing to copy: rows appeared in ${raced.join(', ')} of ${shownUrl(to)} while preparing; nothing was copied.`)
        }
        const copied = await copyTables(sqlite, client, plan, (t) => {
          if (t.rows > 0) console.log(`  ${t.table.padEnd(24)} ${String(t.rows).padStart(9)} rows  ${Math.round(t.ms)} ms`)
        })
        await client.query('COMMIT')
        committed = true
        copiedRows = copied.reduce((n, t) => n + t.rows, 0)
        copyMs = performance.now() - started
      } catch (e) {
        await client.query('ROLLBACK').catch(() => {})
        throw e
      }
      // the same snapshot the copy read, so a server writing meanwhile does not make the comparison differ
      sourceDigests = sqliteDigests(sqlite, plan)
    } finally {
      sqlite.exec('COMMIT')
      sqlite.close()
    }
    console.log(
      `copied ${copiedRows} rows of ${plan.length} tables in one transaction: ${Math.round(copyMs)} ms, ${rate(copiedRows, copyMs)} rows/s`,
    )
    // fresh statistics for the planner: a table filled in one transaction has none until autovacuum comes by
    await client.query('ANALYZE')

    const targetDigests = await pgDigests(client, plan)
    const differing: string[] = []
    for (const [i, s] of sourceDigests.entries()) {
      const t = targetDigests[i]
      if (!t || t.table !== s.table || t.rows !== s.rows || t.sha256 !== s.sha256)
        differing.push(
          `  ${s.table}: ${s.rows} rows, sha256 ${s.sha256.slice(0, 16)} in SQLite ≠ ${t?.rows ?? '-'} rows, sha256 ${t?.sha256.slice(0, 16) ?? '-'} in PostgreSQL`,
        )
    }
    if (differing.length === 0)
      console.log(`compared: ${plan.length} tables, row counts and content digests identical (sha256 per table over rows in key order)`)
    else {
      console.log(`compared: ${differing.length} of ${plan.length} tables DIFFER`)
      for (const d of differing) console.log(d)
    }

    const copyCtx = await openContext(verifyEnv, { migrate: false })
    let verified: Awaited<ReturnType<typeof verifyRounds>>
    try {
      console.log('ledger verification on the copy (pnpm verify-ledger):')
      verified = await verifyRounds(copyCtx.services, {
        onRound: (r) => {
          for (const line of verificationLines(r)) console.log(`  ${line}`)
        },
      })
    } finally {
      await copyCtx.close()
    }
    const broken = verified.filter((r) => !r.report.ok).length
    console.log(`verified ${verified.length} rounds on the copy: ${broken === 0 ? 'all ok' : `${broken} BROKEN`}`)
    const ok = differing.length === 0 && broken === 0
    console.log(ok ? `done: ${shownUrl(to)} is an identical, verified copy` : `FAILED: the copy at ${shownUrl(to)} differs from ${from}`)
    return ok ? 0 : 1
  } catch (e) {
    console.error(
      committed
        ? `db:copy failed after the copy was committed to ${shownUrl(to)}: ${(e as Error).message}`
        : `db:copy failed; nothing was written to ${shownUrl(to)} but the migrations: ${(e as Error).message}`,
    )
    return 1
  } finally {
    await client.end().catch(() => {})
  }
}

process.exitCode = await main()
