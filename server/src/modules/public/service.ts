import type { PublicRoundResult, PublicTally, RecordEvent, ShownTally } from '@app/shared'
import { notFound } from '../../lib/app-error.js'
import type { CouncilService } from '../council/service.js'
import type { LevelRule, RoundService } from '../rounds/service.js'
import type { TallyService } from '../tally/service.js'
import type { UnitService } from '../units/service.js'

/**
 * A tally as it may be shown publicly, from the served tally (small groups and their complements already
 * withheld, TRUST.md §2.2): a withheld unit shows its households and verdict only.
 */
export function publicTally(t: ShownTally): PublicTally {
  const suppressed = t.suppressed
  return {
    unitId: t.unitId,
    name: t.name,
    households: t.households,
    suppressed,
    participated: suppressed ? null : t.participated,
    valid: t.valid,
    satisfied: t.satisfied,
    notSatisfied: t.notSatisfied,
    coverage: suppressed ? null : t.coverage,
    rate: t.rate,
    verdict: t.verdict,
  }
}

/**
 * The root printed on paper (the QR code carries it) against the seal stored now and the earlier seals of the
 * round's record. Spaces and case do not matter (the paper groups the digits).
 */
export function checkRoot(paperRoot: string, current: string | null, history: RecordEvent[]): NonNullable<PublicRoundResult['rootCheck']> {
  const p = paperRoot.replace(/\s+/g, '').toLowerCase()
  if (!/^[0-9a-f]{64}$/.test(p)) return { paperRoot: p.slice(0, 80), result: 'malformed' }
  if (current !== null && p === current) return { paperRoot: p, result: 'current' }
  // earlier only when that seal was undone on the record: the root of the seal in force always has to match
  if (history.some((e) => e.kind === 'unseal' && e.ledgerRootHash === p)) return { paperRoot: p, result: 'earlier' }
  return { paperRoot: p, result: 'none' }
}

/**
 * The public verify page's data: the sealed totals, the per-village breakdown with small-group
 * suppression and the ledger root hash. Never free text. Unsealed or unknown rounds answer 404.
 */
export function createPublicService(deps: {
  rounds: RoundService
  units: UnitService
  tally: TallyService
  council: CouncilService
  levels: Readonly<Record<string, LevelRule>>
}) {
  const { rounds, units, tally, council, levels } = deps
  async function find(roundId: string, paperRoot?: string): Promise<PublicRoundResult | undefined> {
    const r = await rounds.findById(roundId)
    const rec = r && (r.status === 'sealed' || r.status === 'returned') ? await tally.sealedRecord(r.id) : undefined
    if (!r || !rec) return undefined
    await rounds.disclose(null, r, 'public')
    const history = await council.history(r.id)
    const shown = tally.shown(rec.tally)
    return {
      roundId: r.id,
      title: r.title,
      communeName: (await units.findById(r.communeId))?.name ?? '',
      villageName: r.villageIds?.length === 1 ? ((await units.findById(r.villageIds[0] as string))?.name ?? null) : null,
      level: r.level,
      levelName: levels[r.level]?.name ?? r.level,
      opensAt: r.opensAt,
      closesAt: r.closesAt,
      thresholdBp: rec.tally.thresholdBp,
      coverageBp: rec.tally.coverageBp,
      coverageScope: rec.tally.coverageScope,
      commune: publicTally(shown.commune),
      villages: shown.villages.map(publicTally),
      minCell: shown.minCell,
      ledgerRootHash: rec.ledgerRootHash,
      sealedAt: rec.sealedAt,
      methodVersion: rec.methodVersion,
      rootCheck: paperRoot === undefined ? null : checkRoot(paperRoot, rec.ledgerRootHash, history),
      history,
      decision: await council.currentDecision(r.id, rec.sealId),
    }
  }
  return {
    /** The public result, or undefined when the round is unknown or not sealed. */
    find,
    /**
     * A round whose result was sealed once and is not sealed now (unsealed, maybe reopened): what the record says
     * (no figure), so a QR code on paper of that seal still leads somewhere that tells what happened to it.
     */
    async record(roundId: string, paperRoot?: string) {
      const r = await rounds.findById(roundId)
      if (!r) return undefined
      const history = await council.history(r.id)
      if (history.length === 0) return undefined
      return {
        roundId: r.id,
        title: r.title,
        communeName: (await units.findById(r.communeId))?.name ?? '',
        levelName: levels[r.level]?.name ?? r.level,
        history,
        rootCheck: paperRoot === undefined ? null : checkRoot(paperRoot, null, history),
      }
    },
    /** The public result; 404 when the round is unknown or not sealed. */
    async result(roundId: string, paperRoot?: string): Promise<PublicRoundResult> {
      const res = await find(roundId, paperRoot)
      if (!res) throw notFound('sealed round')
      return res
    },
  }
}
export type PublicService = ReturnType<typeof createPublicService>
