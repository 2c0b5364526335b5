/**
 * `pnpm bench`: run every benchmark, print a live progress line per step, and write
 * docs/benchmarks.md (the table) and docs/benchmarks.json (the same figures and the machine facts).
 * Flags: --quick (small sizes, a smoke run; does not overwrite docs/ unless --write), --only <name>
 * (ingest | tally | export | form | coldstart | outbox; repeatable or comma-separated).
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
import { benchTally, type TallyDb } from './tally.js'

const STEPS = ['ingest', 'tally', 'export', 'form', 'coldstart', 'outbox'] as const
type Step = (typeof STEPS)[number]

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string', multiple: true },
    write: { type: 'boolean', default: false },
    resume: { type: 'string' },
  },
})
const only = new Set((values.only ?? []).flatMap((s) => s.split(',')).map((s) => s.trim()))
for (const s of only) if (!STEPS.includes(s as Step)) throw new Error(`unknown bench "${s}"; one of ${STEPS.join(', ')}`)
const wants = (s: Step) => only.size === 0 || only.has(s)
const quick = values.quick

function machine() {
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
  }
}

const fmt = (x: number | null | undefined) =>
  x === null || x === undefined ? '—' : Math.abs(x) >= 1000 ? Math.round(x).toLocaleString('en') : String(x)

function markdown(m: ReturnType<typeof machine>, figures: Figure[], totalS: number, resumed: Step[]): string {
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

const started = performance.now()
// --resume <dir>: continue an interrupted run in its temp folder (kept when a run is interrupted):
// steps recorded in <dir>/state.json are not run again, and the 1 M-ballot file is reused.
const tmp = values.resume ?? mkdtempSync(join(tmpdir(), 'hailong-bench-'))
const statePath = join(tmp, 'state.json')
interface State {
  done: Step[]
  figures: Figure[]
  tallyDb?: TallyDb
}
const resumedSteps: Step[] = []
const state: State = existsSync(statePath) ? (JSON.parse(readFileSync(statePath, 'utf8')) as State) : { done: [], figures: [] }
const figures: Figure[] = state.figures
let interrupted = false
process.once('SIGINT', () => {
  interrupted = true
  console.log(`\ninterrupted: continue with \`pnpm bench --resume ${tmp}\``)
  process.exit(130)
})
process.once('exit', () => {
  if (!interrupted && !values.resume) rmSync(tmp, { recursive: true, force: true })
})
const facts = machine()
console.log(`Hài Lòng bench${quick ? ' (--quick)' : ''}: ${facts.cpuCount} × ${facts.cpuModel}, Node ${facts.node}, SQLite ${facts.sqlite}`)
let tallyDb: TallyDb | undefined = state.tallyDb
const skip = (bench: string, figure: string, why = 'skipped: not built yet'): Figure => ({
  bench,
  figure,
  value: null,
  unit: '',
  note: why,
})
/** Run one step; a crash becomes an error row so the other figures still get written. */
async function step(name: Step, fn: () => Promise<Figure[]>): Promise<void> {
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
  if (needBigDb)
    await step('tally', async () => {
      const r = await benchTally({ tmp, quick, measure: wants('tally') })
      tallyDb = r.db
      return r.figures
    })
  const big = tallyDb
  if (wants('export') && big) await step('export', () => benchExport({ tmp, quick, db: big, skip }))
  if (wants('form')) await step('form', () => benchForm({ tmp, quick, skip }))
  if (wants('coldstart') && big) await step('coldstart', () => benchColdStart({ tmp, quick, db: big }))
  if (wants('outbox')) await step('outbox', () => benchOutbox({ tmp, quick }))
} finally {
  if (values.resume) rmSync(tmp, { recursive: true, force: true })
}

const totalS = (performance.now() - started) / 1000
const md = markdown(facts, figures, totalS, resumedSteps)
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
