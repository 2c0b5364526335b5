/**
 * Ballot ingestion: the real server (`server/dist/server.mjs` as `pnpm start` runs it, production settings, LOG_LEVEL=info as
 * in production) on a temporary SQLite file with open rounds of 20,000 households each, loaded by
 * undici at 50 connections with a distinct print-link token per request. Baseline: the bare Fastify
 * echo server (echo-server.ts) receiving the same bodies on the same URLs, in the same run.
 * Then the 409 path: resubmitting tokens that were already used.
 */
import { randomUUID } from 'node:crypto'
import { join } from 'node:path'
import { buildServer, bundleForNode, SERVER_BUNDLE } from '../build-server.js'
import {
  BENCH_DIR,
  cpuTimeMs,
  type Figure,
  freePort,
  JWT_SECRET,
  LOAD_RATE_LIMIT,
  openBenchContext,
  progress,
  round,
  spawnServer,
  summarize,
} from './lib.js'
import { type LoadResult, runLoad, statusSummary } from './load.js'
import { answersFor, makeCommune, makeFrame, openRound, printTokens, rng } from './world.js'

export const HOUSEHOLDS_PER_ROUND = 20_000
export const CONNECTIONS = 50

export interface Job {
  token: string
  body: string
}

/** Build the DB through the services (one commune per round), then close it: the server owns it from here. */
export async function prepare(dbPath: string, rounds: number): Promise<Job[]> {
  const ctx = openBenchContext(dbPath, { bulk: true })
  const p = progress('ingest setup')
  try {
    const frame = await makeFrame(ctx)
    const perRound: string[][] = []
    let keys: string[] = []
    for (let r = 0; r < rounds; r++) {
      const commune = await makeCommune(ctx, frame, {
        code: `IN${r}`,
        villages: 20,
        perVillage: HOUSEHOLDS_PER_ROUND / 20,
        onProgress: (n) => p.update(`round ${r + 1}/${rounds}: ${n} households`),
      })
      const row = await openRound(ctx, frame, commune.communeId)
      keys = (await ctx.services.rounds.questionsOf(row)).map((q) => q.key)
      perRound.push(await printTokens(ctx, frame, row.id))
    }
    // Rounds collect at the same time: interleave their links.
    const rand = rng(7)
    const jobs: Job[] = []
    for (let i = 0; i < HOUSEHOLDS_PER_ROUND; i++)
      for (const tokens of perRound) {
        const token = tokens[i]
        if (!token) continue
        const body = JSON.stringify({ answers: answersFor(keys, rand), clientId: randomUUID() })
        jobs.push({ token, body })
      }
    p.done(
      `${rounds} open round(s) × ${HOUSEHOLDS_PER_ROUND.toLocaleString('en')} households, ${jobs.length.toLocaleString('en')} print links`,
    )
    return jobs
  } finally {
    ctx.close()
  }
}

/**
 * What SQLite allows on this machine for the same work: the service's durable accept (the one the HTTP route
 * calls) run in process on a file prepared like the server's, then landing 10,000 of the pending ballots.
 */
async function inProcessCeiling(opts: { tmp: string; rounds: number; durationMs: number }) {
  const dbPath = join(opts.tmp, 'ingest-inprocess.db')
  const jobs = await prepare(dbPath, opts.rounds)
  const ctx = openBenchContext(dbPath)
  try {
    const p = progress('in-process accept')
    let i = 0
    let ok = 0
    const meta = { ip: '10.1.2.3', userAgent: 'Mozilla/5.0 (Linux; Android 12) Chrome/120 Mobile' }
    const t0 = performance.now()
    const deadline = t0 + opts.durationMs
    const worker = async () => {
      for (;;) {
        if (performance.now() >= deadline) return
        const j = jobs[i++]
        if (!j) return
        await ctx.services.ballots.submit(j.token, JSON.parse(j.body), meta)
        ok++
        if (ok % 1000 === 0) p.update(`${ok} ballots, ${Math.round((ok / (performance.now() - t0)) * 1000)}/s`)
      }
    }
    await Promise.all(Array.from({ length: CONNECTIONS }, worker))
    const acceptPerSec = (ok / (performance.now() - t0)) * 1000
    p.done(`${Math.round(acceptPerSec)} ballots/s in process`)
    // landing: one round with at least 10,000 pending (top up untimed if the timed run left fewer)
    const roundId = ctx.db.$client
      .prepare('SELECT round_id FROM pending_ballots GROUP BY round_id ORDER BY count(*) DESC LIMIT 1')
      .pluck()
      .get() as string
    const pendingOf = () => ctx.db.$client.prepare('SELECT count(*) FROM pending_ballots WHERE round_id = ?').pluck().get(roundId) as number
    while (pendingOf() < 10_000 && i < jobs.length) {
      const j = jobs[i++] as Job
      try {
        await ctx.services.ballots.submit(j.token, JSON.parse(j.body), meta)
      } catch {
        // a token of another round whose window is the same: counted there, not here
      }
    }
    const landed = pendingOf()
    const l = progress('landing')
    const t1 = performance.now()
    await ctx.services.ballots.landRound(roundId)
    const landMs = performance.now() - t1
    l.done(`${landed} ballots landed in ${landMs.toFixed(0)} ms`)
    return { acceptPerSec, landed, landMs }
  } finally {
    ctx.close()
  }
}

export function figures(label: string, r: LoadResult) {
  const s = summarize(r.latencies)
  const okPerSec = (r.ok.length / r.elapsedMs) * 1000
  return { label, okPerSec, p50: s.p50, p99: s.p99, n: r.latencies.length, statuses: statusSummary(r.statuses), errors: r.errors }
}

export async function benchIngest(opts: { tmp: string; quick: boolean }): Promise<Figure[]> {
  const durationMs = opts.quick ? 3_000 : 10_000
  const rounds = opts.quick ? 1 : 4
  const dbPath = join(opts.tmp, 'ingest.db')
  const jobs = await prepare(dbPath, rounds)
  const cpuProfDir = process.env.BENCH_CPU_PROF
  // Both servers run as production runs them (`pnpm start`): esbuild bundles under plain node, built once here.
  const b = progress('esbuild')
  await buildServer()
  const echoDir = join(opts.tmp, 'echo-dist')
  await bundleForNode({ entry: join(BENCH_DIR, 'echo-server.ts'), outDir: echoDir, name: 'echo' })
  b.done('server/dist/server.mjs and the echo baseline bundled')

  // Baseline first, then the app, then the baseline again: the mean of the two baselines absorbs drift.
  const echo = async (pass: number) => {
    const child = await spawnServer({
      script: join(echoDir, 'echo.mjs'),
      tsx: false,
      env: {},
      port: await freePort(),
      healthPath: '/api/health',
      logFile: join(opts.tmp, 'echo.log'),
    })
    try {
      let i = 0
      const cpu0 = cpuTimeMs(child.pid)
      const p = progress(`baseline echo ${pass}`)
      const r = await runLoad({
        origin: child.url,
        connections: CONNECTIONS,
        durationMs,
        expect: 201,
        next: () => {
          const j = jobs[i % jobs.length] as Job
          return { index: i++, path: `/api/ballots/${j.token}`, body: j.body }
        },
        onTick: (n, ms) => p.update(`${n} requests, ${Math.round((n / ms) * 1000)}/s`),
      })
      const f = { ...figures('baseline', r), cpuUsPerOk: ((cpuTimeMs(child.pid) - cpu0) * 1000) / Math.max(1, r.ok.length) }
      p.done(`${Math.round(f.okPerSec)}/s, p50 ${f.p50.toFixed(2)} ms, p99 ${f.p99.toFixed(2)} ms [${f.statuses}]`)
      return f
    } finally {
      await child.stop()
    }
  }

  const base1 = await echo(1)
  const app = await spawnServer({
    script: SERVER_BUNDLE,
    tsx: false,
    env: {
      DATABASE_PATH: dbPath,
      SEED_DEMO: 'false',
      JWT_SECRET,
      LOG_LEVEL: 'info',
      LINK_RATE_LIMIT_PER_MIN: LOAD_RATE_LIMIT,
    },
    port: await freePort(),
    healthPath: '/api/health',
    logFile: join(opts.tmp, 'server-ingest.log'),
    nodeArgs: cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', cpuProfDir] : [],
  })
  let ingest: ReturnType<typeof figures>
  let conflict: ReturnType<typeof figures>
  let ingestCpuUs: number
  let exhausted = false
  try {
    let i = 0
    const cpu0 = cpuTimeMs(app.pid)
    const p = progress('ingest ballots')
    const r = await runLoad({
      origin: app.url,
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
    ingest = figures('ingest', r)
    // the landing worker's share included: it runs in the same process on the same event loop
    await new Promise((res) => setTimeout(res, 500))
    ingestCpuUs = ((cpuTimeMs(app.pid) - cpu0) * 1000) / Math.max(1, r.ok.length)
    p.done(
      `${Math.round(ingest.okPerSec)} ballots/s, p50 ${ingest.p50.toFixed(2)} ms, p99 ${ingest.p99.toFixed(2)} ms [${ingest.statuses}]`,
    )

    // The 409 path: the same tokens again (each already answered), new clientIds.
    const used = r.ok
    let k = 0
    const p2 = progress('409 already_answered')
    const r2 = await runLoad({
      origin: app.url,
      connections: CONNECTIONS,
      durationMs: opts.quick ? 2_000 : 5_000,
      expect: 409,
      next: () => {
        const j = jobs[used[k % used.length] as number] as Job
        return { index: k++, path: `/api/ballots/${j.token}`, body: j.body.replace(/"clientId":"[^"]+"/, `"clientId":"${randomUUID()}"`) }
      },
      onTick: (n, ms) => p2.update(`${n} requests, ${Math.round((n / ms) * 1000)}/s`),
    })
    conflict = figures('409', r2)
    p2.done(
      `${Math.round(conflict.okPerSec)}/s, p50 ${conflict.p50.toFixed(2)} ms, p99 ${conflict.p99.toFixed(2)} ms [${conflict.statuses}]`,
    )
  } finally {
    await app.stop()
  }
  const base2 = await echo(2)
  const baseline = (base1.okPerSec + base2.okPerSec) / 2
  const ratio = ingest.okPerSec / baseline
  const secs = `${(durationMs / 1000).toFixed(0)} s`
  const ceiling = await inProcessCeiling({ tmp: opts.tmp, rounds, durationMs })
  return [
    {
      bench: 'ingest',
      figure: 'Ingestion vs the in-process ceiling (same durable accept, no HTTP)',
      value: round(ingest.okPerSec, 0),
      unit: 'ballots/s',
      baseline: round(ceiling.acceptPerSec, 0),
      ratio: round(ingest.okPerSec / ceiling.acceptPerSec, 3),
      goal: 'ratio ≥ 0.5',
      pass: ingest.okPerSec / ceiling.acceptPerSec >= 0.5,
      note: `ceiling: ballots.submit (validation, sealing into the pending store, group commit) called in process with ${CONNECTIONS} in flight for ${secs} on a file prepared the same way`,
    },
    {
      bench: 'ingest',
      figure: `Landing ${ceiling.landed.toLocaleString('en')} pending ballots (one round, at close)`,
      value: round(ceiling.landMs, 0),
      unit: 'ms',
      note: `${Math.round((ceiling.landed / ceiling.landMs) * 1000).toLocaleString('en')} ballots/s: open the sealed box, shuffle per village, ballot + v2 ledger entry + counters + feedback, delete the pending row`,
    },
    {
      bench: 'ingest',
      figure: 'Ballot ingestion (POST /api/ballots/:token → 201)',
      value: round(ingest.okPerSec, 0),
      unit: 'ballots/s',
      baseline: round(baseline, 0),
      ratio: round(ratio, 3),
      goal: 'ratio ≥ 0.5',
      pass: ratio >= 0.5,
      note: `${CONNECTIONS} connections, ${secs}${exhausted ? ' (token supply ran out early)' : ''}, ${rounds} round(s) × 20,000 households, LOG_LEVEL=info; statuses ${ingest.statuses}; baseline = bare Fastify JSON echo (${Math.round(base1.okPerSec)}/s before, ${Math.round(base2.okPerSec)}/s after)`,
    },
    {
      bench: 'ingest',
      figure: 'Server CPU per accepted ballot (context: barely moved by other load)',
      value: round(ingestCpuUs, 0),
      unit: 'µs',
      baseline: round((base1.cpuUsPerOk + base2.cpuUsPerOk) / 2, 0),
      ratio: round(ingestCpuUs / ((base1.cpuUsPerOk + base2.cpuUsPerOk) / 2), 2),
      note: 'user + system time of the server process over the ingestion run and the landing that followed it, from /proc/<pid>/stat, ÷ 201 responses; baseline = the echo server per request',
    },
    {
      bench: 'ingest',
      figure: 'Ingestion latency p50',
      value: round(ingest.p50, 2),
      unit: 'ms',
      baseline: round((base1.p50 + base2.p50) / 2, 2),
      ratio: round(ingest.p50 / ((base1.p50 + base2.p50) / 2), 2),
    },
    {
      bench: 'ingest',
      figure: 'Ingestion latency p99',
      value: round(ingest.p99, 2),
      unit: 'ms',
      baseline: round((base1.p99 + base2.p99) / 2, 2),
      ratio: round(ingest.p99 / ((base1.p99 + base2.p99) / 2), 2),
    },
    {
      bench: 'ingest',
      figure: '409 already_answered path (used tokens resubmitted)',
      value: round(conflict.okPerSec, 0),
      unit: 'req/s',
      baseline: round(baseline, 0),
      ratio: round(conflict.okPerSec / baseline, 3),
      note: `p50 ${conflict.p50.toFixed(2)} ms, p99 ${conflict.p99.toFixed(2)} ms; statuses ${conflict.statuses}`,
    },
  ]
}
