/**
 * Tally latency: GET /api/rounds/:id/tally (over HTTP on the production bundle, bearer token) at 10 k, 100 k and 1 M ballots
 * in one round of 1 M households across 100 villages, the ballots counted in batched transactions by
 * ballots.recordBallot. The 1 M-ballot file is kept for the export and cold-start benches.
 * Plus the province overview over 100 communes when GET /api/units/:id/overview exists, timed over HTTP
 * on a production server process (the bundle) on the same file.
 */
import { dirname, join } from 'node:path'
import { buildApp } from '@app/server'
import type { FastifyInstance } from 'fastify'
import { request } from 'undici'
import { buildServer, SERVER_BUNDLE } from '../build-server.js'
import { type BenchContext, type Figure, freePort, JWT_SECRET, openBenchContext, progress, round, spawnServer, summarize } from './lib.js'
import { bulkRecord, communeHouseholds, type Frame, interleave, makeCommune, makeFrame, openRound, STAFF_PASSWORD } from './world.js'

/** The big database left behind for the export and cold-start benches. */
export interface TallyDb {
  path: string
  roundId: string
  provinceId: string
  username: string
  password: string
  ballots: number
}

export const GOAL_MS = 50

async function appFor(ctx: BenchContext): Promise<FastifyInstance> {
  const app = await buildApp({ config: ctx.config, db: ctx.db, jwtSecret: JWT_SECRET, logger: false })
  await app.ready()
  return app
}

async function login(app: FastifyInstance, username: string): Promise<Record<string, string>> {
  const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password: STAFF_PASSWORD } })
  if (res.statusCode !== 200) throw new Error(`login: ${res.statusCode} ${res.body}`)
  return { authorization: `Bearer ${res.json().token}` }
}

/**
 * Run `fn` against a real production server process (the bundle, as `pnpm start` runs it) on the bench's file,
 * logged in as `username`. Timings are taken there, over HTTP, not in this process: it holds the 1 M-ballot world
 * it built, and its garbage collection is not the server's.
 */
async function onServer<T>(
  ctx: BenchContext,
  logName: string,
  username: string,
  fn: (origin: string, headers: Record<string, string>) => Promise<T>,
): Promise<T> {
  ctx.db.$client.pragma('wal_checkpoint(TRUNCATE)')
  const server = await spawnServer({
    script: SERVER_BUNDLE,
    tsx: false,
    env: { DATABASE_PATH: ctx.config.db.path, SEED_DEMO: 'false', JWT_SECRET, LOG_LEVEL: 'info' },
    port: await freePort(),
    healthPath: '/api/health',
    logFile: join(dirname(ctx.config.db.path), logName),
  })
  try {
    const res = await request(`${server.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password: STAFF_PASSWORD }),
    })
    if (res.statusCode !== 200) throw new Error(`login: ${res.statusCode} ${await res.body.text()}`)
    return await fn(server.url, { authorization: `Bearer ${((await res.body.json()) as { token: string }).token}` })
  } finally {
    await server.stop()
  }
}

/** Latency of `calls` GETs over HTTP to a server process, after 5 warm-up calls; every answer must be 200. */
export async function timeHttpGets(origin: string, url: string, headers: Record<string, string>, calls: number) {
  const samples: number[] = []
  for (let i = 0; i < calls + 5; i++) {
    const t = performance.now()
    const res = await request(`${origin}${url}`, { headers })
    const body = await res.body.text()
    const ms = performance.now() - t
    if (res.statusCode !== 200) throw new Error(`GET ${url}: ${res.statusCode} ${body.slice(0, 300)}`)
    if (i >= 5) samples.push(ms)
  }
  return summarize(samples)
}

export async function benchTally(opts: {
  tmp: string
  quick: boolean
  measure: boolean
  /** Called after each size is counted (and measured): the PostgreSQL bench copies the world there. */
  onSize?: (size: number, ctx: BenchContext, frame: Frame, roundId: string) => Promise<void>
}): Promise<{ db: TallyDb; figures: Figure[] }> {
  const sizes = opts.quick ? [1_000, 10_000, 50_000] : [10_000, 100_000, 1_000_000]
  const villages = opts.quick ? 50 : 100
  const total = sizes.at(-1) as number
  const calls = opts.quick ? 20 : 60
  const path = join(opts.tmp, 'tally.db')
  const ctx = openBenchContext(path, { bulk: true })
  const figures: Figure[] = []
  let frame: Frame
  let roundId: string
  try {
    frame = await makeFrame(ctx)
    const p1 = progress('households')
    const commune = await makeCommune(ctx, frame, {
      code: 'TL',
      villages,
      perVillage: total / villages,
      onProgress: (n) => p1.update(`${n.toLocaleString('en')} / ${total.toLocaleString('en')}`),
    })
    const r = await openRound(ctx, frame, commune.communeId)
    roundId = r.id
    const households = interleave(await communeHouseholds(ctx, commune))
    p1.done(`${households.length.toLocaleString('en')} households in ${villages} villages, round open`)

    const app = opts.measure ? await appFor(ctx) : undefined
    const headers = app ? await login(app, frame.username) : {}
    if (app) await buildServer()
    const p50s: number[] = []
    let done = 0
    for (const size of sizes) {
      const p = progress(`count to ${size.toLocaleString('en')} ballots`)
      const t0 = performance.now()
      const from = done
      await bulkRecord(ctx, r, households, {
        from,
        to: size,
        onProgress: (n) => p.update(`${n.toLocaleString('en')} (${Math.round(((n - from) / (performance.now() - t0)) * 1000)}/s)`),
      })
      done = size
      p.done(
        `${size.toLocaleString('en')} ballots (${Math.round(((size - from) / (performance.now() - t0)) * 1000)} ballots/s through recordBallot)`,
      )
      if (!app) {
        await opts.onSize?.(size, ctx, frame, r.id)
        continue
      }
      // the bench's own bulk writes sit in the WAL; folded here so the server's first write (the disclosure)
      // does not pay for checkpointing them
      ctx.db.$client.pragma('wal_checkpoint(TRUNCATE)')
      // results are served only once the round stopped collecting (TRUST.md §2.2); the bench keeps counting
      // into the closed round through recordBallot, which reads no window
      if ((await ctx.services.rounds.findById(r.id))?.status === 'open') await ctx.services.rounds.close(frame.actor, r.id)
      const s = await onServer(ctx, 'server-tally.log', frame.username, (origin, h) =>
        timeHttpGets(origin, `/api/rounds/${r.id}/tally`, h, calls),
      )
      p50s.push(s.p50)
      const ok = s.p50 <= GOAL_MS && s.p99 <= GOAL_MS
      console.log(`  tally @ ${size.toLocaleString('en')}: p50 ${s.p50.toFixed(2)} ms, p99 ${s.p99.toFixed(2)} ms over ${s.n} calls`)
      figures.push({
        bench: 'tally',
        figure: `Commune tally @ ${size.toLocaleString('en')} ballots, p50 / p99`,
        value: round(s.p50, 2),
        unit: 'ms',
        baseline: round(p50s[0], 2),
        ratio: round(s.p50 / (p50s[0] as number), 2),
        goal: `p50 & p99 ≤ ${GOAL_MS} ms, flat`,
        pass: ok,
        note: `p99 ${s.p99.toFixed(2)} ms over ${s.n} calls (HTTP to node server/dist/server.mjs on the same file, bearer auth); ${villages} villages × 9 questions; baseline = the smallest size`,
      })
      await opts.onSize?.(size, ctx, frame, r.id)
    }
    // let the 1 M household objects go before the overview is timed: marking them is this process's GC
    // work, not the server's (a server never holds them), and it showed up as the overview's p99
    households.length = 0
    if (app) {
      const ov = await overview(app, headers, frame, ctx, opts.quick)
      figures.push(ov)
      await app.close()
    }
  } finally {
    ctx.close()
  }
  return {
    db: { path, roundId, provinceId: frame.provinceId, username: frame.username, password: STAFF_PASSWORD, ballots: total },
    figures,
  }
}

/**
 * Province overview over 100 communes (built on a separate province in the same file), if the route exists.
 * Baseline: the same route on one of those communes, in the same run, so the ratio is the cost of 100 communes
 * against one (the overview reads a fixed number of queries per request, whatever the number of communes).
 */
async function overview(
  app: FastifyInstance,
  headers: Record<string, string>,
  frame: Frame,
  ctx: BenchContext,
  quick: boolean,
): Promise<Figure> {
  const communes = quick ? 20 : 100
  const figure = `Province overview over ${communes} communes, p50 / p99`
  const probe = await app.inject({ method: 'GET', url: `/api/units/${frame.provinceId}/overview`, headers })
  if (probe.statusCode === 404 && /no route for/.test(probe.body))
    return { bench: 'tally', figure, value: null, unit: '', note: 'skipped: not built yet' }
  const p = progress('overview world')
  const prov = await makeFrame(ctx, 'OV')
  let oneCommune = ''
  for (let c = 0; c < communes; c++) {
    const commune = await makeCommune(ctx, prov, { code: `OV${c}`, villages: 10, perVillage: 100 })
    const r = await openRound(ctx, prov, commune.communeId)
    await bulkRecord(ctx, r, interleave(await communeHouseholds(ctx, commune)), { from: 0, to: 600, seed: c })
    oneCommune = commune.communeId
    p.update(`${c + 1} / ${communes} communes with an open round`)
  }
  p.done(`${communes} communes × 10 villages × 100 households, 600 ballots each`)
  ctx.db.$client.pragma('wal_checkpoint(TRUNCATE)')
  const calls = quick ? 20 : 60
  const { one, s } = await onServer(ctx, 'server-overview.log', prov.username, async (origin, h) => ({
    one: await timeHttpGets(origin, `/api/units/${oneCommune}/overview`, h, calls),
    s: await timeHttpGets(origin, `/api/units/${prov.provinceId}/overview`, h, calls),
  }))
  console.log(`  overview: p50 ${s.p50.toFixed(2)} ms, p99 ${s.p99.toFixed(2)} ms (one commune: p50 ${one.p50.toFixed(2)} ms)`)
  return {
    bench: 'tally',
    figure,
    value: round(s.p50, 2),
    unit: 'ms',
    baseline: round(one.p50, 2),
    ratio: round(s.p50 / one.p50, 2),
    goal: `p50 & p99 ≤ ${GOAL_MS} ms`,
    pass: s.p50 <= GOAL_MS && s.p99 <= GOAL_MS,
    note:
      `p99 ${s.p99.toFixed(2)} ms over ${s.n} calls; ${communes} communes with an open round each (10 villages, 600 ballots); ` +
      `baseline = the same route on one commune (p99 ${one.p99.toFixed(2)} ms); HTTP to node server/dist/server.mjs on the same file`,
  }
}
