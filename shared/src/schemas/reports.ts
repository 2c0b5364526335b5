import { z } from 'zod'
import { Id, text } from './common.js'
import { RecordEvent } from './council.js'
import { CoverageScope, RoundStatus, VerdictEnum } from './round.js'

/** Province / legacy-district overview: every commune's latest round (read from counters, never ballots). */
export const OverviewSort = z.enum(['name', 'coverage', 'rate', 'status'])
export const OverviewQuery = z.object({
  sort: OverviewSort.default('name'),
  order: z.enum(['asc', 'desc']).default('asc'),
})
export type OverviewQuery = z.infer<typeof OverviewQuery>

export const RoundSummary = z.object({
  id: Id,
  title: z.string(),
  level: z.string(),
  levelName: z.string(),
  status: RoundStatus,
  opensAt: z.string(),
  closesAt: z.string(),
  sealedAt: z.string().nullable(),
  previousRoundId: Id.nullable(),
  households: z.number().int().nullable(),
  participated: z.number().int().nullable(),
  valid: z.number().int().nullable(),
  /** Fractions in [0, 1]; null without data or while hidden from the caller (council before sealing). */
  coverage: z.number().nullable(),
  rate: z.number().nullable(),
  verdict: VerdictEnum.nullable(),
  robustness: z.enum(['clear', 'marginal']).nullable(),
  /**
   * Where the figures come from: the frozen sealed JSON, the live counters (coverage only — participated, coverage —
   * until the round's results are disclosed), or none (draft / hidden).
   */
  source: z.enum(['sealed', 'live', 'none']),
})
export type RoundSummary = z.infer<typeof RoundSummary>

export const CommuneOverview = z.object({
  communeId: Id,
  communeName: z.string(),
  communeCode: z.string(),
  parentId: Id.nullable(),
  round: RoundSummary.nullable(),
})
export type CommuneOverview = z.infer<typeof CommuneOverview>

export const UnitOverview = z.object({
  unitId: Id,
  unitName: z.string(),
  unitKind: z.string(),
  items: z.array(CommuneOverview),
})
export type UnitOverview = z.infer<typeof UnitOverview>

export const CommuneTrend = z.object({
  communeId: Id,
  communeName: z.string(),
  /**
   * The commune's rounds and, for a commune formed by merging (01/07/2025), those of the communes merged into it,
   * read-only: `formerCommune` names the predecessor a round belongs to.
   */
  rounds: z.array(RoundSummary.extend({ formerCommune: z.string().nullable().optional() })),
})
export type CommuneTrend = z.infer<typeof CommuneTrend>

/** Public verify page: aggregate figures only, small groups suppressed, never free text. */
export const PublicTally = z.object({
  unitId: Id,
  name: z.string(),
  households: z.number().int(),
  /** True when withheld: fewer than PRIVACY_MIN_CELL valid ballots, or grouped with such a unit (complementary suppression). */
  suppressed: z.boolean(),
  participated: z.number().int().nullable(),
  valid: z.number().int().nullable(),
  satisfied: z.number().int().nullable(),
  notSatisfied: z.number().int().nullable(),
  coverage: z.number().nullable(),
  rate: z.number().nullable(),
  verdict: VerdictEnum,
})
export type PublicTally = z.infer<typeof PublicTally>

export const PublicRoundResult = z.object({
  roundId: Id,
  title: z.string(),
  communeName: z.string(),
  /** A round limited to one village (ấp/thôn kiểu mẫu): its name; the page then speaks of that ấp. */
  villageName: z.string().nullable().optional(),
  level: z.string(),
  levelName: z.string(),
  opensAt: z.string(),
  closesAt: z.string(),
  thresholdBp: z.number().int(),
  coverageBp: z.number().int(),
  coverageScope: CoverageScope,
  commune: PublicTally,
  villages: z.array(PublicTally),
  /** PRIVACY_MIN_CELL as applied. */
  minCell: z.number().int(),
  ledgerRootHash: z.string(),
  sealedAt: z.string(),
  methodVersion: z.string(),
  /** The root printed on paper (the QR code's `?root=`) compared with the one stored now; null without one. */
  rootCheck: z
    .object({
      paperRoot: z.string(),
      /** current: same as the seal stored now; earlier: an earlier seal of this round (unsealed since); none: no seal of it; malformed. */
      result: z.enum(['current', 'earlier', 'none', 'malformed']),
    })
    .nullable(),
  /** Seal, unseal, reopen, reseal and council decisions with their reasons, oldest first. */
  history: z.array(RecordEvent),
  /** The council decision in force on this seal, if any. */
  decision: RecordEvent.nullable(),
})
export type PublicRoundResult = z.infer<typeof PublicRoundResult>

/** `?root=` on the public verify page and its API: the sealed root as printed on paper (spaces allowed). */
export const PublicRoundQuery = z.object({ root: z.string().max(200).optional() })
export type PublicRoundQuery = z.infer<typeof PublicRoundQuery>

/** What the minutes record of the tallying meeting (entered by the commune Front when sealing). */
export const MinutesMeta = z.object({
  meetingAt: z.iso.datetime({ offset: true }),
  place: text().trim().min(1).max(300),
  participants: z
    .array(
      z.object({
        name: text().trim().min(1).max(120),
        title: text().trim().min(1).max(200),
        role: z.enum(['chair', 'secretary', 'member']),
      }),
    )
    .min(1)
    .max(40),
  recipients: z.array(text().trim().min(1).max(200)).max(12).default([]),
  /** Ballots handed out per channel (phát ra), where the teams counted them. */
  issued: z
    .partialRecord(z.enum(['link', 'paper', 'meeting', 'assisted']), z.number().int().min(0).max(10_000_000))
    .nullable()
    .default(null),
})
export type MinutesMeta = z.infer<typeof MinutesMeta>
