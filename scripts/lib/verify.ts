import type { VerifyReport } from '@app/server/modules/verify/service.ts'
import type { Services } from '@app/server/services.ts'

export interface RoundVerification {
  round: { id: string; title: string }
  report: VerifyReport
}

/**
 * Every round (or the one `only` names), each through services.verify.verifyRound: the check behind
 * GET /api/rounds/:id/ledger/verify, `pnpm verify-ledger` and the verification `pnpm db:copy` runs on its copy.
 * One round after another: each walks its whole ledger.
 */
export async function verifyRounds(
  services: Services,
  opts: { only?: string | undefined; onRound?: (r: RoundVerification) => void } = {},
): Promise<RoundVerification[]> {
  const rounds = (await services.rounds.listAll({})).filter((r) => !opts.only || r.id === opts.only)
  const out: RoundVerification[] = []
  for (const r of rounds) {
    const done = { round: { id: r.id, title: r.title }, report: await services.verify.verifyRound(r.id) }
    out.push(done)
    opts.onRound?.(done)
  }
  return out
}

/** The lines printed for a round: `ok` or `BROKEN` with the root hashes, then every difference named. */
export function verificationLines({ round, report: res }: RoundVerification): string[] {
  const sealed = res.sealedRootHash ? `  sealed root ${res.sealedRootHash}` : ''
  if (res.ok) return [`ok      ${round.id}  ${res.count} entries  root ${res.rootHash}${sealed}  (${round.title})`]
  return [
    `BROKEN  ${round.id}  ${res.status}  ${res.count} entries  root ${res.rootHash}${sealed}  (${round.title})`,
    ...res.differences.map((d) => `        ${d.check}: ${d.message}`),
  ]
}
