import type { Services } from '@app/server/services.ts'

/** Per round: ledger root hash and the canonical tally — what a restore must reproduce exactly. */
export function fingerprintRounds(services: Services): { roundId: string; ledgerOk: boolean; rootHash: string | null; tally: string }[] {
  return services.rounds.listAll({}).map((r) => {
    const check = services.ballots.verifyLedger(r.id)
    return {
      roundId: r.id,
      ledgerOk: check.ok,
      rootHash: check.ok ? check.rootHash : null,
      tally: JSON.stringify(services.tally.fromBallots(r)),
    }
  })
}
