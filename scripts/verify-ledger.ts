/**
 * Verify every round (or one: `pnpm verify-ledger <roundId>`) with the same check as
 * GET /api/rounds/:id/ledger/verify: ballots vs ledger, chain vs sealed root, receipts, sealed tally
 * vs a recount, counters, participations, the audit chain. Names every difference; exit code 1 when
 * any round differs.
 */
import { openContext } from './lib-cli.js'

const { services, close } = openContext(process.env, { migrate: false })
const only = process.argv[2]
const rounds = (await services.rounds.listAll({})).filter((r) => !only || r.id === only)
if (only && rounds.length === 0) {
  console.error(`no round ${only}`)
  process.exit(2)
}
let broken = 0
for (const r of rounds) {
  const res = await services.verify.verifyRound(r.id)
  const sealed = res.sealedRootHash ? `  sealed root ${res.sealedRootHash}` : ''
  if (res.ok) console.log(`ok      ${r.id}  ${res.count} entries  root ${res.rootHash}${sealed}  (${r.title})`)
  else {
    broken++
    console.log(`BROKEN  ${r.id}  ${res.status}  ${res.count} entries  root ${res.rootHash}${sealed}  (${r.title})`)
    for (const d of res.differences) console.log(`        ${d.check}: ${d.message}`)
  }
}
close()
process.exit(broken > 0 ? 1 : 0)
