/**
 * `pnpm bench`: run every benchmark, print a live progress line per step, and write
 * docs/benchmarks.md (the table) and docs/benchmarks.json (the same figures and the machine facts).
 * Flags: --quick (small sizes, a smoke run; does not overwrite docs/ unless --write), --only <name>
 * (ingest | tally | export | form | coldstart | outbox; repeatable or comma-separated), --engine sqlite (the default) |
 * postgres (also `sqlite,postgres`, `both`): PostgreSQL beside SQLite in the same run, for ingest, tally and export.
 * Temporary databases live under os.tmpdir() and are deleted at the end.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir, totalmem } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { benchColdStart } from './cold-start.js'
import { benchExport } from './export.js'
import { benchForm } from './form.js'
import { benchIngest } from './ingest.js'
import { type Figure, openBenchContext, ROOT } from './lib.js'
import { benchOutbox } from './outbox-drain.js'
import { dropAllBenchDbs, PG_ADMIN_URL, pgVersion } from './pg.js'
import { type BigPg, benchExportPg, benchIngestPg, benchTallyPg, copyBigWorld, copyFigure, tallyPgAtSize } from './postgres.js'
import { benchTally, type TallyDb } from './tally.js'

const STEPS = ['ingest', 'tally', 'export', 'form', 'coldstart', 'outbox'] as const
type Step = (typeof STEPS)[number]

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string', multiple: true },
    write: { type: 'boolean', default: false },
    resume: { type: 'string' },
    engine: { type: 'string', default: 'sqlite' },
  },
})
// PostgreSQL is measured beside SQLite, never instead: its worlds are copies of the SQLite ones the run builds
const ENGINES: Record<string, boolean> = { sqlite: false, postgres: true, 'sqlite,postgres': true, 'postgres,sqlite': true, both: true }
const engineArg = (values.engine ?? 'sqlite').replaceAll(' ', '')
if (!(engineArg in ENGINES)) throw new Error(`unknown --engine "${values.engine}"; one of sqlite, postgres, sqlite,postgres, both`)
const withPg = ENGINES[engineArg] as boolean
/** Steps with no PostgreSQL column (what they measure does not touch the database, or not yet on PostgreSQL). */
const SQLITE_ONLY: readonly string[] = ['form', 'coldstart', 'outbox']
const only = new Set((values.only ?? []).flatMap((s) => s.split(',')).map((s) => s.trim()))
for (const s of only) if (!STEPS.includes(s as Step)) throw new Error(`unknown bench "${s}"; one of ${STEPS.join(', ')}`)
const wants = (s: Step) => only.size === 0 || only.has(s)
const quick = values.quick

async function machine() {
  const git = (args: string[]) => {
    try {
      return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim()
    } catch {
      return 'unknown'
    }
  }
  const probe = openBenchContext(':memory:')
  const sqlite = (probe.db.$client.prepare('select sqlite_version() as v').get() as { v: string }).v
  probe.db.$client.close()
  return {
    cpuModel: cpus()[0]?.model ?? 'unknown',
    cpuCount: cpus().length,
    memoryGb: Number((totalmem() / 1024 ** 3).toFixed(1)),
    node: process.version,
    sqlite,
    commit: git(['rev-parse', '--short', 'HEAD']),
    // the previous run's docs/benchmarks.* do not make the tree dirty: this run rewrites them
    dirty: git(['status', '--porcelain', '--untracked-files=no', '--', '.', ':!docs/benchmarks.*']) !== '',
    date: new Date().toISOString(),
    quick,
    ...(withPg ? { postgres: await pgVersion(), engines: ['sqlite', 'postgres'] } : {}),
  }
}

const fmt = (x: number | null | undefined) =>
  x === null || x === undefined ? '—' : Math.abs(x) >= 1000 ? Math.round(x).toLocaleString('en') : String(x)

type Machine = Awaited<ReturnType<typeof machine>>

function markdown(m: Machine, figures: Figure[], totalS: number, resumed: string[]): string {
  const lines = [
    '# Benchmarks',
    '',
    'Written by `pnpm bench` (scripts/bench/, see its README for what each figure means). The machine is shared and',
    'noisy: read the **ratio** against the baseline measured in the same run; absolute values are context.',
    '',
    `- Machine: ${m.cpuModel}, ${m.cpuCount} CPUs, ${m.memoryGb} GB RAM; Node ${m.node}; SQLite ${m.sqlite}`,
    `- Commit: ${m.commit}${m.dirty ? ' (working tree had uncommitted changes by others)' : ''}; run at ${m.date}; took ${totalS.toFixed(0)} s${m.quick ? '; **--quick** sizes' : ''}`,
    ...(resumed.length ? [`- Resumed run (\`--resume\`): ${resumed.join(', ')} measured before the interruption, on the same files`] : []),
    '',
    '| Figure | Value | Baseline | Ratio | Goal | Result |',
    '| --- | ---: | ---: | ---: | --- | --- |',
  ]
  for (const f of figures) {
    const value = f.value === null ? (f.note?.startsWith('skipped') ? 'skipped' : '—') : `${fmt(f.value)} ${f.unit}`
    const result = f.pass === true ? 'pass' : f.pass === false ? '**FAIL**' : f.value === null ? 'skipped' : ''
    lines.push(`| ${f.figure} | ${value} | ${fmt(f.baseline)} | ${fmt(f.ratio)} | ${f.goal ?? ''} | ${result} |`)
  }
  lines.push('', '## Notes', '')
  for (const f of figures) if (f.note) lines.push(`- **${f.figure}**: ${f.note}`)
  lines.push('')
  return lines.join('\n')
}

/** Result of one figure in a cell: value, ÷ baseline = ratio, pass/FAIL. */
function cell(f: Figure | undefined, missing: string): string {
  if (!f) return missing
  // no value: the note says why (an error, a time cap)
  if (f.value === null) return f.pass === false ? '— · **FAIL**' : f.note?.startsWith('skipped') ? 'skipped' : '—'
  const ratio = f.baseline === undefined || f.baseline === null ? '' : ` ÷ ${fmt(f.baseline)} = ${fmt(f.ratio)}`
  const result = f.pass === true ? ' · pass' : f.pass === false ? ' · **FAIL**' : ''
  return `${fmt(f.value)} ${f.unit}${ratio}${result}`.replace(/ +/g, ' ')
}

/** The table with a SQLite and a PostgreSQL column: one row per figure name, in the order they were first measured. */
function markdownBoth(m: Machine, figures: Figure[], totalS: number, resumed: string[]): string {
  const rows = new Map<string, { sqlite?: Figure; postgres?: Figure; bench: string }>()
  for (const f of figures) {
    const row = rows.get(f.figure) ?? { bench: f.bench }
    if (f.engine === 'postgres') row.postgres = f
    else row.sqlite = f
    rows.set(f.figure, row)
  }
  const lines = [
    '# Benchmarks',
    '',
    'Written by `pnpm bench --engine postgres` (scripts/bench/, see its README for what each figure means). The machine is',
    'shared and noisy: read the **ratio** against the baseline measured in the same run; absolute values are context.',
    "Each cell: value ÷ baseline = ratio, and the goal's result. PostgreSQL runs on the same machine as everything else.",
    '',
    `- Machine: ${m.cpuModel}, ${m.cpuCount} CPUs, ${m.memoryGb} GB RAM; Node ${m.node}; SQLite ${m.sqlite}; PostgreSQL ${m.postgres ?? '?'} (same machine, 127.0.0.1)`,
    `- Commit: ${m.commit}${m.dirty ? ' (working tree had uncommitted changes by others)' : ''}; run at ${m.date}; took ${totalS.toFixed(0)} s${m.quick ? '; **--quick** sizes' : ''}`,
    ...(resumed.length ? [`- Resumed run (\`--resume\`): ${resumed.join(', ')} measured before the interruption, on the same files`] : []),
    '',
    '| Figure | SQLite | PostgreSQL | Goal |',
    '| --- | ---: | ---: | --- |',
  ]
  for (const [figure, r] of rows) {
    const goal = r.sqlite?.goal ?? r.postgres?.goal ?? ''
    const pgMissing = SQLITE_ONLY.includes(r.bench) ? 'SQLite only' : 'not measured'
    lines.push(`| ${figure} | ${cell(r.sqlite, 'n/a')} | ${cell(r.postgres, pgMissing)} | ${goal} |`)
  }
  lines.push('', '## Notes', '')
  for (const [figure, r] of rows) {
    if (r.sqlite?.note) lines.push(`- **${figure}**${r.postgres ? ' (SQLite)' : ''}: ${r.sqlite.note}`)
    if (r.postgres?.note) lines.push(`- **${figure}** (PostgreSQL): ${r.postgres.note}`)
  }
  lines.push('')
  return lines.join('\n')
}

const started = performance.now()
// --resume <dir>: continue an interrupted run in its temp folder (kept when a run is interrupted):
// steps recorded in <dir>/state.json are not run again, and the 1 M-ballot file is reused.
const tmp = values.resume ?? mkdtempSync(join(tmpdir(), 'hailong-bench-'))
const statePath = join(tmp, 'state.json')
interface State {
  done: string[]
  figures: Figure[]
  tallyDb?: TallyDb
}
const resumedSteps: string[] = []
const state: State = existsSync(statePath) ? (JSON.parse(readFileSync(statePath, 'utf8')) as State) : { done: [], figures: [] }
/** The PostgreSQL copy of the 1 M world (tally, overview, export); dropped with every other bench database at the end. */
let bigPg: BigPg | undefined
const figures: Figure[] = state.figures
let interrupted = false
process.once('SIGINT', () => {
  interrupted = true
  console.log(`\ninterrupted: continue with \`pnpm bench --resume ${tmp}\``)
  // the temporary PostgreSQL databases go now: a resumed run copies again what it needs
  void dropAllBenchDbs()
    .catch((e) => console.error('could not drop the bench databases:', e))
    .finally(() => process.exit(130))
})
process.once('exit', () => {
  if (!interrupted && !values.resume) rmSync(tmp, { recursive: true, force: true })
})
const facts = await machine()
console.log(
  `Hài Lòng bench${quick ? ' (--quick)' : ''}: ${facts.cpuCount} × ${facts.cpuModel}, Node ${facts.node}, SQLite ${facts.sqlite}${withPg ? `, PostgreSQL ${facts.postgres} at ${new URL(PG_ADMIN_URL).host}` : ''}`,
)
let tallyDb: TallyDb | undefined = state.tallyDb
const skip = (bench: string, figure: string, why = 'skipped: not built yet'): Figure => ({
  bench,
  figure,
  value: null,
  unit: '',
  note: why,
})
/** Run one step; a crash becomes an error row so the other figures still get written. */
async function step(name: Step | `${Step}-pg`, fn: () => Promise<Figure[]>): Promise<void> {
  if (state.done.includes(name)) {
    console.log(`▶ ${name}: done before --resume, kept`)
    resumedSteps.push(name)
    return
  }
  console.log(`▶ ${name}`)
  try {
    figures.push(...(await fn()))
    state.done.push(name)
    writeFileSync(statePath, JSON.stringify({ ...state, figures, tallyDb }))
  } catch (e) {
    console.error(`  ✗ ${name} failed:`, e)
    figures.push({
      bench: name,
      figure: `${name} (failed)`,
      value: null,
      unit: '',
      pass: false,
      note: `error: ${String((e as Error).message).split('\n')[0]}`,
    })
  }
}
try {
  const needBigDb = wants('tally') || wants('export') || wants('coldstart')
  if (wants('ingest')) await step('ingest', () => benchIngest({ tmp, quick }))
  if (wants('ingest') && withPg) await step('ingest-pg', () => benchIngestPg({ tmp, quick }))
  // PostgreSQL's tally at the smallest size is taken on a copy of the world as it stands then (see postgres.ts)
  let smallestPgP50: number | undefined
  const pgAtSize: Figure[] = []
  if (needBigDb)
    await step('tally', async () => {
      const r = await benchTally({
        tmp,
        quick,
        measure: wants('tally'),
        onSize:
          withPg && wants('tally')
            ? async (size, ctx, frame, roundId) => {
                if (smallestPgP50 !== undefined) return
                try {
                  const at = await tallyPgAtSize({ tmp, quick, size, ctx, frame, roundId })
                  smallestPgP50 = at.p50
                  pgAtSize.push(...at.figures)
                } catch (e) {
                  console.error('  ✗ tally on PostgreSQL failed:', e)
                  smallestPgP50 = Number.NaN
                  pgAtSize.push({
                    bench: 'tally',
                    engine: 'postgres',
                    figure: 'tally on PostgreSQL (failed)',
                    value: null,
                    unit: '',
                    pass: false,
                    note: `error: ${String((e as Error).message).split('\n')[0]}`,
                  })
                }
              }
            : undefined,
      })
      tallyDb = r.db
      return [...r.figures, ...pgAtSize]
    })
  const big = tallyDb
  // copied before the SQLite export seals the round: the tally of a sealed round is its frozen JSON, not a count
  if (withPg && big && (wants('tally') || wants('export')))
    await step('tally-pg', async () => {
      bigPg = await copyBigWorld(big)
      const copied = copyFigure(bigPg, big.ballots)
      if (!wants('tally')) return [copied]
      const p50 = smallestPgP50 !== undefined && Number.isFinite(smallestPgP50) ? smallestPgP50 : undefined
      return [...(await benchTallyPg({ tmp, quick, db: big, big: bigPg, smallestP50: p50 })), copied]
    })
  if (wants('export') && big) await step('export', () => benchExport({ tmp, quick, db: big, skip }))
  if (wants('export') && big && withPg)
    await step('export-pg', async () => {
      bigPg ??= await copyBigWorld(big)
      return benchExportPg({ tmp, quick, db: big, big: bigPg })
    })
  if (wants('form')) await step('form', () => benchForm({ tmp, quick, skip }))
  if (wants('coldstart') && big) await step('coldstart', () => benchColdStart({ tmp, quick, db: big }))
  if (wants('outbox')) await step('outbox', () => benchOutbox({ tmp, quick }))
} finally {
  if (values.resume) rmSync(tmp, { recursive: true, force: true })
  if (withPg) {
    const dropped = await dropAllBenchDbs()
    if (dropped.length) console.log(`dropped the bench's PostgreSQL databases: ${dropped.join(', ')}`)
  }
}

const totalS = (performance.now() - started) / 1000
const md = withPg ? markdownBoth(facts, figures, totalS, resumedSteps) : markdown(facts, figures, totalS, resumedSteps)
console.log(`\n${md}`)
if ((!quick && only.size === 0) || values.write) {
  mkdirSync(join(ROOT, 'docs'), { recursive: true })
  writeFileSync(join(ROOT, 'docs/benchmarks.md'), md)
  writeFileSync(
    join(ROOT, 'docs/benchmarks.json'),
    `${JSON.stringify({ machine: facts, totalSeconds: Math.round(totalS), figures }, null, 2)}\n`,
  )
  console.log('wrote docs/benchmarks.md and docs/benchmarks.json')
}
const failed = figures.filter((f) => f.pass === false)
console.log(
  `done in ${totalS.toFixed(0)} s; ${failed.length} goal(s) missed${failed.length ? `: ${failed.map((f) => f.figure).join('; ')}` : ''}`,
)
