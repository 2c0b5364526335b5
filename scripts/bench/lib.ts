/**
 * Shared helpers for the benchmarks: the bench context (loadConfig → createDb → migrateDb →
 * createServices, STYLE rule 22), child server processes, latency statistics and the result rows.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { closeSync, openSync, readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type AppDb, asyncDb, closeDb, createDb, type Db, migrateDb } from '@app/db'
import { type Config, loadConfig } from '@app/server/config.ts'
import { systemClock } from '@app/server/lib/clock.ts'
import { createServices, type Services } from '@app/server/services.ts'
import { request } from 'undici'

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
export const BENCH_DIR = resolve(ROOT, 'scripts/bench')
export const JWT_SECRET = 'bench-jwt-secret-bench-jwt-secret-0123456789'
/** Production servers require one (it seals pending ballots); the bench's own, never a real deployment's. */
export const PRIVACY_SECRET = 'bench-privacy-secret-bench-privacy-secret-0123'
/** The highest per-IP limit the config accepts: the load comes from one IP. */
export const LOAD_RATE_LIMIT = '1000000'

/** One row of docs/benchmarks.md. `ratio` is value ÷ baseline (see the README for each figure's direction). */
export interface Figure {
  bench: string
  /** Set on figures measured on PostgreSQL (`--engine postgres`); absent: SQLite. */
  engine?: 'postgres'
  figure: string
  value: number | null
  unit: string
  baseline?: number | null
  ratio?: number | null
  goal?: string
  pass?: boolean | null
  note?: string
}

export interface BenchContext {
  config: Config
  db: Db
  /** The asynchronous query API over `db` (the one the services and repositories use). */
  adb: AppDb
  services: Services
  close: () => void
}

/**
 * The same start-up path as the server and the CLIs, on the given SQLite file, no demo data.
 * `bulk`: this connection only builds a throwaway benchmark file, so it trades durability for speed
 * (synchronous OFF, a 1 GB page cache for the random-key indexes of 1 M ballots). The servers that
 * are measured open the file with the production pragmas.
 */
export function openBenchContext(dbPath: string, opts: { bulk?: boolean } = {}): BenchContext {
  const config = loadConfig({ DATABASE_PATH: dbPath, SEED_DEMO: 'false', JWT_SECRET, PRIVACY_SECRET, LOG_LEVEL: 'warn' })
  const db = createDb(config.db.path)
  if (opts.bulk) {
    db.$client.pragma('synchronous = OFF')
    db.$client.pragma('cache_size = -1048576')
  }
  migrateDb(db)
  const services = createServices({ db, config, clock: systemClock })
  return {
    config,
    db,
    adb: asyncDb(db),
    services,
    close: () => {
      // leave a compact file behind: the next process opens it without replaying a large WAL
      db.$client.pragma('wal_checkpoint(TRUNCATE)')
      closeDb(db)
    },
  }
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[i] as number
}

export function summarize(samples: number[]): { p50: number; p99: number; min: number; max: number; n: number } {
  const s = [...samples].sort((a, b) => a - b)
  return { p50: percentile(s, 50), p99: percentile(s, 99), min: s[0] ?? Number.NaN, max: s.at(-1) ?? Number.NaN, n: s.length }
}

export const median = (xs: number[]) =>
  percentile(
    [...xs].sort((a, b) => a - b),
    50,
  )

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms))
}

export interface Child {
  proc: ChildProcess
  pid: number
  url: string
  /** Wall time from spawn to the first 200 on the health URL, ms. */
  readyMs: number
  stop: () => Promise<void>
}

/**
 * Spawn `node --import tsx <script>` (what `tsx <script>` does, minus the extra watcher process), or
 * `node <script>` for a built bundle (`tsx: false`), and wait for the first 200 on `healthPath`.
 * Output goes to `logFile`, as a service manager would keep it.
 */
export async function spawnServer(opts: {
  script: string
  env: Record<string, string>
  port: number
  healthPath: string
  logFile: string
  nodeArgs?: string[]
  /** Load the script through tsx (TypeScript source; the default). false: plain JavaScript, e.g. server/dist/server.mjs. */
  tsx?: boolean
  timeoutMs?: number
}): Promise<Child> {
  const fd = openSync(opts.logFile, 'a')
  const t0 = performance.now()
  const loader = opts.tsx === false ? [] : ['--import', 'tsx']
  const proc = spawn(process.execPath, [...(opts.nodeArgs ?? []), ...loader, opts.script], {
    cwd: ROOT,
    // production on loopback http, knowingly (ALLOW_INSECURE)
    env: {
      ALLOW_INSECURE: 'true',
      PRIVACY_SECRET,
      ...process.env,
      ...opts.env,
      PORT: String(opts.port),
      HOST: '127.0.0.1',
      NODE_ENV: 'production',
    },
    stdio: ['ignore', fd, fd],
  })
  closeSync(fd)
  const url = `http://127.0.0.1:${opts.port}`
  let exited: number | null | undefined
  proc.on('exit', (code) => {
    exited = code
  })
  const deadline = t0 + (opts.timeoutMs ?? 60_000)
  for (;;) {
    if (exited !== undefined) throw new Error(`${opts.script} exited with ${exited}; see ${opts.logFile}:\n${tail(opts.logFile)}`)
    if (performance.now() > deadline) {
      proc.kill('SIGKILL')
      throw new Error(`${opts.script} did not answer ${opts.healthPath} in time; see ${opts.logFile}`)
    }
    try {
      const res = await request(`${url}${opts.healthPath}`, { headersTimeout: 2000, bodyTimeout: 2000 })
      await res.body.dump()
      if (res.statusCode === 200) break
    } catch {
      // not listening yet
    }
    await sleep(5)
  }
  const readyMs = performance.now() - t0
  const pid = proc.pid as number
  return {
    proc,
    pid,
    url,
    readyMs,
    stop: () =>
      new Promise<void>((done) => {
        if (exited !== undefined) return done()
        const kill = setTimeout(() => proc.kill('SIGKILL'), 15_000)
        proc.once('exit', () => {
          clearTimeout(kill)
          done()
        })
        proc.kill('SIGTERM')
      }),
  }
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-30).join('\n')
  } catch {
    return ''
  }
}

/** Peak resident set (VmHWM) of a process, MB, from /proc. */
export function peakRssMb(pid: number): number | null {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m ? Number(m[1]) / 1024 : null
  } catch {
    return null
  }
}

/** A port the OS says is free on 127.0.0.1 right now (the machine is shared: never guess one). */
export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const srv = createServer()
    srv.once('error', fail)
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address()
      const port = typeof addr === 'object' && addr ? addr.port : 0
      srv.close(() => done(port))
    })
  })
}

/** A simple live progress line on a TTY, plain lines otherwise. */
export function progress(label: string): { update: (text: string) => void; done: (text: string) => void } {
  const tty = process.stdout.isTTY
  const t0 = performance.now()
  const secs = () => ((performance.now() - t0) / 1000).toFixed(1)
  let last = 0
  return {
    update(text) {
      if (tty) process.stdout.write(`\r\x1b[2K  ${label}: ${text} (${secs()} s)`)
      else if (performance.now() - last > 5000) {
        last = performance.now()
        console.log(`  ${label}: ${text} (${secs()} s)`)
      }
    },
    done(text) {
      if (tty) process.stdout.write('\r\x1b[2K')
      console.log(`  ✓ ${label}: ${text} (${secs()} s)`)
    },
  }
}

export const round = (x: number | null | undefined, digits = 2): number | null =>
  x === null || x === undefined || !Number.isFinite(x) ? null : Number(x.toFixed(digits))

/**
 * CPU time (user + system, ms) a process has used so far, from /proc/<pid>/stat (clock ticks of 10 ms). Unlike
 * throughput, CPU spent per request barely moves when other processes load the machine.
 */
export function cpuTimeMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  // fields after the command name (which may hold spaces) start after the last ')'
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(f[11]) + Number(f[12])) * 10
}
