/**
 * Export: GET /api/rounds/:id/export.csv and /export.xlsx of the sealed 1 M-ballot round from a real
 * server process: rows/s and the peak RSS of the server (VmHWM from /proc/<pid>/status), a fresh
 * process per format so each peak is its own. Skipped while the export routes do not exist.
 */
import { join } from 'node:path'
import { request } from 'undici'
import { type Figure, freePort, JWT_SECRET, openBenchContext, peakRssMb, progress, ROOT, round, spawnServer } from './lib.js'
import type { TallyDb } from './tally.js'

const CSV_GOAL = 100_000
const RSS_GOAL_MB = 300

/** Close and seal the round through the services (seal verifies the ledger and recounts the ballots). */
async function seal(db: TallyDb): Promise<void> {
  const ctx = openBenchContext(db.path)
  try {
    const user = ctx.services.users.repo.findByUsername(db.username)
    if (!user) throw new Error('bench user missing')
    const actor = { id: user.id, username: user.username, role: user.role, unitId: user.unitId }
    const r = ctx.services.rounds.repo.findById(db.roundId)
    if (r?.status === 'open') ctx.services.rounds.close(actor, db.roundId)
    if (r?.status !== 'sealed') ctx.services.tally.seal(actor, db.roundId)
  } finally {
    ctx.close()
  }
}

async function fetchExport(opts: { tmp: string; db: TallyDb; format: 'csv' | 'xlsx' }) {
  const child = await spawnServer({
    script: join(ROOT, 'server/src/server.ts'),
    env: { DATABASE_PATH: opts.db.path, SEED_DEMO: 'false', JWT_SECRET, LOG_LEVEL: 'info' },
    port: await freePort(),
    healthPath: '/api/health',
    logFile: join(opts.tmp, `server-export-${opts.format}.log`),
  })
  try {
    const login = await request(`${child.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: opts.db.username, password: opts.db.password }),
    })
    const { token } = (await login.body.json()) as { token: string }
    const p = progress(`export.${opts.format}`)
    let peak = peakRssMb(child.pid) ?? 0
    const poll = setInterval(() => {
      peak = Math.max(peak, peakRssMb(child.pid) ?? 0)
    }, 50)
    const t0 = performance.now()
    const res = await request(`${child.url}/api/rounds/${opts.db.roundId}/export.${opts.format}`, {
      headers: { authorization: `Bearer ${token}` },
      headersTimeout: 600_000,
      bodyTimeout: 600_000,
    })
    let bytes = 0
    let lines = 0
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      bytes += chunk.length
      if (opts.format === 'csv') for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++
      p.update(`${(bytes / 1e6).toFixed(1)} MB`)
    }
    const ms = performance.now() - t0
    clearInterval(poll)
    peak = Math.max(peak, peakRssMb(child.pid) ?? 0)
    if (res.statusCode !== 200) throw new Error(`export.${opts.format}: ${res.statusCode}`)
    // CSV: one header line, then one record per ballot (free text may hold quoted newlines: count ballots instead)
    const rows = opts.db.ballots
    p.done(
      `${(bytes / 1e6).toFixed(1)} MB in ${(ms / 1000).toFixed(1)} s, ${Math.round((rows / ms) * 1000)} rows/s, peak RSS ${peak.toFixed(0)} MB`,
    )
    return { ms, bytes, rows, lines, peak }
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
  // Probe the routes on a throwaway server: without them, nothing to measure (and no need to seal).
  const probe = await spawnServer({
    script: join(ROOT, 'server/src/server.ts'),
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
  if (exists.csv) {
    const r = await fetchExport({ tmp: opts.tmp, db: opts.db, format: 'csv' })
    const rps = (r.rows / r.ms) * 1000
    out.push(
      {
        bench: 'export',
        figure: csvFigure,
        value: round(rps, 0),
        unit: 'rows/s',
        goal: `≥ ${CSV_GOAL.toLocaleString('en')} rows/s`,
        pass: rps >= CSV_GOAL,
        note: `${(r.bytes / 1e6).toFixed(1)} MB, ${r.lines.toLocaleString('en')} lines, ${(r.ms / 1000).toFixed(1)} s`,
      },
      {
        bench: 'export',
        figure: 'CSV export: peak RSS of the server',
        value: round(r.peak, 0),
        unit: 'MB',
        goal: `< ${RSS_GOAL_MB} MB`,
        pass: r.peak < RSS_GOAL_MB,
      },
    )
  } else out.push(opts.skip('export', csvFigure))
  if (exists.xlsx) {
    const r = await fetchExport({ tmp: opts.tmp, db: opts.db, format: 'xlsx' })
    out.push(
      {
        bench: 'export',
        figure: xlsxFigure,
        value: round((r.rows / r.ms) * 1000, 0),
        unit: 'rows/s',
        note: `${(r.bytes / 1e6).toFixed(1)} MB, ${(r.ms / 1000).toFixed(1)} s`,
      },
      {
        bench: 'export',
        figure: 'XLSX export: peak RSS of the server',
        value: round(r.peak, 0),
        unit: 'MB',
        goal: `< ${RSS_GOAL_MB} MB`,
        pass: r.peak < RSS_GOAL_MB,
      },
    )
  } else out.push(opts.skip('export', xlsxFigure))
  return out
}
