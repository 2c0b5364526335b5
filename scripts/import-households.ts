/**
 * Import a commune's households from a CSV (UTF-8) or XLSX file through the same service the API uses.
 * Usage: pnpm import-households <file.csv|xlsx> --commune <code|id>
 * Runs as the first active admin (the import is audited under that account).
 */
import { readFileSync, statSync } from 'node:fs'
import { extname, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { AppError } from '@app/server/lib/app-error.ts'
import { detectKind } from '@app/server/modules/households/parse.ts'
import type { Actor } from '@app/server/modules/policy.ts'
import { createUnitRepo } from '@app/server/modules/units/repo.ts'
import { createUserRepo } from '@app/server/modules/users/repo.ts'
import cliProgress from 'cli-progress'
import { type CliContext, fail, openContext } from './lib-cli.js'

const USAGE = 'Usage: pnpm import-households <file.csv|xlsx> --commune <code|id>'
const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'

function parseCli() {
  try {
    const { values, positionals } = parseArgs({
      args: process.argv.slice(2),
      options: { commune: { type: 'string', short: 'c' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
    })
    if (values.help) {
      console.log(USAGE)
      process.exit(0)
    }
    const file = positionals[0]
    if (!file || !values.commune || positionals.length > 1) fail(USAGE)
    return { file: resolve(file), commune: values.commune }
  } catch (e) {
    return fail(`${(e as Error).message}\n${USAGE}`)
  }
}

/** The commune by id, or by code when that code names exactly one commune. */
async function findCommune(ctx: CliContext, ref: string) {
  const repo = createUnitRepo(ctx.adb)
  const byId = await repo.findById(ref)
  if (byId?.kind === 'commune') return byId
  const matches = await repo.findByCode('commune', ref)
  if (matches.length === 1) return matches[0]!
  if (matches.length === 0) return fail(`No commune has the code or id "${ref}".`)
  const list = matches.map((c) => `  ${c.id}  ${c.name}`).join('\n')
  return fail(`The code "${ref}" names ${matches.length} communes; pass the id instead:\n${list}`)
}

/** Scripts act as the first active admin so the import is audited under a real account. */
async function systemActor(ctx: CliContext): Promise<Actor> {
  const admin = (await createUserRepo(ctx.adb).list()).find((u) => u.role === 'admin' && !u.disabled)
  if (!admin) return fail('No active admin user exists; create one first (the import is recorded in the audit log under an admin).')
  return { id: admin.id, username: admin.username, role: admin.role, unitId: admin.unitId }
}

async function main() {
  const args = parseCli()
  let size: number
  try {
    size = statSync(args.file).size
  } catch {
    return fail(`Cannot read ${args.file}.`)
  }
  const ctx = await openContext(process.env)
  try {
    if (size > ctx.config.imports.maxBytes)
      fail(`The file is ${size} bytes; at most ${ctx.config.imports.maxBytes} are accepted (IMPORT_MAX_BYTES).`)
    const commune = await findCommune(ctx, args.commune)
    const actor = await systemActor(ctx)
    const buffer = readFileSync(args.file)
    const kind = detectKind(extname(args.file).toLowerCase() === '.xlsx' ? XLSX_TYPE : undefined, buffer)

    console.log(
      `Importing ${args.file} (${kind.toUpperCase()}, ${(size / 1024).toFixed(0)} KiB) into ${commune.name} [${commune.code}] as ${actor.username}…`,
    )
    const bar = new cliProgress.SingleBar(
      { format: '  {bar} {percentage}% | {value}/{total} rows', hideCursor: true, clearOnComplete: false },
      cliProgress.Presets.shades_classic,
    )
    let started = false
    const t0 = performance.now()
    const result = await ctx.services.households.import(actor, commune.id, { buffer, kind }, (done, total) => {
      if (!started) {
        bar.start(total, 0)
        started = true
      }
      bar.update(done)
    })
    if (started) bar.stop()
    const ms = Math.round(performance.now() - t0)

    console.log(
      `Done in ${ms} ms: ${result.created} created, ${result.updated} updated, ${result.unchanged} unchanged, ${result.rejected.length} rejected.`,
    )
    if (result.rejected.length > 0) {
      console.log('Rejected rows (row number as a spreadsheet shows it):')
      for (const r of result.rejected.slice(0, 20)) console.log(`  row ${r.row}: ${r.code} — ${r.message}`)
      if (result.rejected.length > 20) console.log(`  … and ${result.rejected.length - 20} more`)
    }
  } catch (e) {
    if (e instanceof AppError) fail(`Import refused (${e.code}): ${e.message}`)
    throw e
  } finally {
    await ctx.close()
  }
}

await main()
