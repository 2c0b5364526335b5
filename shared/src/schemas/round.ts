import { z } from 'zod'
import { BarFailureSchema, RuleEvaluationSchema, RuleSetSnapshot, TallyRules } from '../domain/rules.js'
import { Id, IsoDateTime, text } from './common.js'
import { Question } from './questionnaire.js'

export const RoundStatus = z.enum(['draft', 'open', 'closed', 'sealed', 'returned'])
export type RoundStatus = z.infer<typeof RoundStatus>
export const ROUND_STATUSES = RoundStatus.options

/** Recognition levels; the list and each level's default threshold/coverage come from configuration. */
export const Level = z.string().regex(/^[a-z_]{2,40}$/)

export const CoverageScope = z.enum(['village', 'commune'])
/** `follow_up`: a targeted re-survey after remediation (advisory, not the legal survey). */
export const RoundPurpose = z.enum(['recognition', 'follow_up'])
export type RoundPurpose = z.infer<typeof RoundPurpose>
export const Bp = z.number().int().min(0).max(10_000)

export const CreateRoundBody = z.object({
  communeId: Id,
  level: Level,
  /** Default: the form made for the level whose period covers the round's days (QĐ 51/2025 from 15/02/2026). */
  templateId: Id.optional(),
  title: text().trim().min(1).max(300).optional(),
  opensAt: IsoDateTime,
  closesAt: IsoDateTime,
  thresholdBp: Bp.optional(),
  coverageBp: Bp.optional(),
  coverageScope: CoverageScope.optional(),
  /**
   * A rule set made for the level; the round keeps a snapshot of it (its bars replace the three above).
   * Default, when neither it nor the numbers are given: the rule set in force for the level on the round's days.
   */
  ruleSetId: Id.optional(),
  /**
   * A round run under the rules of an earlier period (a 2021–2025 dossier finished after 15/02/2026): its
   * form and rule set may be ones whose period does not cover its days. Otherwise they must (422).
   */
  historical: z.boolean().optional(),
  doubleEntry: z.boolean().optional(),
  /** `follow_up`: a targeted re-survey after remediation (advisory, not the legal survey). */
  purpose: RoundPurpose.optional(),
  /** Limit the round to some villages (default: every village of the commune). */
  villageIds: z.array(Id).min(1).max(500).optional(),
  /** The earlier round of the same commune this one follows up (follow-up or re-survey). */
  previousRoundId: Id.optional(),
  /**
   * Why the threshold or coverage floor is below the level's rule: required then, and only province Front
   * staff may set such numbers (TRUST.md §2.8); printed in the minutes.
   */
  ruleOverrideReason: text().trim().min(3).max(1000).optional(),
})
export type CreateRoundBody = z.infer<typeof CreateRoundBody>

export const UpdateRoundBody = CreateRoundBody.omit({ communeId: true, previousRoundId: true })
  .partial()
  .refine((b) => Object.keys(b).length > 0, 'nothing to update')
export type UpdateRoundBody = z.infer<typeof UpdateRoundBody>

export const Round = z.object({
  id: Id,
  communeId: Id,
  communeName: z.string(),
  level: z.string(),
  legalBasis: z.string().nullable(),
  title: z.string(),
  templateId: Id,
  status: RoundStatus,
  thresholdBp: z.number().int(),
  coverageBp: z.number().int(),
  coverageScope: CoverageScope,
  doubleEntry: z.boolean(),
  /** Run under the rules of an earlier legal period (CreateRoundBody.historical). */
  historical: z.boolean(),
  purpose: RoundPurpose,
  villageIds: z.array(Id).nullable(),
  previousRoundId: Id.nullable(),
  opensAt: z.string(),
  closesAt: z.string(),
  openedAt: z.string().nullable(),
  closedAt: z.string().nullable(),
  sealedAt: z.string().nullable(),
  /** When a result of the round was first served (null: not yet; a disclosed round is never reopened). */
  disclosedAt: z.string().nullable(),
  createdAt: z.string(),
  /** The questionnaire snapshot once open; the template's questions while draft. */
  questions: z.array(Question),
  /** The rule set the round is judged by (its snapshot); null: the coverage floor and threshold above. */
  ruleSet: RuleSetSnapshot.nullable(),
  /** Active households in the frame (snapshotted at open). */
  households: z.number().int(),
})
export type Round = z.infer<typeof Round>

export const RoundListQuery = z.object({ communeId: Id.optional(), status: RoundStatus.optional() })

export const ReasonBody = z.object({ reason: text().trim().min(3).max(1000) })
/** Reopen a closed round: why, and optionally a new closing time for the extended window. */
export const ReopenRoundBody = ReasonBody.extend({ closesAt: IsoDateTime.optional() })
export type ReopenRoundBody = z.infer<typeof ReopenRoundBody>
/** Closing early may say why; closing at the end needs no reason. */
export const CloseRoundBody = z.object({ reason: text().max(1000).optional() }).optional()
export const RecountBody = z.object({ repair: z.boolean().optional() }).optional()
export const RecountResult = z.object({ roundId: z.string(), matches: z.boolean(), repaired: z.boolean() })

export const VerdictEnum = z.enum(['meets', 'below_threshold', 'insufficient_coverage', 'no_data', 'meets_coverage'])
export const Tally = z.object({
  unitId: Id,
  name: z.string(),
  households: z.number().int(),
  participated: z.number().int(),
  valid: z.number().int(),
  satisfied: z.number().int(),
  notSatisfied: z.number().int(),
  coverage: z.number().nullable(),
  rate: z.number().nullable(),
  interval: z.object({ low: z.number(), high: z.number() }).nullable(),
  bounds: z.object({ worst: z.number(), best: z.number() }).nullable(),
  verdict: VerdictEnum,
  robustness: z.enum(['clear', 'marginal']).nullable(),
})
export type Tally = z.infer<typeof Tally>

export const QuestionTally = z.object({
  key: z.string(),
  valid: z.number().int(),
  satisfied: z.number().int(),
  rate: z.number().nullable(),
})

export const RoundTally = z.object({
  roundId: Id,
  status: RoundStatus,
  thresholdBp: z.number().int(),
  coverageBp: z.number().int(),
  coverageScope: CoverageScope,
  commune: Tally,
  villages: z.array(Tally),
  questions: z.array(QuestionTally),
  byChannel: z.record(z.string(), z.number().int()),
  /** Every bar of the round's rule set and how it fared (absent in tallies sealed before rule sets). */
  rules: TallyRules.optional(),
})
export type RoundTally = z.infer<typeof RoundTally>

/**
 * Figures as served once results are out (TRUST.md §2.2): any figure built on fewer than PRIVACY_MIN_CELL
 * ballots is null, and so is any other withheld so that such a group cannot be recovered as a total minus the
 * figures shown (complementary suppression, shared/src/domain/suppression.ts). Households and participation
 * stay: coverage is public while the round is open.
 */
export const ShownTally = Tally.extend({
  valid: z.number().int().nullable(),
  satisfied: z.number().int().nullable(),
  notSatisfied: z.number().int().nullable(),
  suppressed: z.boolean(),
})
export type ShownTally = z.infer<typeof ShownTally>

export const ShownQuestionTally = QuestionTally.extend({
  valid: z.number().int().nullable(),
  satisfied: z.number().int().nullable(),
  suppressed: z.boolean(),
})
export type ShownQuestionTally = z.infer<typeof ShownQuestionTally>

/** A failed check on withheld cells names no village and gives no numbers. */
export const ShownBarFailure = BarFailureSchema.extend({
  num: z.number().int().nullable(),
  den: z.number().int().nullable(),
  suppressed: z.boolean().optional(),
})
export type ShownBarFailure = z.infer<typeof ShownBarFailure>
export const ShownTallyRules = TallyRules.extend({
  evaluation: RuleEvaluationSchema.extend({
    bars: z.array(
      RuleEvaluationSchema.shape.bars.element.extend({ failures: z.array(ShownBarFailure), valueSuppressed: z.boolean().optional() }),
    ),
  }),
})
export type ShownTallyRules = z.infer<typeof ShownTallyRules>

export const ShownRoundTally = RoundTally.extend({
  commune: ShownTally,
  villages: z.array(ShownTally),
  questions: z.array(ShownQuestionTally),
  byChannel: z.record(z.string(), z.number().int().nullable()),
  rules: ShownTallyRules.optional(),
  /** PRIVACY_MIN_CELL as applied, so a reader can print "dưới 5 phiếu". */
  minCell: z.number().int(),
  /** At least one figure is withheld. */
  suppressed: z.boolean(),
})
export type ShownRoundTally = z.infer<typeof ShownRoundTally>

/**
 * Coverage of a round: who has taken part, per village and channel. Live in every status (it carries no answer),
 * so the dashboard follows collection while the results stay withheld.
 */
export const UnitCoverage = z.object({
  unitId: Id,
  name: z.string(),
  households: z.number().int(),
  participated: z.number().int(),
  /** participated / households in [0, 1]; null without households. */
  coverage: z.number().nullable(),
  /** The participation floor of the round, met or not (never the satisfaction verdict). */
  verdict: z.enum(['meets_coverage', 'insufficient_coverage', 'no_data']),
})
export type UnitCoverage = z.infer<typeof UnitCoverage>

export const RoundCoverage = z.object({
  roundId: Id,
  status: RoundStatus,
  coverageBp: z.number().int(),
  coverageScope: CoverageScope,
  commune: UnitCoverage,
  villages: z.array(UnitCoverage),
  /** Households that took part per channel. */
  byChannel: z.record(z.string(), z.number().int()),
  /** Whether the results can be read now (the round has closed). */
  resultsAvailable: z.boolean(),
  disclosedAt: z.string().nullable(),
})
export type RoundCoverage = z.infer<typeof RoundCoverage>

export { IsoDateTime }
