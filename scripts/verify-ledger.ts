/**
 * Verify every round's ballot hash chain (or one: `pnpm verify-ledger <roundId>`) against the stored
 * ballots. Exit code 1 when any chain is broken.
 */
import { openContext } from './lib-cli.js'

const { services, close } = openContext(process.env, { migrate: false })
const only = process.argv[2]
const rounds = services.rounds.listAll({}).filter((r) => !only || r.id === only)
if (only && rounds.length === 0) {
  console.error(`no round ${only}`)
  process.exit(2)
}
let broken = 0
for (const r of rounds) {
  const res = services.ballots.verifyLedger(r.id)
  if (res.ok) console.log(`ok      ${r.id}  ${res.count} entries  root ${res.rootHash}  (${r.title})`)
  else {
    broken++
    console.log(`BROKEN  ${r.id}  ${res.reason} at seq ${res.seq ?? '-'}${res.ballotId ? ` ballot ${res.ballotId}` : ''}  (${r.title})`)
  }
}
close()
process.exit(broken > 0 ? 1 : 0)
