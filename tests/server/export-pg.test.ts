/**
 * Exports on PostgreSQL: the round's ballots come from a server-side cursor on one pooled connection, a batch at a
 * time as the client downloads (never the whole round in memory), the file is byte for byte the one SQLite writes
 * for the same ballots, and a client that goes away gives the connection back to the pool. Needs a server
 * (TEST_DATABASE_URL); runs whatever TEST_ENGINE says, against a SQLite app of its own for the comparison.
 */
import { request } from 'node:http'
import type { AddressInfo } from 'node:net'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { type AppDb, asyncDb, ballots, createTestDb, type Db, pgAppDb, rawAll, rawRun } from '@app/db'
import { closePgDb, createPgDb } from '@app/db/pg'
import { buildApp } from '@app/server'
import { fixedClock } from '@app/server/lib/clock.ts'
import { createPgBallotRepo, EXPORT_BATCH } from '@app/server/modules/ballots/repo-pg.ts'
import { sql } from 'drizzle-orm'
import ExcelJS from 'exceljs'
import type { FastifyInstance } from 'fastify'
import { describe, expect, it, onTestFinished } from 'vitest'
import { cloneTemplate, migratedTemplate, PG_SKIP_REASON, testDatabaseUrl } from '../helpers/pg-provision.js'
import { syncPgDb } from '../helpers/pg-sync.js'
import { closeRound, createRound, makeWorld, type World } from '../helpers/rounds.js'
import { testConfig } from '../helpers/test-config.js'

const server = testDatabaseUrl()
const NOW = '2025-06-01T08:00:00Z'

/** A PostgreSQL app with a pool of its own, so the test can see which connections are out. */
async function pgApp() {
  const clone = await cloneTemplate(await migratedTemplate())
  const pgdb = createPgDb(clone.url, { max: 4 })
  const appDb = pgAppDb(pgdb)
  const app = await buildApp({ config: testConfig(), db: appDb, clock: fixedClock(NOW), logger: false })
  await app.ready()
  // no landing ticks borrowing connections while the test counts them
  app.services.ballots.stopLanding()
  const db = syncPgDb(clone.url)
  onTestFinished(async () => {
    await app.close()
    db.$client.close()
    await closePgDb(pgdb)
    await clone.drop()
  })
  return { app, db: db as Db, appDb, pool: pgdb.$client }
}

async function sqliteApp() {
  const db = createTestDb()
  const app = await buildApp({ config: testConfig(), db, clock: fixedClock(NOW), logger: false })
  await app.ready()
  onTestFinished(async () => {
    await app.close()
    db.$client.close()
  })
  return { app, db, appDb: asyncDb(db) }
}

/** A round opened, closed and sealed with no ballot, by the real endpoints. */
async function sealedRound(app: FastifyInstance, db: Db): Promise<{ w: World; roundId: string }> {
  const w = await makeWorld(app, db)
  const r = await createRound(app, w)
  expect((await app.inject({ method: 'POST', url: `/api/rounds/${r.id}/open`, headers: w.auth.xa })).statusCode).toBe(200)
  await closeRound(app, r.id, w.auth.xa)
  expect((await app.inject({ method: 'POST', url: `/api/rounds/${r.id}/seal`, headers: w.auth.xa })).statusCode).toBe(200)
  return { w, roundId: r.id }
}

/** Texts that test the encoders (quotes, separators, line breaks, formulas, controls, emoji); no NUL (jsonb refuses it). */
const TEXTS = [
  '=HYPERLINK("http://evil.example","bấm")',
  '@SUM(1,2)',
  'Dòng 1\r\nDòng 2, có "ngoặc"; và chấm phẩy',
  '  khoảng trắng hai đầu  ',
  'a & b < c > d',
  'điều khiển\u0001\u0008\u000b\u007f ở giữa',
  'emoji 👍 và chữ Hán 漢',
]
const CHANNELS = ['link', 'paper', 'meeting', 'assisted'] as const

/**
 * `n` ballots written straight into the table with fixed ids and receipts (the export reads the table as it is;
 * ballots landed through the app get random ids), the same on either engine: mixed channels, invalid ones,
 * reasons and comments full of what the encoders must handle.
 */
async function writeBallots(appDb: AppDb, roundId: string, villageIds: string[], n: number) {
  const text = (i: number) => TEXTS[i % TEXTS.length] as string
  for (let start = 0; start < n; start += 1_000) {
    const rows: (typeof ballots.$inferInsert)[] = []
    for (let i = start; i < Math.min(n, start + 1_000); i++)
      rows.push({
        id: `b${String(i).padStart(7, '0')}`,
        roundId,
        villageId: villageIds[i % villageIds.length] as string,
        channel: CHANNELS[i % 4] as (typeof CHANNELS)[number],
        answers: {
          q1: i % 4 ? { satisfied: true } : { satisfied: false, reason: text(i) },
          q2: { satisfied: i % 5 !== 0, ...(i % 5 === 0 ? { reason: text(i + 3) } : {}) },
          ...(i % 11 ? { q9: { satisfied: i % 2 === 0 } } : {}),
        },
        overallSatisfied: i % 2 === 0,
        comment: i % 3 === 0 ? text(i + 5) : null,
        contentHash: 'x',
        day: '2025-06-02',
        valid: i % 7 !== 0,
        invalidationReason: i % 7 === 0 ? 'entry_error' : null,
        receipt: `R${i}`,
        ledgerSeq: i + 1,
      })
    await appDb.insert(ballots).values(rows)
  }
}

/** Ballot records in a CSV (cells may hold line breaks: count record starts, the fixed ids). */
const records = (csv: Buffer) => csv.toString('utf8').match(/\r\nb\d{7}[,;]/g)?.length ?? 0

/**
 * `n` ballots made by the server in one statement (a large round in a second or two), alternating between two
 * villages, each with a ~300-character comment.
 */
async function manyBallots(appDb: AppDb, roundId: string, villageIds: string[], n: number) {
  const [v1, v2] = villageIds
  await rawRun(
    appDb,
    sql`INSERT INTO ballots (id, round_id, village_id, channel, answers, overall_satisfied, comment, content_hash, day, valid, receipt, ledger_seq)
      SELECT 'b' || lpad(g::text, 7, '0'), ${roundId}, CASE WHEN g % 2 = 0 THEN ${v1} ELSE ${v2} END, 'link',
        '{"q1":{"satisfied":true},"q2":{"satisfied":false,"reason":"Nước sinh hoạt chưa sạch"},"q9":{"satisfied":true}}'::jsonb,
        true, 'Ý kiến số ' || g || ': ' || repeat('đường làng ngõ xóm ', 16), 'x', '2025-06-02', true, 'R' || g, g
      FROM generate_series(1, ${n}) AS g`,
  )
}

async function get(app: FastifyInstance, url: string, headers: Record<string, string>) {
  const res = await app.inject({ method: 'GET', url, headers })
  expect(res.statusCode).toBe(200)
  return res.rawPayload
}

async function sheets(xlsx: Buffer): Promise<unknown[][][]> {
  const wb = new ExcelJS.Workbook()
  await wb.xlsx.load(xlsx as unknown as ArrayBuffer)
  return wb.worksheets.map((s) => {
    const rows: unknown[][] = []
    s.eachRow((row) => rows.push(row.values as unknown[]))
    return rows
  })
}

/**
 * The connections of this database whose transaction's last (or current) statement is a FETCH: open export cursors.
 * A cursor is caught between two fetches (idle in transaction) or, on a busy machine, in the middle of one (active).
 */
async function openCursors(appDb: AppDb): Promise<number> {
  const [row] = await rawAll<{ n: number }>(
    appDb,
    sql`SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE datname = current_database() AND (state = 'active' OR state LIKE 'idle in transaction%') AND query LIKE 'FETCH%'`,
  )
  return row?.n ?? 0
}

/** The app on a loopback port (a real socket: a client can go away). */
async function listening(app: FastifyInstance): Promise<AddressInfo> {
  await app.listen({ host: '127.0.0.1', port: 0 })
  return app.server.address() as AddressInfo
}

async function until(what: () => Promise<boolean> | boolean, ms = 5_000): Promise<void> {
  const end = Date.now() + ms
  while (!(await what())) {
    if (Date.now() > end) throw new Error('timed out waiting')
    await new Promise((r) => setTimeout(r, 20))
  }
}

describe.skipIf(!server)(`exports on PostgreSQL${server ? '' : ` (skipped: ${PG_SKIP_REASON})`}`, () => {
  it('write the same CSV bytes and the same XLSX cells as SQLite for the same ballots', async () => {
    const N = 5_000
    const [pg, lite] = [await pgApp(), await sqliteApp()]
    const out: { csv: Buffer; codes: Buffer; semicolon: Buffer; xlsx: unknown[][][] }[] = []
    for (const e of [pg, lite]) {
      const { w, roundId } = await sealedRound(e.app, e.db)
      await writeBallots(
        e.appDb,
        roundId,
        w.villages.map((v) => v.id),
        N,
      )
      const url = `/api/rounds/${roundId}/export`
      out.push({
        csv: await get(e.app, `${url}.csv`, w.auth.xa),
        codes: await get(e.app, `${url}.csv?headers=codes`, w.auth.xa),
        semicolon: await get(e.app, `${url}.csv?delimiter=semicolon`, w.auth.xa),
        xlsx: await sheets(await get(e.app, `${url}.xlsx`, w.auth.xa)),
      })
    }
    const [onPg, onLite] = out as [(typeof out)[0], (typeof out)[0]]
    // every ballot is there (several cursor batches, many 64 KB chunks) …
    expect(records(onPg.codes)).toBe(N)
    expect(onPg.csv.length).toBeGreaterThan(8 * 64 * 1024)
    // … and the files are SQLite's, byte for byte
    expect(onPg.csv.equals(onLite.csv)).toBe(true)
    expect(onPg.codes.equals(onLite.codes)).toBe(true)
    expect(onPg.semicolon.equals(onLite.semicolon)).toBe(true)
    const [summary, questions, rows] = onPg.xlsx
    expect(rows).toHaveLength(1 + N)
    expect(rows).toEqual(onLite.xlsx[2])
    expect(questions).toEqual(onLite.xlsx[1])
    // the summary lists villages in the order of their ids, drawn at random in each database
    const sorted = (s: unknown[][] | undefined) => (s ?? []).map((r) => JSON.stringify(r)).sort()
    expect(sorted(summary)).toEqual(sorted(onLite.xlsx[0]))
  })

  it('read a round from a cursor, a batch at a time, the cursor still open on the server between batches', async () => {
    const { app, db, appDb } = await pgApp()
    const { w, roundId } = await sealedRound(app, db)
    const N = 2 * EXPORT_BATCH + 123
    await writeBallots(
      appDb,
      roundId,
      w.villages.map((v) => v.id),
      N,
    )
    const sizes: number[] = []
    const cursorsOpen: number[] = []
    const seqs: number[] = []
    for await (const batch of createPgBallotRepo(appDb).roundBatches(roundId)) {
      sizes.push(batch.length)
      seqs.push(...batch.map((b) => b.ledgerSeq))
      // the rest of the round is still on the server, behind the cursor
      cursorsOpen.push(await openCursors(appDb))
    }
    expect(sizes).toEqual([EXPORT_BATCH, EXPORT_BATCH, 123])
    expect(cursorsOpen).toEqual([1, 1, 1])
    expect(seqs).toEqual(Array.from({ length: N }, (_, i) => i + 1))
    // the walk is over: the transaction ended, the connection is back
    expect(await openCursors(appDb)).toBe(0)
  })

  it('export a large round with the heap flat: the rows are never all in memory', async () => {
    const { app, db, appDb } = await pgApp()
    const { w, roundId } = await sealedRound(app, db)
    // ~75 MB as JS objects when read whole (the whole-round read this replaced retained ~250 MB for 200,000)
    const N = 60_000
    await manyBallots(
      appDb,
      roundId,
      w.villages.map((v) => v.id),
      N,
    )
    setFlagsFromString('--expose-gc')
    const gc = runInNewContext('gc') as () => void
    gc()
    const base = process.memoryUsage().heapUsed
    /** What the heap holds after a full collection, every ~2 MB of download: what the export keeps, not its garbage. */
    let retained = 0
    let bytes = 0
    let lines = 0
    let nextCheck = 0
    const { port } = await listening(app)
    await new Promise<void>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port, path: `/api/rounds/${roundId}/export.csv?headers=codes`, headers: w.auth.xa },
        (res) => {
          if (res.statusCode !== 200) reject(new Error(`export: ${res.statusCode}`))
          res.on('data', (b: Buffer) => {
            bytes += b.length
            for (let i = 0; i < b.length; i++) if (b[i] === 10) lines++
            if (bytes < nextCheck) return
            nextCheck = bytes + 2 * 1024 * 1024
            gc()
            retained = Math.max(retained, process.memoryUsage().heapUsed - base)
          })
          res.on('end', resolve)
          res.on('error', reject)
        },
      )
      req.on('error', reject)
      req.end()
    })
    expect(lines).toBe(1 + N)
    expect(bytes).toBeGreaterThan(N * 300)
    // the whole round as rows would be ~75 MB; a few cursor batches and chunks are a few MB
    expect(retained).toBeLessThan(24 * 1024 * 1024)
  }, 120_000)

  for (const format of ['csv', 'xlsx'] as const)
    it(`${format}: a client that goes away mid-download gives the connection back to the pool`, async () => {
      const { app, db, appDb, pool } = await pgApp()
      const { w, roundId } = await sealedRound(app, db)
      await manyBallots(
        appDb,
        roundId,
        w.villages.map((v) => v.id),
        30_000,
      )
      const { port } = await listening(app)
      const checkedOut = () => pool.totalCount - pool.idleCount
      await until(() => checkedOut() === 0)
      const received = await new Promise<number>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path: `/api/rounds/${roundId}/export.${format}`, headers: w.auth.xa }, (res) => {
          expect(res.statusCode).toBe(200)
          let got = 0
          res.on('data', (c: Buffer) => {
            got += c.length
            if (got < 64 * 1024) return
            // the download is under way and stalls here: its cursor holds one connection
            res.pause()
            until(async () => (await openCursors(appDb)) === 1)
              .then(() => {
                expect(checkedOut()).toBe(1)
                req.destroy()
                resolve(got)
              })
              .catch(reject)
          })
          res.on('end', () => reject(new Error('the whole export arrived: nothing was cut')))
        })
        req.on('error', () => {})
        req.end()
      })
      expect(received).toBeGreaterThanOrEqual(64 * 1024)
      // the socket closed: the stream is destroyed, the cursor's transaction rolled back, the connection idle again
      await until(async () => checkedOut() === 0 && (await openCursors(appDb)) === 0)
      expect(pool.idleCount).toBe(pool.totalCount)
      // and it works: the next export on the same pool is whole
      const again = await app.inject({ method: 'GET', url: `/api/rounds/${roundId}/export.csv?headers=codes`, headers: w.auth.xa })
      expect(records(again.rawPayload)).toBe(30_000)
    })
})
