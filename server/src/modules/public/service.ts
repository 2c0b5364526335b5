import type { PublicRoundResult, PublicTally, Tally } from '@app/shared'
import { notFound } from '../../lib/app-error.js'
import type { LevelRule, RoundService } from '../rounds/service.js'
import type { TallyService } from '../tally/service.js'
import type { UnitService } from '../units/service.js'

/** Below this many valid ballots a unit's counts are withheld on anything public (DESIGN §4). */
export const SMALL_GROUP_MIN = 5

/** A tally as it may be shown publicly: fewer than `min` valid ballots → counts withheld, verdict kept. */
export function publicTally(t: Tally, min = SMALL_GROUP_MIN): PublicTally {
  const suppressed = t.valid < min
  return {
    unitId: t.unitId,
    name: t.name,
    households: t.households,
    suppressed,
    participated: suppressed ? null : t.participated,
    valid: suppressed ? null : t.valid,
    satisfied: suppressed ? null : t.satisfied,
    notSatisfied: suppressed ? null : t.notSatisfied,
    coverage: suppressed ? null : t.coverage,
    rate: suppressed ? null : t.rate,
    verdict: t.verdict,
  }
}

/**
 * The public verify page's data: the sealed totals, the per-village breakdown with small-group
 * suppression and the ledger root hash. Never free text. Unsealed or unknown rounds answer 404.
 */
export function createPublicService(deps: {
  rounds: RoundService
  units: UnitService
  tally: TallyService
  levels: Readonly<Record<string, LevelRule>>
  /** PRIVACY_MIN_CELL */
  minCell?: number
}) {
  const { rounds, units, tally, levels } = deps
  const min = deps.minCell ?? SMALL_GROUP_MIN
  function find(roundId: string): PublicRoundResult | undefined {
    const r = rounds.findById(roundId)
    const rec = r && (r.status === 'sealed' || r.status === 'returned') ? tally.sealedRecord(r.id) : undefined
    if (!r || !rec) return undefined
    return {
      roundId: r.id,
      title: r.title,
      communeName: units.repo.findById(r.communeId)?.name ?? '',
      level: r.level,
      levelName: levels[r.level]?.name ?? r.level,
      opensAt: r.opensAt,
      closesAt: r.closesAt,
      thresholdBp: rec.tally.thresholdBp,
      coverageBp: rec.tally.coverageBp,
      coverageScope: rec.tally.coverageScope,
      commune: publicTally(rec.tally.commune, min),
      villages: rec.tally.villages.map((v) => publicTally(v, min)),
      ledgerRootHash: rec.ledgerRootHash,
      sealedAt: rec.sealedAt,
      methodVersion: rec.methodVersion,
    }
  }
  return {
    /** The public result, or undefined when the round is unknown or not sealed. */
    find,
    /** The public result; 404 when the round is unknown or not sealed. */
    result(roundId: string): PublicRoundResult {
      const res = find(roundId)
      if (!res) throw notFound('sealed round')
      return res
    },
  }
}
export type PublicService = ReturnType<typeof createPublicService>
