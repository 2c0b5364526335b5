/**
 * Export: GET /api/rounds/:id/export.csv and /export.xlsx of the sealed 1 M-ballot round from the
 * production server process (`node server/dist/server.mjs` as `pnpm start` runs it, the esbuild bundle
 * built first): rows/s and the peak RSS of the server (VmHWM from /proc/<pid>/status), a fresh process
 * per format so each peak is its own. Skipped while the export routes do not exist.
 *
 * Baselines from the same run: for rows/s, how fast the bench process alone walks the same ballots
 * through ballots.iterateRound (the database read every export starts from: no HTTP, no encoding);
 * for RSS, the same server's resident set just before the export request. While each export streams,
 * /api/health is polled every 100 ms: its worst latency shows whether the export starves other requests.
 * BENCH_CPU_PROF=<dir> adds --cpu-prof to the export servers.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createUserRepo } from '@app/server/modules/users/repo.ts'
import { request } from 'undici'
import { buildServer, SERVER_BUNDLE } from '../build-server.js'
import { type Figure, freePort, JWT_SECRET, openBenchContext, peakRssMb, progress, round, sleep, spawnServer, summarize } from './lib.js'
import type { TallyDb } from './tally.js'

export const CSV_GOAL = 100_000
export const RSS_GOAL_MB = 300
/** Each export is bounded in time: past this, the download is cut and the rate is taken from what arrived. */
export const CAP_MS = 90_000

/** Current resident set (VmRSS) of a process, MB. */
function rssMb(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m ? Number(m[1]) / 1024 : null
  } catch {
    return null
  }
}

/** CPU time (user + system) a process has used so far, in clock ticks. */
function cpuTicks(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []
    return Number(fields[11]) + Number(fields[12])
  } catch {
    return 0
  }
}

/** Wait until a process has stopped working (start-up work such as library warm-up done): ≤ 1 tick in 250 ms, 10 s at most. */
async function settle(pid: number): Promise<void> {
  const deadline = performance.now() + 10_000
  let last = cpuTicks(pid)
  while (performance.now() < deadline) {
    await sleep(250)
    const now = cpuTicks(pid)
    if (now - last <= 1) return
    last = now
  }
}

/** Baseline: ballots/s of a bare walk through ballots.iterateRound in this process (production pragmas). */
function readRate(db: TallyDb): { rps: number; rows: number } {
  const ctx = openBenchContext(db.path)
  try {
    const p = progress('baseline: iterateRound')
    const t0 = performance.now()
    let rows = 0
    // the bench reads SQLite, whose ballot pages come synchronously
    for (const b of ctx.services.ballots.iterateRound(db.roundId) as Iterable<{ id: string }>) if (b.id) rows++
    const rps = (rows / (performance.now() - t0)) * 1000
    p.done(`${rows.toLocaleString('en')} ballots read, ${Math.round(rps)} rows/s`)
    return { rps, rows }
  } finally {
    ctx.close()
  }
}

/** Poll GET url every 100 ms until stopped; latencies in ms (a request that is still pending when stopped counts as its wait so far). */
function pollLatency(url: string) {
  const samples: number[] = []
  let running = true
  let pendingSince: number | null = null
  const loop = (async () => {
    while (running) {
      pendingSince = performance.now()
      try {
        const res = await request(url, { headersTimeout: 600_000, bodyTimeout: 600_000 })
        await res.body.dump()
      } catch {
        // a failed health call is still a latency sample
      }
      samples.push(performance.now() - pendingSince)
      pendingSince = null
      await sleep(100)
    }
  })()
  return async () => {
    running = false
    if (pendingSince !== null) samples.push(performance.now() - pendingSince)
    await Promise.race([loop, sleep(1000)])
    return summarize(samples)
  }
}

/** Close and seal the round through the services (seal verifies the ledger and recounts the ballots). */
export async function seal(db: TallyDb): Promise<void> {
  const ctx = openBenchContext(db.path)
  try {
    const user = await createUserRepo(ctx.adb).findByUsername(db.username)
    if (!user) throw new Error('bench user missing')
    const actor = { id: user.id, username: user.username, role: user.role, unitId: user.unitId }
    const r = await ctx.services.rounds.findById(db.roundId)
    if (r?.status === 'open') await ctx.services.rounds.close(actor, db.roundId)
    if (r?.status !== 'sealed') await ctx.services.tally.seal(actor, db.roundId)
  } finally {
    ctx.close()
  }
}

export async function fetchExport(opts: {
  tmp: string
  db: TallyDb
  format: 'csv' | 'xlsx'
  capMs: number
  /** Another server entry (default: the bundle, built beforehand), and extra node flags (profiling). */
  script?: string
  /** true: `script` is TypeScript, run through tsx. */
  tsx?: boolean
  nodeArgs?: string[]
  /** Extra environment for the server (DATABASE_URL: the same export from PostgreSQL). */
  env?: Record<string, string>
}) {
  const cpuProfDir = process.env.BENCH_CPU_PROF
  const child = await spawnServer({
    script: opts.script ?? SERVER_BUNDLE,
    tsx: opts.tsx ?? false,
    nodeArgs: [...(opts.nodeArgs ?? []), ...(cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`] : [])],
    env: { DATABASE_PATH: opts.db.path, SEED_DEMO: 'false', JWT_SECRET, LOG_LEVEL: 'info', ...opts.env },
    port: await freePort(),
    healthPath: '/api/health',
    logFile: join(opts.tmp, `server-export-${opts.format}${opts.env?.DATABASE_URL ? '-pg' : ''}.log`),
  })
  try {
    const login = await request(`${child.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: opts.db.username, password: opts.db.password }),
    })
    const { token } = (await login.body.json()) as { token: string }
    const p = progress(`export.${opts.format}`)
    // let start-up work (the document libraries load after listen) finish before the idle reading
    await settle(child.pid)
    const idle = rssMb(child.pid) ?? 0
    let peak = peakRssMb(child.pid) ?? 0
    const poll = setInterval(() => {
      peak = Math.max(peak, peakRssMb(child.pid) ?? 0)
    }, 50)
    const t0 = performance.now()
    const stopHealth = pollLatency(`${child.url}/api/health`)
    const res = await request(`${child.url}/api/rounds/${opts.db.roundId}/export.${opts.format}`, {
      headers: { authorization: `Bearer ${token}` },
      headersTimeout: 600_000,
      bodyTimeout: 600_000,
    })
    if (res.statusCode !== 200) throw new Error(`export.${opts.format}: ${res.statusCode} ${(await res.body.text()).slice(0, 200)}`)
    let bytes = 0
    let lines = 0
    let complete = true
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      bytes += chunk.length
      if (opts.format === 'csv') for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++
      p.update(`${(bytes / 1e6).toFixed(1)} MB${opts.format === 'csv' ? `, ${lines.toLocaleString('en')} lines` : ''}`)
      if (performance.now() - t0 > opts.capMs) {
        complete = false
        res.body.destroy()
        break
      }
    }
    const ms = performance.now() - t0
    const health = await stopHealth()
    clearInterval(poll)
    peak = Math.max(peak, peakRssMb(child.pid) ?? 0)
    // Complete: every ballot, one record each. Cut short: CSV records that arrived (header excluded); XLSX unknown.
    const rows = complete ? opts.db.ballots : opts.format === 'csv' ? Math.max(0, lines - 1) : null
    const rps = rows === null ? null : (rows / ms) * 1000
    p.done(
      `${(bytes / 1e6).toFixed(1)} MB in ${(ms / 1000).toFixed(1)} s${complete ? '' : ' (cut at the time cap)'}, ${rps === null ? '?' : Math.round(rps)} rows/s, peak RSS ${peak.toFixed(0)} MB (idle ${idle.toFixed(0)} MB), /api/health max ${health.max.toFixed(0)} ms`,
    )
    return { ms, bytes, rows, rps, lines, peak, idle, health, complete }
  } finally {
    await child.stop()
  }
}

export async function benchExport(opts: {
  tmp: string
  quick: boolean
  db: TallyDb
  skip: (bench: string, figure: string, why?: string) => Figure
}): Promise<Figure[]> {
  const size = opts.db.ballots.toLocaleString('en')
  const csvFigure = `CSV export of ${size} ballots`
  const xlsxFigure = `XLSX export of ${size} ballots`
  const b = progress('esbuild')
  const built = await buildServer()
  b.done(`server/dist/server.mjs in ${built.ms.toFixed(0)} ms`)
  // Probe the routes on a throwaway server: without them, nothing to measure (and no need to seal).
  const probe = await spawnServer({
    script: SERVER_BUNDLE,
    tsx: false,
    env: { DATABASE_PATH: opts.db.path, SEED_DEMO: 'false', JWT_SECRET, LOG_LEVEL: 'warn' },
    port: await freePort(),
    healthPath: '/api/health',
    logFile: join(opts.tmp, 'server-export-probe.log'),
  })
  const exists: Record<'csv' | 'xlsx', boolean> = { csv: false, xlsx: false }
  try {
    for (const f of ['csv', 'xlsx'] as const) {
      const res = await request(`${probe.url}/api/rounds/${opts.db.roundId}/export.${f}`)
      const body = await res.body.text()
      exists[f] = !(res.statusCode === 404 && /no route for/.test(body))
    }
  } finally {
    await probe.stop()
  }
  if (!exists.csv && !exists.xlsx) return [opts.skip('export', csvFigure), opts.skip('export', xlsxFigure)]
  const p = progress('seal the round')
  await seal(opts.db)
  p.done('closed and sealed (ledger verified, recount matches)')
  const out: Figure[] = []
  const base = readRate(opts.db)
  const healthNote = (h: { max: number; p50: number; n: number }) =>
    `/api/health during the export: max ${h.max.toFixed(0)} ms, p50 ${h.p50.toFixed(1)} ms over ${h.n} calls`
  const rssFigure = (format: string, r: { peak: number; idle: number }): Figure => ({
    bench: 'export',
    figure: `${format} export: peak RSS of the server`,
    value: round(r.peak, 0),
    unit: 'MB',
    baseline: round(r.idle, 0),
    ratio: round(r.peak / r.idle, 2),
    goal: `< ${RSS_GOAL_MB} MB`,
    pass: r.peak < RSS_GOAL_MB,
    note: `baseline = the same server's RSS just before the request (${round(r.idle, 0)} MB); the export added ${round(r.peak - r.idle, 0)} MB`,
  })
  if (exists.csv) {
    const r = await fetchExport({ tmp: opts.tmp, db: opts.db, format: 'csv', capMs: CAP_MS })
    const rps = r.rps ?? 0
    out.push(
      {
        bench: 'export',
        figure: csvFigure,
        value: round(rps, 0),
        unit: 'rows/s',
        baseline: round(base.rps, 0),
        ratio: round(rps / base.rps, 2),
        goal: `≥ ${CSV_GOAL.toLocaleString('en')} rows/s`,
        pass: rps >= CSV_GOAL,
        note: `${(r.bytes / 1e6).toFixed(1)} MB, ${r.lines.toLocaleString('en')} lines in ${(r.ms / 1000).toFixed(1)} s${r.complete ? '' : ` — cut at the ${CAP_MS / 1000} s cap; the whole export would take ≈ ${Math.round(opts.db.ballots / rps / 60)} min`}; baseline = ballots.iterateRound alone in the bench process; ${healthNote(r.health)}`,
      },
      rssFigure('CSV', r),
    )
  } else out.push(opts.skip('export', csvFigure))
  if (exists.xlsx) {
    const r = await fetchExport({ tmp: opts.tmp, db: opts.db, format: 'xlsx', capMs: CAP_MS }).catch((e: Error) => e)
    if (r instanceof Error)
      return [
        ...out,
        { bench: 'export', figure: xlsxFigure, value: null, unit: '', pass: false, note: `failed: ${r.message.split('\n')[0]}` },
      ]
    out.push(
      {
        bench: 'export',
        figure: xlsxFigure,
        value: round(r.rps, 0),
        unit: 'rows/s',
        baseline: round(base.rps, 0),
        ratio: r.rps === null ? null : round(r.rps / base.rps, 2),
        pass: r.complete ? null : false,
        note: `${
          r.complete
            ? `${(r.bytes / 1e6).toFixed(1)} MB, ${(r.ms / 1000).toFixed(1)} s`
            : `not finished within the ${CAP_MS / 1000} s cap (${(r.bytes / 1e6).toFixed(1)} MB received; rows in a zip stream are not countable)`
        }; ${healthNote(r.health)}`,
      },
      rssFigure('XLSX', r),
    )
  } else out.push(opts.skip('export', xlsxFigure))
  return out
}
