/**
 * Recompute a round's tally counters from its ballots and compare them with the live counters.
 * Usage: pnpm recount <roundId> [--repair]
 *   exit 0: the counters match (or were repaired with --repair); exit 2: they differ; exit 1: error.
 * --repair replaces the counters by the recount (refused on sealed rounds; logged in the audit log).
 */
import { AppError } from '@app/server/lib/app-error.ts'
import { openContext } from './lib-cli.js'

async function main(argv: string[]): Promise<number> {
  const args = argv.filter((a) => !a.startsWith('--'))
  const repair = argv.includes('--repair')
  const unknown = argv.filter((a) => a.startsWith('--') && a !== '--repair')
  if (args.length !== 1 || unknown.length > 0) {
    console.error('usage: pnpm recount <roundId> [--repair]')
    return 1
  }
  const { services, close } = await openContext(process.env)
  try {
    const started = performance.now()
    const res = await services.tally.recount(null, args[0] as string, { repair })
    const ms = Math.round(performance.now() - started)
    if (res.matches) console.log(`round ${res.roundId}: counters match the ballots (${ms} ms)`)
    else if (res.repaired) console.log(`round ${res.roundId}: counters differed and were replaced by the recount (${ms} ms)`)
    else console.log(`round ${res.roundId}: counters DIFFER from the ballots; run with --repair to replace them (${ms} ms)`)
    return res.matches || res.repaired ? 0 : 2
  } catch (e) {
    if (e instanceof AppError) {
      console.error(`${e.code}: ${e.message}`)
      return 1
    }
    throw e
  } finally {
    await close()
  }
}

process.exitCode = await main(process.argv.slice(2))
