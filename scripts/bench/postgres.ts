/**
 * The PostgreSQL column of `pnpm bench --engine postgres|both`: ingestion with one and with two server instances on
 * one database, the commune tally, the province overview and the CSV export, each on a PostgreSQL copy of the SQLite
 * world the same run built (scripts/lib/db-copy.ts, as `pnpm db:copy` copies), measured against the production
 * bundle (`node server/dist/server.mjs`) with DATABASE_URL. The SQLite benches are not changed by any of this.
 */
import { readFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { join } from 'node:path'
import { type AppDb, openDatabase } from '@app/db'
import { loadConfig } from '@app/server/config.ts'
import { systemClock } from '@app/server/lib/clock.ts'
import type { RoundRow } from '@app/server/modules/rounds/repo.ts'
import { createUserRepo } from '@app/server/modules/users/repo.ts'
import { createServices, type Services } from '@app/server/services.ts'
import pg from 'pg'
import { request } from 'undici'
import { buildServer, bundleForNode, SERVER_BUNDLE } from '../build-server.js'
import { CAP_MS, CSV_GOAL, fetchExport, RSS_GOAL_MB } from './export.js'
import { CONNECTIONS, type Job, figures as loadFigures, prepare } from './ingest.js'
import {
  BENCH_DIR,
  type BenchContext,
  type Child,
  cpuTimeMs,
  type Figure,
  freePort,
  JWT_SECRET,
  LOAD_RATE_LIMIT,
  PRIVACY_SECRET,
  progress,
  round,
  spawnServer,
} from './lib.js'
import { runLoad } from './load.js'
import { copyWorld, createBenchDb, dropBenchDb } from './pg.js'
import { GOAL_MS, type TallyDb, timeHttpGets } from './tally.js'
import { answersFor, communeHouseholds, type Frame, interleave, rng, STAFF_PASSWORD } from './world.js'

const PG = 'postgres' as const

/** The services on a PostgreSQL database, as the server starts them (no migration: the copy migrated). */
async function openPgContext(url: string): Promise<{ services: Services; adb: AppDb; close: () => Promise<void> }> {
  const config = loadConfig({ DATABASE_URL: url, SEED_DEMO: 'false', JWT_SECRET, PRIVACY_SECRET, LOG_LEVEL: 'warn' })
  const database = await openDatabase({ url })
  return { services: createServices({ db: database.db, config, clock: systemClock }), adb: database.db, close: database.close }
}

function pgServer(url: string, logFile: string, env: Record<string, string> = {}): Promise<Child> {
  return freePort().then((port) =>
    spawnServer({
      script: SERVER_BUNDLE,
      tsx: false,
      env: { DATABASE_URL: url, SEED_DEMO: 'false', JWT_SECRET, LOG_LEVEL: 'info', ...env },
      port,
      healthPath: '/api/health',
      logFile,
    }),
  )
}

async function loginHeaders(origin: string, username: string, password: string): Promise<Record<string, string>> {
  const res = await request(`${origin}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  })
  if (res.statusCode !== 200) throw new Error(`login: ${res.statusCode} ${await res.body.text()}`)
  return { authorization: `Bearer ${((await res.body.json()) as { token: string }).token}` }
}

/** CPU (ms) the PostgreSQL backends serving database `name` have used so far (their processes live on this machine). */
async function backendCpuMs(name: string): Promise<number> {
  const c = new pg.Client({ connectionString: process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test' })
  await c.connect()
  try {
    const rows = (await c.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1', [name])).rows
    let ms = 0
    for (const r of rows)
      try {
        ms += cpuTimeMs(r.pid)
      } catch {
        // a backend that ended meanwhile
      }
    return ms
  } finally {
    await c.end()
  }
}

/** /proc/<pid>/stat readable for PostgreSQL's processes (the server runs on this machine)? */
function procReadable(): boolean {
  try {
    readFileSync('/proc/1/stat', 'utf8')
    return true
  } catch {
    return false
  }
}

/**
 * Ingestion on PostgreSQL: the ingest world (the same builder as the SQLite bench, in its own SQLite file) copied to
 * a database, cloned (CREATE DATABASE … TEMPLATE) so both runs start from the same unused links; then the load
 * (50 connections) against one server instance, and against two instances on different ports sharing the other
 * database, the connections split 25/25. Baseline: the bare Fastify echo, measured here in the same way.
 */
export async function benchIngestPg(opts: { tmp: string; quick: boolean }): Promise<Figure[]> {
  const durationMs = opts.quick ? 3_000 : 10_000
  const rounds = opts.quick ? 1 : 4
  const source = join(opts.tmp, 'ingest-pg-source.db')
  const jobs = await prepare(source, rounds)
  const c = progress('copy to PostgreSQL')
  const one = await createBenchDb('ingest1')
  const copied = await copyWorld(source, one.url)
  const two = await createBenchDb('ingest2', one.name)
  c.done(`${copied.rows.toLocaleString('en')} rows in ${(copied.ms / 1000).toFixed(1)} s; cloned for the two-instance run`)
  try {
    const b = progress('esbuild')
    await buildServer()
    const echoDir = join(opts.tmp, 'echo-dist')
    await bundleForNode({ entry: join(BENCH_DIR, 'echo-server.ts'), outDir: echoDir, name: 'echo' })
    b.done('server/dist/server.mjs and the echo baseline bundled')

    const echo = await spawnServer({
      script: join(echoDir, 'echo.mjs'),
      tsx: false,
      env: {},
      port: await freePort(),
      healthPath: '/api/health',
      logFile: join(opts.tmp, 'echo-pg.log'),
    })
    let base: ReturnType<typeof loadFigures>
    try {
      let i = 0
      const p = progress('baseline echo')
      const r = await runLoad({
        origin: echo.url,
        connections: CONNECTIONS,
        durationMs,
        expect: 201,
        next: () => {
          const j = jobs[i % jobs.length] as Job
          return { index: i++, path: `/api/ballots/${j.token}`, body: j.body }
        },
      })
      base = loadFigures('baseline', r)
      p.done(`${Math.round(base.okPerSec)}/s, p50 ${base.p50.toFixed(2)} ms`)
    } finally {
      await echo.stop()
    }

    const env = { LINK_RATE_LIMIT_PER_MIN: LOAD_RATE_LIMIT }
    const run = async (db: { name: string; url: string }, instances: number) => {
      const servers: Child[] = []
      try {
        for (let k = 0; k < instances; k++)
          servers.push(await pgServer(db.url, join(opts.tmp, `server-ingest-pg-${instances}-${k + 1}.log`), env))
        let i = 0
        let exhausted = false
        const cpu0 = servers.map((s) => cpuTimeMs(s.pid))
        const pg0 = await backendCpuMs(db.name)
        const self0 = process.cpuUsage()
        const load0 = loadavg()[0] as number
        const p = progress(`ingest on PostgreSQL, ${instances} instance(s)`)
        const r = await runLoad({
          origin: servers.map((s) => s.url),
          connections: CONNECTIONS,
          durationMs,
          expect: 201,
          next: () => {
            const j = jobs[i]
            if (!j) {
              exhausted = true
              return undefined
            }
            return { index: i++, path: `/api/ballots/${j.token}`, body: j.body }
          },
          onTick: (n, ms) => p.update(`${n} ballots, ${Math.round((n / ms) * 1000)}/s`),
        })
        const self = process.cpuUsage(self0)
        const load1 = loadavg()[0] as number
        const f = loadFigures(`pg${instances}`, r)
        await new Promise((res) => setTimeout(res, 500))
        const serverMs = servers.reduce((n, s, k) => n + cpuTimeMs(s.pid) - (cpu0[k] as number), 0)
        const pgMs = (await backendCpuMs(db.name)) - pg0
        const loadMs = (self.user + self.system) / 1000
        const ok = Math.max(1, r.ok.length)
        const perOk = { server: (serverMs * 1000) / ok, pg: (pgMs * 1000) / ok, load: (loadMs * 1000) / ok }
        // the share of the machine's 2 cores each party used over the run
        const cores = (ms: number) => ms / r.elapsedMs
        const share = { server: cores(serverMs), pg: cores(pgMs), load: cores(loadMs) }
        p.done(
          `${Math.round(f.okPerSec)} ballots/s, p50 ${f.p50.toFixed(2)} ms, p99 ${f.p99.toFixed(2)} ms [${f.statuses}]; cores used: server(s) ${share.server.toFixed(2)}, PostgreSQL ${share.pg.toFixed(2)}, load generator ${share.load.toFixed(2)}`,
        )
        return { ...f, perOk, share, exhausted, load: [load0, load1] as const }
      } finally {
        for (const s of servers) await s.stop()
      }
    }
    const r1 = await run(one, 1)
    const r2 = await run(two, 2)
    const secs = `${(durationMs / 1000).toFixed(0)} s`
    const split = (r: typeof r1) =>
      `cores busy over the run: server process(es) ${r.share.server.toFixed(2)}, PostgreSQL backends ${r.share.pg.toFixed(2)}, the load generator ${r.share.load.toFixed(2)} (of ${cpus().length}); the machine's 1-min load average ${r.load[0].toFixed(1)} → ${r.load[1].toFixed(1)} (other work on the box included)`
    const pgCpuOk = procReadable()
    return [
      {
        bench: 'ingest',
        engine: PG,
        figure: 'Ballot ingestion (POST /api/ballots/:token → 201)',
        value: round(r1.okPerSec, 0),
        unit: 'ballots/s',
        baseline: round(base.okPerSec, 0),
        ratio: round(r1.okPerSec / base.okPerSec, 3),
        goal: 'ratio ≥ 0.5',
        pass: r1.okPerSec / base.okPerSec >= 0.5,
        note: `one server instance (DATABASE_URL, pg pool of 10), ${CONNECTIONS} connections, ${secs}${r1.exhausted ? ' (token supply ran out early)' : ''}, ${rounds} round(s) × 20,000 households copied from a SQLite world built the same way (${copied.rows.toLocaleString('en')} rows in ${(copied.ms / 1000).toFixed(1)} s); statuses ${r1.statuses}; ${split(r1)}; baseline = bare Fastify JSON echo measured beside it (${Math.round(base.okPerSec)}/s)`,
      },
      {
        bench: 'ingest',
        engine: PG,
        figure: 'Ballot ingestion, two server instances on one database (same load, split over both ports)',
        value: round(r2.okPerSec, 0),
        unit: 'ballots/s',
        baseline: round(base.okPerSec, 0),
        ratio: round(r2.okPerSec / base.okPerSec, 3),
        goal: 'ratio ≥ 0.5',
        pass: r2.okPerSec / base.okPerSec >= 0.5,
        note: `× ${(r2.okPerSec / r1.okPerSec).toFixed(2)} the one-instance rate; two \`node server/dist/server.mjs\` on two ports, one database (a template clone of the one-instance run's, so the same unused links), ${CONNECTIONS / 2} connections to each; p50 ${r2.p50.toFixed(2)} ms, p99 ${r2.p99.toFixed(2)} ms; statuses ${r2.statuses}; ${split(r2)}. The machine has 2 cores shared by the load generator, both instances and PostgreSQL: this measures contention on one box, not what a second machine would add`,
      },
      {
        bench: 'ingest',
        engine: PG,
        figure: 'Server CPU per accepted ballot (context: barely moved by other load)',
        value: round(r1.perOk.server, 0),
        unit: 'µs',
        note: `one instance; PostgreSQL's backends for the same database used ${pgCpuOk ? `${Math.round(r1.perOk.pg)} µs more per ballot` : '(not readable here)'}, the load generator ${Math.round(r1.perOk.load)} µs; two instances: ${Math.round(r2.perOk.server)} µs in the servers (both), ${Math.round(r2.perOk.pg)} µs in PostgreSQL per ballot`,
      },
      {
        bench: 'ingest',
        engine: PG,
        figure: 'Ingestion latency p50',
        value: round(r1.p50, 2),
        unit: 'ms',
        baseline: round(base.p50, 2),
        ratio: round(r1.p50 / base.p50, 2),
        note: 'one instance; baseline = the echo beside it',
      },
      {
        bench: 'ingest',
        engine: PG,
        figure: 'Ingestion latency p99',
        value: round(r1.p99, 2),
        unit: 'ms',
        baseline: round(base.p99, 2),
        ratio: round(r1.p99 / base.p99, 2),
        note: 'one instance; baseline = the echo beside it',
      },
    ]
  } finally {
    await dropBenchDb(one.name)
    await dropBenchDb(two.name)
  }
}

/** Tally over HTTP on a PostgreSQL server process, logged in as the bench's officer. */
async function tallyOnPg(url: string, logFile: string, roundId: string, username: string, password: string, calls: number) {
  const server = await pgServer(url, logFile)
  try {
    const h = await loginHeaders(server.url, username, password)
    return await timeHttpGets(server.url, `/api/rounds/${roundId}/tally`, h, calls)
  } finally {
    await server.stop()
  }
}

/**
 * Seeding on PostgreSQL directly through the services (ballots.recordBallot, awaited, 10 k per transaction, the
 * bench's world builder otherwise), for the comparison with the copy: ballots/s.
 */
async function seedDirect(url: string, roundId: string, from: number, count: number): Promise<number> {
  const ctx = await openPgContext(url)
  try {
    const round = (await ctx.services.rounds.findById(roundId)) as RoundRow
    const villages = await ctx.services.units.children(round.communeId, 'village')
    const households = interleave(
      await communeHouseholds({ adb: ctx.adb } as BenchContext, { communeId: round.communeId, villageIds: villages.map((v) => v.id) }),
    )
    const keys = (await ctx.services.rounds.questionsOf(round)).map((q) => q.key)
    const rand = rng(99)
    const t0 = performance.now()
    await ctx.adb.transaction(async (tx) => {
      for (let i = from; i < from + count; i++) {
        const h = households[i]
        if (!h) throw new Error(`not enough households for ballot ${i + 1}`)
        await ctx.services.ballots.recordBallot(tx, {
          round,
          householdId: h.id,
          villageId: h.villageId,
          channel: i % 5 === 0 ? 'paper' : 'link',
          answers: answersFor(keys, rand),
          comment: null,
          clientKey: null,
          contentHash: 'bench',
          secondsToComplete: null,
          fingerprint: null,
          enteredBy: null,
        })
      }
    })
    return (count / (performance.now() - t0)) * 1000
  } finally {
    await ctx.close()
  }
}

/**
 * During the SQLite tally, at the smallest size: copy the world as it stands (1 M households, the first ballots)
 * to a database, time the tally there, time direct seeding through the services on the same copy, drop it.
 */
export async function tallyPgAtSize(opts: {
  tmp: string
  quick: boolean
  size: number
  ctx: BenchContext
  frame: Frame
  roundId: string
}): Promise<{ figures: Figure[]; p50: number }> {
  const { ctx, frame, roundId, size } = opts
  // results are served once the round stopped collecting (the SQLite measurement has closed it already)
  if ((await ctx.services.rounds.findById(roundId))?.status === 'open') await ctx.services.rounds.close(frame.actor, roundId)
  ctx.db.$client.pragma('wal_checkpoint(TRUNCATE)')
  const c = progress(`copy the ${size.toLocaleString('en')}-ballot world to PostgreSQL`)
  const db = await createBenchDb(`tally_${size}`)
  try {
    const copied = await copyWorld(ctx.config.db.path, db.url)
    c.done(
      `${copied.rows.toLocaleString('en')} rows in ${(copied.ms / 1000).toFixed(1)} s (${Math.round((copied.rows / copied.ms) * 1000)} rows/s)`,
    )
    const calls = opts.quick ? 20 : 60
    const s = await tallyOnPg(db.url, join(opts.tmp, 'server-tally-pg.log'), roundId, frame.username, STAFF_PASSWORD, calls)
    console.log(`  tally on PostgreSQL @ ${size.toLocaleString('en')}: p50 ${s.p50.toFixed(2)} ms, p99 ${s.p99.toFixed(2)} ms`)
    const copyRate = Math.round((copied.rows / copied.ms) * 1000)
    const seedN = opts.quick ? 500 : 2_000
    const d = progress('direct seeding on PostgreSQL')
    const seedRate = await seedDirect(db.url, roundId, size, seedN)
    d.done(`${seedN.toLocaleString('en')} ballots through recordBallot: ${Math.round(seedRate)} ballots/s`)
    return {
      p50: s.p50,
      figures: [
        {
          bench: 'tally',
          engine: PG,
          figure: `Commune tally @ ${size.toLocaleString('en')} ballots, p50 / p99`,
          value: round(s.p50, 2),
          unit: 'ms',
          baseline: round(s.p50, 2),
          ratio: 1,
          goal: `p50 & p99 ≤ ${GOAL_MS} ms, flat`,
          pass: s.p50 <= GOAL_MS && s.p99 <= GOAL_MS,
          note: `p99 ${s.p99.toFixed(2)} ms over ${s.n} calls (HTTP to node server/dist/server.mjs with DATABASE_URL); the SQLite world at this size copied by db:copy's library: ${copied.rows.toLocaleString('en')} rows in ${(copied.ms / 1000).toFixed(1)} s`,
        },
        {
          bench: 'tally',
          engine: PG,
          figure: 'Building the PostgreSQL world: direct seeding through the services (context)',
          value: round(seedRate, 0),
          unit: 'ballots/s',
          note: `${seedN.toLocaleString('en')} more ballots counted by ballots.recordBallot (awaited, one transaction) on the ${size.toLocaleString('en')}-ballot copy, against the copy's ${copyRate.toLocaleString('en')} rows/s (≈ ${Math.round(copyRate / 4).toLocaleString('en')} ballots/s, at ~4 rows a ballot: household, ballot, participation, ledger entry): ${seedRate < copyRate / 4 ? 'copying is the faster way to the 1 M world, so the bench copies' : 'seeding directly would have been faster here'}`,
        },
      ],
    }
  } finally {
    await dropBenchDb(db.name)
  }
}

/** The final SQLite tally world (1 M ballots and the overview's province) copied to PostgreSQL, for tally, overview and export. */
export interface BigPg {
  name: string
  url: string
  rows: number
  ms: number
  ballots: number
}

export async function copyBigWorld(db: TallyDb): Promise<BigPg> {
  const c = progress(`copy the ${db.ballots.toLocaleString('en')}-ballot world to PostgreSQL`)
  const target = await createBenchDb('big')
  const copied = await copyWorld(db.path, target.url)
  c.done(
    `${copied.rows.toLocaleString('en')} rows in ${(copied.ms / 1000).toFixed(1)} s (${Math.round((copied.rows / copied.ms) * 1000)} rows/s)`,
  )
  return { ...target, rows: copied.rows, ms: copied.ms, ballots: copied.ballots }
}

/** How long the copy of the big world took: the way this bench builds PostgreSQL worlds (context). */
export function copyFigure(big: BigPg, size: number): Figure {
  return {
    bench: 'tally',
    engine: PG,
    figure: 'Building the PostgreSQL world: copy of the SQLite world (db:copy library, context)',
    value: round((big.rows / big.ms) * 1000, 0),
    unit: 'rows/s',
    note: `${big.rows.toLocaleString('en')} rows (the ${size.toLocaleString('en')}-ballot round with its households, participations and ledger, and the overview's province; ${big.ballots.toLocaleString('en')} ballots in all) in ${(big.ms / 1000).toFixed(0)} s, one transaction, then ANALYZE: ${Math.round((big.ballots / big.ms) * 1000).toLocaleString('en')} ballots/s with everything around them`,
  }
}

async function unitIdByCode(url: string, code: string): Promise<string | undefined> {
  const c = new pg.Client({ connectionString: url })
  await c.connect()
  try {
    return (await c.query<{ id: string }>('SELECT id FROM units WHERE code = $1', [code])).rows[0]?.id
  } finally {
    await c.end()
  }
}

/** Tally at the full size and the province overview on the PostgreSQL copy of the final world. */
export async function benchTallyPg(opts: {
  tmp: string
  quick: boolean
  db: TallyDb
  big: BigPg
  smallestP50?: number
}): Promise<Figure[]> {
  const { db, big } = opts
  const calls = opts.quick ? 20 : 60
  const size = db.ballots.toLocaleString('en')
  const copyNote = `the SQLite world (${size} ballots in one round, 1 M households with the full sizes, the overview's province) copied by db:copy's library: ${big.rows.toLocaleString('en')} rows in ${(big.ms / 1000).toFixed(0)} s`
  const s = await tallyOnPg(big.url, join(opts.tmp, 'server-tally-pg.log'), db.roundId, db.username, db.password, calls)
  console.log(`  tally on PostgreSQL @ ${size}: p50 ${s.p50.toFixed(2)} ms, p99 ${s.p99.toFixed(2)} ms`)
  const base = opts.smallestP50 ?? s.p50
  const out: Figure[] = [
    {
      bench: 'tally',
      engine: PG,
      figure: `Commune tally @ ${size} ballots, p50 / p99`,
      value: round(s.p50, 2),
      unit: 'ms',
      baseline: round(base, 2),
      ratio: round(s.p50 / base, 2),
      goal: `p50 & p99 ≤ ${GOAL_MS} ms, flat`,
      pass: s.p50 <= GOAL_MS && s.p99 <= GOAL_MS,
      note: `p99 ${s.p99.toFixed(2)} ms over ${s.n} calls (HTTP to node server/dist/server.mjs with DATABASE_URL); baseline = the smallest size on PostgreSQL; ${copyNote}`,
    },
  ]
  const communes = opts.quick ? 20 : 100
  const province = await unitIdByCode(big.url, 'OV')
  const oneCommune = await unitIdByCode(big.url, `OV${communes - 1}`)
  const figure = `Province overview over ${communes} communes, p50 / p99`
  if (!province || !oneCommune)
    return [...out, { bench: 'tally', engine: PG, figure, value: null, unit: '', note: 'skipped: no overview world' }]
  const server = await pgServer(big.url, join(opts.tmp, 'server-overview-pg.log'))
  try {
    const h = await loginHeaders(server.url, 'bench.ov', db.password)
    const one = await timeHttpGets(server.url, `/api/units/${oneCommune}/overview`, h, calls)
    const all = await timeHttpGets(server.url, `/api/units/${province}/overview`, h, calls)
    console.log(
      `  overview on PostgreSQL: p50 ${all.p50.toFixed(2)} ms, p99 ${all.p99.toFixed(2)} ms (one commune: p50 ${one.p50.toFixed(2)} ms)`,
    )
    out.push({
      bench: 'tally',
      engine: PG,
      figure,
      value: round(all.p50, 2),
      unit: 'ms',
      baseline: round(one.p50, 2),
      ratio: round(all.p50 / one.p50, 2),
      goal: `p50 & p99 ≤ ${GOAL_MS} ms`,
      pass: all.p50 <= GOAL_MS && all.p99 <= GOAL_MS,
      note: `p99 ${all.p99.toFixed(2)} ms over ${all.n} calls; baseline = the same route on one commune (p99 ${one.p99.toFixed(2)} ms); HTTP to node server/dist/server.mjs with DATABASE_URL, on the copy`,
    })
  } finally {
    await server.stop()
  }
  return out
}

/** CSV export of the 1 M round from PostgreSQL: sealed there through the services, then streamed as on SQLite. */
export async function benchExportPg(opts: { tmp: string; quick: boolean; db: TallyDb; big: BigPg }): Promise<Figure[]> {
  const { db, big } = opts
  const size = db.ballots.toLocaleString('en')
  await buildServer()
  const ctx = await openPgContext(big.url)
  let sealMs = 0
  let base: { rps: number; rows: number }
  try {
    const user = await createUserRepo(ctx.adb).findByUsername(db.username)
    if (!user) throw new Error('bench user missing')
    const actor = { id: user.id, username: user.username, role: user.role, unitId: user.unitId }
    const p = progress('seal the round on PostgreSQL')
    const t0 = performance.now()
    const r = await ctx.services.rounds.findById(db.roundId)
    if (r?.status === 'open') await ctx.services.rounds.close(actor, db.roundId)
    if (r?.status !== 'sealed') await ctx.services.tally.seal(actor, db.roundId)
    sealMs = performance.now() - t0
    p.done(`closed and sealed in ${(sealMs / 1000).toFixed(1)} s (ledger verified, recount matches)`)
    const b = progress('baseline: iterateRound on PostgreSQL')
    const t1 = performance.now()
    let rows = 0
    for await (const x of ctx.services.ballots.iterateRound(db.roundId)) if (x.id) rows++
    base = { rows, rps: (rows / (performance.now() - t1)) * 1000 }
    b.done(`${rows.toLocaleString('en')} ballots read, ${Math.round(base.rps)} rows/s`)
  } finally {
    await ctx.close()
  }
  const r = await fetchExport({ tmp: opts.tmp, db, format: 'csv', capMs: CAP_MS, env: { DATABASE_URL: big.url } })
  const rps = r.rps ?? 0
  return [
    {
      bench: 'export',
      engine: PG,
      figure: `CSV export of ${size} ballots`,
      value: round(rps, 0),
      unit: 'rows/s',
      baseline: round(base.rps, 0),
      ratio: round(rps / base.rps, 2),
      goal: `≥ ${CSV_GOAL.toLocaleString('en')} rows/s`,
      pass: rps >= CSV_GOAL,
      note: `${(r.bytes / 1e6).toFixed(1)} MB, ${r.lines.toLocaleString('en')} lines in ${(r.ms / 1000).toFixed(1)} s${r.complete ? '' : ` — cut at the ${CAP_MS / 1000} s cap`}; baseline = ballots.iterateRound on PostgreSQL alone in the bench process (pages of 1,000 by ledger_seq); the round sealed on PostgreSQL through the services first (${(sealMs / 1000).toFixed(1)} s); /api/health during the export: max ${r.health.max.toFixed(0)} ms, p50 ${r.health.p50.toFixed(1)} ms over ${r.health.n} calls`,
    },
    {
      bench: 'export',
      engine: PG,
      figure: 'CSV export: peak RSS of the server',
      value: round(r.peak, 0),
      unit: 'MB',
      baseline: round(r.idle, 0),
      ratio: round(r.peak / r.idle, 2),
      goal: `< ${RSS_GOAL_MB} MB`,
      pass: r.peak < RSS_GOAL_MB,
      note: `baseline = the same server's RSS just before the request (${round(r.idle, 0)} MB); the export added ${round(r.peak - r.idle, 0)} MB`,
    },
  ]
}
