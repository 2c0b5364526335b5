/**
 * Cold start: wall time from spawning the production server to its first 200 on /api/health, on the existing
 * 1 M-ballot file; median of 5. The server runs as `pnpm start` runs it: `node server/dist/server.mjs`, the
 * esbuild bundle (scripts/build-server.ts), built once before the timed spawns. Baseline: a bare Fastify JSON
 * echo (echo-server.ts) bundled and spawned the same way. Context: the same server through the tsx loader
 * (`pnpm start:api`, the way it was started before the bundle).
 */
import { join } from 'node:path'
import { buildServer, bundleForNode, SERVER_BUNDLE } from '../build-server.js'
import { BENCH_DIR, type Figure, freePort, JWT_SECRET, median, progress, ROOT, round, spawnServer } from './lib.js'
import type { TallyDb } from './tally.js'

const RUNS = 5
const GOAL_MS = 1000

async function spawns(label: string, script: string, tsx: boolean, env: Record<string, string>, logFile: string): Promise<number[]> {
  const p = progress(label)
  const out: number[] = []
  for (let i = 0; i < RUNS; i++) {
    const child = await spawnServer({ script, tsx, env, port: await freePort(), healthPath: '/api/health', logFile })
    out.push(child.readyMs)
    await child.stop()
    p.update(`${i + 1}/${RUNS}: ${child.readyMs.toFixed(0)} ms`)
  }
  p.done(`best ${Math.min(...out).toFixed(0)} ms, median ${median(out).toFixed(0)} ms`)
  return out
}

const list = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(', ')

export async function benchColdStart(opts: { tmp: string; quick: boolean; db: TallyDb }): Promise<Figure[]> {
  const b = progress('esbuild')
  const built = await buildServer()
  const echoBundle = await bundleForNode({ entry: join(BENCH_DIR, 'echo-server.ts'), outDir: join(opts.tmp, 'echo-dist'), name: 'echo' })
  b.done(`server/dist/server.mjs in ${built.ms.toFixed(0)} ms, the echo baseline in ${echoBundle.ms.toFixed(0)} ms`)

  const size = opts.db.ballots.toLocaleString('en')
  const env = { DATABASE_PATH: opts.db.path, SEED_DEMO: 'false', JWT_SECRET, LOG_LEVEL: 'info' }
  const app = await spawns(`server.mjs on the ${size}-ballot DB`, SERVER_BUNDLE, false, env, join(opts.tmp, 'server-coldstart.log'))
  const base = await spawns('bare Fastify (bundled)', join(opts.tmp, 'echo-dist/echo.mjs'), false, {}, join(opts.tmp, 'echo-coldstart.log'))
  const viaTsx = await spawns(
    'server.ts through tsx (context)',
    join(ROOT, 'server/src/server.ts'),
    true,
    env,
    join(opts.tmp, 'server-tsx-coldstart.log'),
  )
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
      note:
        `spawn \`node server/dist/server.mjs\` (as \`pnpm start\`; esbuild bundle) → loadConfig → createDb → migrateDb → in-process fake Zalo → buildApp → listen; ` +
        `runs ${list(app)} ms; baseline = bare Fastify JSON echo bundled and spawned the same way (runs ${list(base)} ms); ` +
        `the same server through tsx (\`pnpm start:api\`): median ${median(viaTsx).toFixed(0)} ms (runs ${list(viaTsx)} ms)`,
    },
  ]
}
