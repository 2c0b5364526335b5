import {
  type Bar,
  coverage,
  evaluateRules,
  legacyBars,
  nonResponseBounds,
  type RoundTally,
  robustness,
  satisfactionRate,
  type Tally,
  type TallyRules,
  type UnitCounts,
  villageVerdict,
  wilsonInterval,
} from '@app/shared'
import type { QuestionCounts, VillageCounts } from '../repo.js'

export const METHOD_VERSION =
  'hailong-tally/1: rate on the overall question over valid ballots; Wilson 95% (z=1.96) with finite-population correction; non-response bounds'
export const Z = 1.96

export interface TallyInput {
  round: {
    id: string
    status: RoundTally['status']
    communeId: string
    communeName: string
    thresholdBp: number
    coverageBp: number
    coverageScope: 'village' | 'commune'
    overallKey: string
    questionKeys: string[]
    /** The round's rule set snapshot (null: the legacy coverage + overall bars from the fields above). */
    ruleSet?: {
      id: string | null
      code: string
      version: number
      name: string
      legalBasis: NonNullable<TallyRules['ruleSet']>['legalBasis']
      provisional: boolean
      bars: Bar[]
    } | null
  }
  /** Villages in frame order with their active-household counts. */
  villages: { id: string; name: string; households: number }[]
  villageCounts: Map<string, VillageCounts>
  questionCounts: QuestionCounts[]
}

/**
 * Build the round tally from counters (O(villages × questions) rows): per village, the commune, per
 * question and per channel. Pure: the same counts always give the same JSON.
 */
export function buildRoundTally(input: TallyInput): RoundTally {
  const { round } = input
  const q = new Map<string, { valid: number; satisfied: number }>()
  for (const c of input.questionCounts) q.set(`${c.villageId}|${c.questionKey}`, { valid: c.valid, satisfied: c.satisfied })
  const rule = { thresholdBp: round.thresholdBp, coverageBp: round.coverageBp, coverageScope: round.coverageScope }

  const unitTally = (
    unitId: string,
    name: string,
    households: number,
    participated: number,
    valid: number,
    satisfied: number,
  ): Omit<Tally, 'verdict' | 'robustness'> => ({
    unitId,
    name,
    households,
    participated,
    valid,
    satisfied,
    notSatisfied: valid - satisfied,
    coverage: coverage(participated, households),
    rate: satisfactionRate(satisfied, valid),
    interval: wilsonInterval(satisfied, valid, households, Z),
    bounds: nonResponseBounds(satisfied, valid, households),
  })

  const villageCounts = input.villages.map((v) => {
    const vc = input.villageCounts.get(v.id)
    const overall = q.get(`${v.id}|${round.overallKey}`) ?? { valid: 0, satisfied: 0 }
    return { v, households: v.households, participated: vc?.participated ?? 0, valid: overall.valid, satisfied: overall.satisfied }
  })
  const villages: Tally[] = villageCounts.map((c) => ({
    ...unitTally(c.v.id, c.v.name, c.households, c.participated, c.valid, c.satisfied),
    verdict: villageVerdict(c, round.coverageBp),
    // villages are never judged against the threshold (DESIGN §4)
    robustness: null,
  }))
  const sum = (k: 'households' | 'participated' | 'valid' | 'satisfied') => villageCounts.reduce((a, c) => a + c[k], 0)
  const communeCounts = {
    households: sum('households'),
    participated: sum('participated'),
    valid: sum('valid'),
    satisfied: sum('satisfied'),
  }
  const base = unitTally(
    round.communeId,
    round.communeName,
    communeCounts.households,
    communeCounts.participated,
    communeCounts.valid,
    communeCounts.satisfied,
  )
  // every bar of the rule set judged on the same counts (one code path for legacy rounds too)
  const answersOf = (villageId: string) => {
    const answers: UnitCounts['answers'] = {}
    for (const key of round.questionKeys) {
      const c = q.get(`${villageId}|${key}`)
      if (c) answers[key] = { valid: c.valid, favourable: c.satisfied }
    }
    return answers
  }
  const villageUnits: UnitCounts[] = villageCounts.map((c) => ({
    id: c.v.id,
    name: c.v.name,
    households: c.households,
    participated: c.participated,
    answers: answersOf(c.v.id),
  }))
  const communeAnswers: UnitCounts['answers'] = {}
  for (const v of villageUnits)
    for (const [k, a] of Object.entries(v.answers)) {
      const t = communeAnswers[k] ?? { valid: 0, favourable: 0 }
      communeAnswers[k] = { valid: t.valid + a.valid, favourable: t.favourable + a.favourable }
    }
  const bars = round.ruleSet?.bars ?? legacyBars(rule)
  const evaluation = evaluateRules(bars, {
    questions: round.questionKeys.map((key) => ({ key, isOverall: key === round.overallKey })),
    villages: villageUnits,
    commune: { id: round.communeId, name: round.communeName, ...communeCounts, answers: communeAnswers },
  })
  const rules: TallyRules = {
    ruleSet: round.ruleSet
      ? {
          id: round.ruleSet.id,
          code: round.ruleSet.code,
          version: round.ruleSet.version,
          name: round.ruleSet.name,
          legalBasis: round.ruleSet.legalBasis,
          provisional: round.ruleSet.provisional,
        }
      : null,
    evaluation,
  }
  const verdict = evaluation.verdict
  const commune: Tally = { ...base, verdict, robustness: verdict === 'no_data' ? null : robustness(base.interval, round.thresholdBp) }

  const questions = round.questionKeys.map((key) => {
    let valid = 0
    let satisfied = 0
    for (const v of input.villages) {
      const c = q.get(`${v.id}|${key}`)
      valid += c?.valid ?? 0
      satisfied += c?.satisfied ?? 0
    }
    return { key, valid, satisfied, rate: satisfactionRate(satisfied, valid) }
  })
  const byChannel = { link: 0, paper: 0, meeting: 0, assisted: 0 }
  for (const v of input.villages) {
    const vc = input.villageCounts.get(v.id)
    byChannel.link += vc?.link ?? 0
    byChannel.paper += vc?.paper ?? 0
    byChannel.meeting += vc?.meeting ?? 0
    byChannel.assisted += vc?.assisted ?? 0
  }
  return {
    roundId: round.id,
    status: round.status,
    thresholdBp: round.thresholdBp,
    coverageBp: round.coverageBp,
    coverageScope: round.coverageScope,
    commune,
    villages,
    questions,
    byChannel,
    rules,
  }
}
