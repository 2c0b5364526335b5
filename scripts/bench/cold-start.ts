/**
 * Cold start: wall time from spawning the production server (server/src/server.ts through the tsx
 * loader, as `pnpm start:api` runs it) on the existing 1 M-ballot file to its first 200 on
 * /api/health; best and median of 5. Baseline: spawning the bare Fastify echo server the same way.
 */
import { join } from 'node:path'
import { BENCH_DIR, type Figure, freePort, JWT_SECRET, median, progress, ROOT, round, spawnServer } from './lib.js'
import type { TallyDb } from './tally.js'

const RUNS = 5
const GOAL_MS = 1000

async function spawns(label: string, script: string, env: Record<string, string>, logFile: string): Promise<number[]> {
  const p = progress(label)
  const out: number[] = []
  for (let i = 0; i < RUNS; i++) {
    const child = await spawnServer({ script, env, port: await freePort(), healthPath: '/api/health', logFile })
    out.push(child.readyMs)
    await child.stop()
    p.update(`${i + 1}/${RUNS}: ${child.readyMs.toFixed(0)} ms`)
  }
  p.done(`best ${Math.min(...out).toFixed(0)} ms, median ${median(out).toFixed(0)} ms`)
  return out
}

export async function benchColdStart(opts: { tmp: string; quick: boolean; db: TallyDb }): Promise<Figure[]> {
  const app = await spawns(
    `server.ts on the ${opts.db.ballots.toLocaleString('en')}-ballot DB`,
    join(ROOT, 'server/src/server.ts'),
    { DATABASE_PATH: opts.db.path, SEED_DEMO: 'false', JWT_SECRET, LOG_LEVEL: 'info' },
    join(opts.tmp, 'server-coldstart.log'),
  )
  const base = await spawns('bare Fastify', join(BENCH_DIR, 'echo-server.ts'), {}, join(opts.tmp, 'echo-coldstart.log'))
  const size = opts.db.ballots.toLocaleString('en')
  return [
    {
      bench: 'coldstart',
      figure: `Cold start to first 200 on /api/health (${size}-ballot DB), median of ${RUNS}`,
      value: round(median(app), 0),
      unit: 'ms',
      baseline: round(median(base), 0),
      ratio: round(median(app) / median(base), 2),
      goal: `< ${GOAL_MS} ms`,
      pass: median(app) < GOAL_MS,
      note: `best ${Math.min(...app).toFixed(0)} ms (bare Fastify best ${Math.min(...base).toFixed(0)} ms); spawn \`node --import tsx server/src/server.ts\` → loadConfig → createDb → migrateDb → buildApp → listen; runs: ${app.map((x) => x.toFixed(0)).join(', ')} ms`,
    },
  ]
}
