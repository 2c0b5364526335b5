/**
 * Verify every round (or one: `pnpm verify-ledger <roundId>`) with the same check as
 * GET /api/rounds/:id/ledger/verify: ballots vs ledger, chain vs sealed root, receipts, sealed tally
 * vs a recount, counters, participations, the audit chain. Names every difference; exit code 1 when
 * any round differs, 2 when the round named does not exist. Reads the SQLite file at DATABASE_PATH, or the
 * PostgreSQL database at DATABASE_URL, as it is (no migration).
 */

import { verificationLines, verifyRounds } from './lib/verify.js'
import { openContext } from './lib-cli.js'

const ctx = await openContext(process.env, { migrate: false })
const only = process.argv[2]
let results: Awaited<ReturnType<typeof verifyRounds>>
try {
  results = await verifyRounds(ctx.services, {
    only,
    onRound: (r) => {
      for (const line of verificationLines(r)) console.log(line)
    },
  })
} finally {
  await ctx.close()
}
if (only && results.length === 0) {
  console.error(`no round ${only}`)
  process.exit(2)
}
process.exit(results.some((r) => !r.report.ok) ? 1 : 0)
