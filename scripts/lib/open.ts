import type { Services } from '@app/server/services.ts'

/** Per round: ledger root hash and the canonical tally — what a restore must reproduce exactly. */
export async function fingerprintRounds(
  services: Services,
): Promise<{ roundId: string; ledgerOk: boolean; rootHash: string | null; tally: string }[]> {
  const out = []
  // one round after another: the ledger walk holds the connection's write lock, nothing to gain in parallel
  for (const r of await services.rounds.listAll({})) {
    const check = await services.ballots.verifyLedger(r.id)
    out.push({
      roundId: r.id,
      ledgerOk: check.ok,
      rootHash: check.ok ? check.rootHash : null,
      tally: JSON.stringify(await services.tally.fromBallots(r)),
    })
  }
  return out
}
