/**
 * `pnpm db:copy --to postgres://…`: the demo seed (plus an open round with links, participations and pending
 * ballots) copied from a real SQLite file into a fresh PostgreSQL database by the CLI as a child process. The copy
 * must be identical (row counts and per-table digests, checked here apart from the CLI's own check), verified
 * (`pnpm verify-ledger`'s whole check, every round, on PostgreSQL), keep no answering order in PostgreSQL's heap, refuse
 * a target that holds rows (exit 2); the verification must name a ballot changed in the file before the copy, and
 * a ballot or a sealed root changed in the copy afterwards.
 *
 * Needs a PostgreSQL server (TEST_DATABASE_URL): the CLI connects to a URL, which PGlite in-process does not give.
 */
import { spawn } from 'node:child_process'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import pg from 'pg'
import { Pool } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { copyPlan, pgDigests, quote, sqliteDigests } from '../../scripts/lib/db-copy.js'
import {
  cloneTemplate,
  freshDatabase,
  migratedTemplate,
  PG_SKIP_REASON,
  type TestDatabase,
  testDatabaseUrl,
} from '../helpers/pg-provision.js'
import { allSatisfied, overallNo } from '../helpers/rounds.js'
import { openFile, prepareRound, ROOT, type RunningServer, serverEnv, startServer, tempDir } from './helpers/server.js'

const url = testDatabaseUrl()
/** Without a server the tests are reported skipped, and their name says what they need. */
const title = (t: string) => (url ? t : `${t} (${PG_SKIP_REASON})`)

function run(
  script: string,
  args: string[],
  dbPath: string,
  extra: Record<string, string> = {},
): Promise<{ code: number | null; out: string; ms: number }> {
  const started = performance.now()
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
      cwd: ROOT,
      env: serverEnv(dbPath, 0, extra),
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    p.stdout.on('data', (d) => {
      out += d
    })
    p.stderr.on('data', (d) => {
      out += d
    })
    p.on('exit', (code) => resolve({ code, out, ms: performance.now() - started }))
  })
}

async function withPg<T>(dbUrl: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: dbUrl })
  await c.connect()
  try {
    return await fn(c)
  } finally {
    await c.end()
  }
}

// made when the tests run: a skipped file runs no afterAll to remove it
let tmp: ReturnType<typeof tempDir>
let source: string
const plan = copyPlan()
const cleanup: Array<() => Promise<void>> = []
let target: TestDatabase
let copy: { code: number | null; out: string; ms: number }
let server: RunningServer | undefined

// several databases to drop, each closing its sessions first
afterAll(async () => {
  await server?.kill9()
  for (const f of cleanup.reverse()) await f()
  tmp?.cleanup()
}, 60_000)

describe.skipIf(!url)(title('pnpm db:copy: SQLite → PostgreSQL'), () => {
  beforeAll(async () => {
    tmp = tempDir('hailong-db-copy-')
    source = join(tmp.dir, 'hailong.db')
    // the demo seed the way an install gets it (pnpm db:seed): units, 23,935 households, a sealed and two open rounds
    const seeded = await run('scripts/seed.ts', [], source)
    expect(seeded.code, seeded.out).toBe(0)
    // and an open round with links (invitations), households that answered (participations) and ballots waiting to land
    const { tokens } = await prepareRound(source, 40)
    const file = openFile(source)
    try {
      for (const [i, t] of tokens.slice(0, 25).entries())
        await file.services.ballots.submit(t, { answers: i % 3 ? allSatisfied : overallNo }, { ip: '127.0.0.1', userAgent: 'test' })
    } finally {
      file.close()
    }
    target = await freshDatabase('copy')
    cleanup.push(target.drop)
    copy = await run('scripts/db-copy.ts', ['--to', target.url, '--from', source], source)
  }, 180_000)

  it('copies every table: the CLI reports identical digests and a verified ledger, and says its speed', () => {
    expect(copy.code, copy.out).toBe(0)
    expect(copy.out).toContain('row counts and content digests identical')
    expect(copy.out).toContain('verified 5 rounds on the copy: all ok')
    expect(copy.out).not.toContain('BROKEN')
    const speed = /copied (\d+) rows of (\d+) tables in one transaction: (\d+) ms, ([\d,]+) rows\/s/.exec(copy.out)
    expect(speed, copy.out).not.toBeNull()
    console.log(
      `db:copy of the demo seed: ${speed?.[1]} rows in ${speed?.[3]} ms (${speed?.[4]} rows/s) inside the transaction; the whole CLI ${Math.round(copy.ms)} ms (start-up, migrations, digests, verification)\n${copy.out}`,
    )
  })

  it('the copy has the same rows as the file: counts per table, and the same digests computed here', async () => {
    const sqlite = new Database(source, { readonly: true })
    try {
      const counts = await withPg(target.url, async (c) => {
        const out: Record<string, number> = {}
        for (const t of plan) out[t.name] = (await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${quote(t.name)}`)).rows[0]!.n
        return out
      })
      const expected = Object.fromEntries(
        plan.map((t) => [t.name, (sqlite.prepare(`SELECT count(*) AS n FROM ${quote(t.name)}`).get() as { n: number }).n]),
      )
      expect(counts).toEqual(expected)
      // every table the seed and the open round fill is there, the anonymity-sensitive ones included
      for (const t of ['households', 'ballots', 'ledger', 'participations', 'invitations', 'pending_ballots', 'feedback', 'sealed_results'])
        expect(counts[t], t).toBeGreaterThan(0)
      expect(counts.pending_ballots).toBe(25)

      const target_ = await withPg(target.url, (c) => pgDigests(c, plan))
      expect(target_).toEqual(sqliteDigests(sqlite, plan))

      // values have PostgreSQL's types, not SQLite's storage: json objects, booleans, integers
      const one = sqlite.prepare('SELECT id, answers, overall_satisfied, ledger_seq FROM ballots ORDER BY id LIMIT 1').get() as {
        id: string
        answers: string
        overall_satisfied: number
        ledger_seq: number
      }
      const row = await withPg(
        target.url,
        async (c) =>
          (
            await c.query(
              // json_typeof: the column holds JSON, whatever text parser the process set for json (db/src/pg.ts)
              `SELECT answers::text AS answers, json_typeof(answers) AS kind, overall_satisfied, ledger_seq FROM ballots WHERE id = $1`,
              [one.id],
            )
          ).rows[0],
      )
      expect({ ...row, answers: JSON.parse(row.answers) }).toEqual({
        answers: JSON.parse(one.answers),
        kind: 'object',
        overall_satisfied: one.overall_satisfied === 1,
        ledger_seq: one.ledger_seq,
      })
    } finally {
      sqlite.close()
    }
  })

  it('the heap keeps key order, not answering order: household-side and ballot-side rows sit in random-key order', async () => {
    // Pearson's r over ranks (Spearman's rho) between a table's heap order (ctid) and an order
    const rho = (table: string, order: string) =>
      withPg(target.url, async (c) => {
        const r = await c.query<{ r: number }>(
          `SELECT corr(h, k)::float8 AS r FROM (SELECT row_number() OVER (ORDER BY ctid) h, row_number() OVER (ORDER BY ${order}) k FROM ${table}) x`,
        )
        return r.rows[0]!.r
      })
    expect(await rho('participations', 'round_id COLLATE "C", household_id COLLATE "C"')).toBe(1)
    expect(await rho('invitations', 'id COLLATE "C"')).toBeGreaterThan(0.99)
    expect(await rho('pending_ballots', 'id COLLATE "C"')).toBeGreaterThan(0.99)
    // a ballot's size varies (reasons, comments): a small one may fill an earlier page's gap, so close to key order
    expect(await rho('ballots', 'id COLLATE "C"')).toBeGreaterThan(0.99)
    expect(await rho('feedback', 'id COLLATE "C"')).toBeGreaterThan(0.99)
    // and unrelated to the order ballots were cast in (the ledger)
    expect(Math.abs(await rho('ballots', 'round_id, ledger_seq'))).toBeLessThan(0.1)
  })

  it('reports the whole verification of every round of the copy, the sealed one against its sealed root', async () => {
    const rounds = await withPg(
      target.url,
      async (c) => (await c.query<{ id: string; status: string }>('SELECT id, status FROM rounds')).rows,
    )
    expect(rounds).toHaveLength(5)
    for (const r of rounds) expect(copy.out).toMatch(new RegExp(`^  ok {6}${r.id}  \\d+ entries  root [0-9a-f]{64}`, 'm'))
    const sealed = rounds.filter((r) => r.status === 'sealed')
    expect(sealed).toHaveLength(1)
    const line = new RegExp(`^  ok {6}${sealed[0]!.id}  (\\d+) entries  root ([0-9a-f]{64})  sealed root ([0-9a-f]{64})`, 'm').exec(
      copy.out,
    )
    expect(line, copy.out).not.toBeNull()
    expect(Number(line![1])).toBeGreaterThan(0)
    expect(line![3]).toBe(line![2])
  })

  it('names a ballot changed in the file before the copy: digests agree, the verification does not (exit 1)', async () => {
    const bad = join(tmp.dir, 'tampered-source.db')
    const src = new Database(source, { readonly: true })
    try {
      await src.backup(bad)
    } finally {
      src.close()
    }
    const sqlite = new Database(bad)
    let ballot: { id: string; round_id: string }
    try {
      ballot = sqlite
        .prepare("SELECT b.id, b.round_id FROM ballots b JOIN rounds r ON r.id = b.round_id WHERE r.status = 'open' ORDER BY b.id LIMIT 1")
        .get() as { id: string; round_id: string }
      // a comment rewritten, as someone with the sqlite3 shell could
      sqlite.prepare("UPDATE ballots SET comment = coalesce(comment, '') || ' (sửa)' WHERE id = ?").run(ballot.id)
    } finally {
      sqlite.close()
    }
    const db = await freshDatabase('copy_bad_source')
    cleanup.push(db.drop)
    const res = await run('scripts/db-copy.ts', ['--to', db.url, '--from', bad], bad)
    rmSync(bad, { force: true })
    expect(res.code, res.out).toBe(1)
    expect(res.out).toContain('row counts and content digests identical')
    expect(res.out).toMatch(new RegExp(`^  BROKEN  ${ballot.round_id}  open `, 'm'))
    expect(res.out).toMatch(new RegExp(`chain: ballot_mismatch at ledger seq \\d+, ballot ${ballot.id}`))
    expect(res.out).toContain('verified 5 rounds on the copy: 1 BROKEN')
    expect(res.out).toContain('FAILED')
  })

  it('refuses a second copy into the same (now filled) database with exit 2 and changes nothing', async () => {
    const before = await withPg(target.url, (c) => pgDigests(c, plan))
    const again = await run('scripts/db-copy.ts', ['--to', target.url, '--from', source], source)
    expect(again.code, again.out).toBe(2)
    expect(again.out).toContain('already holds data')
    expect(again.out).toContain('ballots')
    expect(await withPg(target.url, (c) => pgDigests(c, plan))).toEqual(before)
  })

  it('accepts a database with only the migrations applied (and an empty SQLite file copies to zero rows)', async () => {
    const empty = join(tmp.dir, 'empty.db')
    const migrated = await run('scripts/migrate.ts', [], empty)
    expect(migrated.code, migrated.out).toBe(0)
    const db = await cloneTemplate(await migratedTemplate(), 'copy_migrated')
    cleanup.push(db.drop)
    const res = await run('scripts/db-copy.ts', ['--to', db.url], empty)
    expect(res.code, res.out).toBe(0)
    expect(res.out).toContain('copied 0 rows')
    expect(res.out).toContain('verified 0 rounds on the copy: all ok')
  })

  it('inserts rows that reference their own table parents first, and rows referencing each other (a successor cycle) too', async () => {
    const file = join(tmp.dir, 'cycle.db')
    const migrated = await run('scripts/migrate.ts', [], file)
    expect(migrated.code, migrated.out).toBe(0)
    const sqlite = new Database(file)
    const unit = sqlite.prepare('INSERT INTO units (id, kind, name, code, parent_id, successor_id) VALUES (?, ?, ?, ?, ?, ?)')
    // keys chosen so that key order puts every child before its parent, and two communes each other's successor
    sqlite.pragma('foreign_keys = OFF')
    unit.run('f0', 'province', 'Tỉnh', 'T', null, null)
    unit.run('e0', 'commune', 'Xã A', 'A', 'f0', 'e1')
    unit.run('e1', 'commune', 'Xã B', 'B', 'f0', 'e0')
    unit.run('a0', 'village', 'Ấp 1', 'A-1', 'e0', null)
    sqlite.close()
    const db = await freshDatabase('copy_cycle')
    cleanup.push(db.drop)
    const res = await run('scripts/db-copy.ts', ['--to', db.url, '--from', file], file)
    expect(res.code, res.out).toBe(0)
    expect(res.out).toContain('row counts and content digests identical')
    const rows = await withPg(db.url, async (c) => (await c.query('SELECT id, parent_id, successor_id FROM units ORDER BY id')).rows)
    expect(rows).toEqual([
      { id: 'a0', parent_id: 'e0', successor_id: null },
      { id: 'e0', parent_id: 'f0', successor_id: 'e1' },
      { id: 'e1', parent_id: 'f0', successor_id: 'e0' },
      { id: 'f0', parent_id: null, successor_id: null },
    ])
  })

  it('names a ballot answer and a sealed root changed in the copy after it was made', async () => {
    // a copy of the copy (CREATE DATABASE … TEMPLATE), so the other tests keep an untouched one
    const tampered = await cloneTemplate(target.name, 'copy_tampered')
    cleanup.push(tampered.drop)
    const changed = await withPg(tampered.url, async (c) => {
      const open = (
        await c.query<{ id: string; round_id: string; key: string }>(
          `SELECT b.id, b.round_id, (SELECT k FROM json_object_keys(b.answers) k ORDER BY k LIMIT 1) AS key
             FROM ballots b JOIN rounds r ON r.id = b.round_id WHERE r.status = 'open' ORDER BY b.id COLLATE "C" LIMIT 1`,
        )
      ).rows[0]!
      // one answer flipped, as an administrator with psql would
      await c.query(
        `UPDATE ballots SET answers = jsonb_set(answers::jsonb, ARRAY[$2, 'satisfied'], to_jsonb(NOT (answers -> $2 ->> 'satisfied')::boolean)) WHERE id = $1`,
        [open.id, open.key],
      )
      const sealed = (await c.query<{ round_id: string }>('SELECT round_id FROM sealed_results')).rows[0]!
      await c.query(`UPDATE sealed_results SET ledger_root_hash = repeat('a', 64) WHERE round_id = $1`, [sealed.round_id])
      return { ballot: open, sealedRound: sealed.round_id }
    })
    // the verification db:copy ran, run on its own against the changed copy (the same code: pnpm verify-ledger)
    const res = await run('scripts/verify-ledger.ts', [], source, { DATABASE_URL: tampered.url })
    expect(res.code, res.out).toBe(1)
    expect(res.out).toMatch(new RegExp(`^BROKEN  ${changed.ballot.round_id}  open `, 'm'))
    expect(res.out).toMatch(new RegExp(`chain: ballot_mismatch at ledger seq \\d+, ballot ${changed.ballot.id}`))
    expect(res.out).toMatch(new RegExp(`^BROKEN  ${changed.sealedRound}  sealed `, 'm'))
    expect(res.out).toContain(`sealed_root: ledger root`)
    expect(res.out).toContain(`≠ sealed root ${'a'.repeat(64)}`)
    // the rounds nobody touched still pass
    expect(res.out.match(/^ok {6}/gm)).toHaveLength(3)
    // the copy the test made first is untouched
    const first = await run('scripts/verify-ledger.ts', [], source, { DATABASE_URL: target.url })
    expect(first.code, first.out).toBe(0)
  }, 180_000)

  it('copies a file the server is writing to: one snapshot, identical and verified, without stopping the server', async () => {
    const live = join(tmp.dir, 'live', 'hailong.db')
    const { tokens } = await prepareRound(live, 1200)
    server = await startServer(live)
    const pool = new Pool(server.base, { connections: 4 })
    const submit = async (t: string, i: number) => {
      const res = await pool.request({
        method: 'POST',
        path: `/api/ballots/${t}`,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ answers: i % 3 ? allSatisfied : overallNo }),
      })
      await res.body.dump()
      return res.statusCode
    }
    for (const [i, t] of tokens.slice(0, 100).entries()) expect(await submit(t, i)).toBe(201)
    // ballots keep arriving, paced, during the whole copy
    let stop = false
    let written = 100
    const writer = (async () => {
      for (let i = 100; i < tokens.length && !stop; i += 2) {
        const codes = await Promise.all(tokens.slice(i, i + 2).map((t, j) => submit(t, i + j)))
        expect(codes.every((c) => c === 201)).toBe(true)
        written += codes.length
        await new Promise((r) => setTimeout(r, 5))
      }
    })()
    await new Promise((r) => setTimeout(r, 200))
    const db = await freshDatabase('copy_live')
    cleanup.push(db.drop)
    const before = written
    const res = await run('scripts/db-copy.ts', ['--to', db.url], live)
    const after = written
    stop = true
    await writer
    await pool.close()
    await server.stop()
    server = undefined
    expect(res.code, res.out).toBe(0)
    expect(after - before, 'ballots arrived during the copy').toBeGreaterThan(0)
    // the copy holds the snapshot: at least what was accepted before it started, at most what was accepted before it ended
    const copied = await withPg(
      db.url,
      async (c) => (await c.query<{ n: number }>('SELECT count(*)::int AS n FROM participations')).rows[0]!.n,
    )
    expect(copied).toBeGreaterThanOrEqual(before)
    expect(copied).toBeLessThanOrEqual(after)
    console.log(
      `db:copy beside a running server: ${after - before} ballots accepted during the copy; the copy holds ${copied} of ${written}`,
    )
  }, 120_000)
})
