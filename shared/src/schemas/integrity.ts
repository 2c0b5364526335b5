import { z } from 'zod'
import { Id, text } from './common.js'
import { InvitationChannel } from './invitation.js'
import { RoundPurpose } from './round.js'

/**
 * Integrity signals for reviewers, "hộ tôi chưa được hỏi ý kiến" requests and the re-survey
 * follow-up. Signals are prompts to look, never verdicts: each carries its number, its rule, its
 * threshold (from configuration) and a plain Vietnamese explanation.
 */
export const SignalKey = z.enum([
  'fast_completion',
  'straight_lining',
  'shared_device',
  'collector_day_burst',
  'link_open_burst',
  'collector_vs_link',
  'perfect_village_one_day',
  'invalidations_dissatisfied',
])
export type SignalKey = z.infer<typeof SignalKey>
export const SIGNAL_KEYS = SignalKey.options

export const SignalScope = z.enum(['round', 'village', 'collector'])
export type SignalScope = z.infer<typeof SignalScope>

export const IntegritySignal = z.object({
  key: SignalKey,
  triggered: z.boolean(),
  /** The measured number the rule compares (a share in [0, 1], a count or a z score, as the rule says); null without data. */
  value: z.number().nullable(),
  threshold: z.number(),
  /** Vietnamese one-liner: what is measured and when it triggers. */
  rule: z.string(),
  /** Plain Vietnamese: what it might mean and what to look at. Never an accusation. */
  explanation: z.string(),
  scope: SignalScope,
  /** The village (scope village) or staff user (scope collector) concerned. */
  unitId: Id.optional(),
  /** Human label of the unit: village name, collector username (+ village, day). */
  label: z.string().optional(),
  /** How many ballots (or events) the number rests on. */
  n: z.number().int().optional(),
})
export type IntegritySignal = z.infer<typeof IntegritySignal>

export const IntegrityReport = z.object({
  roundId: Id,
  status: z.string(),
  signals: z.array(IntegritySignal),
  /** Households added to the frame after the round opened (province, with a reason; TRUST.md §2.8). */
  frameAdditions: z
    .array(z.object({ households: z.number().int(), villages: z.array(z.string()), at: z.string(), reason: z.string() }))
    .optional(),
  /** Signals built on answers, kept back until the round's results are disclosed (TRUST.md §2.2). */
  withheld: z.array(SignalKey),
})
export type IntegrityReport = z.infer<typeof IntegrityReport>

// ---- "Hộ tôi chưa được hỏi ý kiến" ----

/** Vietnamese phone as people type it (0912 345 678, +84 912…, 84912…); stored as 84… (E.164 without +). */
const PHONE_RE = /^(?:\+?84|0)(\d{9,10})$/
export const RequestPhone = text()
  .trim()
  .max(20, 'Số điện thoại không hợp lệ.')
  .transform((s) => s.replace(/[\s.()-]/g, ''))
  .refine((s) => s === '' || PHONE_RE.test(s), 'Số điện thoại không hợp lệ (ví dụ 0912 345 678).')
  .transform((s) => (s === '' ? undefined : `84${(PHONE_RE.exec(s) as RegExpExecArray)[1]}`))

export const CreateHouseholdRequestBody = z.object({
  villageId: Id.optional().or(z.literal('').transform(() => undefined)),
  headName: text({ error: 'Vui lòng nhập họ tên chủ hộ.' })
    .trim()
    .min(2, 'Vui lòng nhập họ tên chủ hộ.')
    .max(100, 'Họ tên quá dài (tối đa 100 ký tự).'),
  phone: RequestPhone.optional(),
  note: text().trim().max(500, 'Ghi chú quá dài (tối đa 500 ký tự).').optional(),
})
export type CreateHouseholdRequestBody = z.infer<typeof CreateHouseholdRequestBody>

/** Always the same answer: it never tells whether the household has already answered. */
export const HouseholdRequestReceived = z.object({ status: z.literal('received'), message: z.string() })

export const PublicRequestPage = z.object({
  commune: z.object({ id: Id, name: z.string() }),
  rounds: z.array(z.object({ id: Id, title: z.string(), closesAt: z.string() })),
  villages: z.array(z.object({ id: Id, name: z.string() })),
})
export type PublicRequestPage = z.infer<typeof PublicRequestPage>

export const HouseholdRequestStatus = z.enum(['new', 'link_issued', 'visit_planned', 'rejected'])
export type HouseholdRequestStatus = z.infer<typeof HouseholdRequestStatus>

export const HouseholdRequest = z.object({
  id: Id,
  roundId: Id,
  villageId: Id.nullable(),
  villageName: z.string().nullable(),
  headName: z.string(),
  phone: z.string().nullable(),
  note: z.string().nullable(),
  status: HouseholdRequestStatus,
  resolution: z.string().nullable(),
  createdAt: z.string(),
  resolvedAt: z.string().nullable(),
  /** Households of the frame that match the name or phone, for staff to pick from. */
  candidates: z.array(
    z.object({ householdId: Id, villageId: Id, code: z.string(), headName: z.string(), invited: z.boolean(), participated: z.boolean() }),
  ),
})
export type HouseholdRequest = z.infer<typeof HouseholdRequest>

export const ResolveHouseholdRequestBody = z
  .object({
    action: z.enum(['issue_link', 'visit', 'reject']),
    householdId: Id.optional(),
    channel: InvitationChannel.optional(),
    reason: text().trim().min(3).max(1000).optional(),
  })
  .refine((b) => b.action !== 'reject' || b.reason !== undefined, { message: 'a rejection needs a reason', path: ['reason'] })
export type ResolveHouseholdRequestBody = z.infer<typeof ResolveHouseholdRequestBody>

export const ResolveHouseholdRequestResult = z.object({
  id: Id,
  status: HouseholdRequestStatus,
  link: z.object({ householdId: Id, villageId: Id, url: z.string().optional() }).optional(),
})

export const RequestSummary = z.object({
  total: z.number().int(),
  new: z.number().int(),
  link_issued: z.number().int(),
  visit_planned: z.number().int(),
  rejected: z.number().int(),
})
export type RequestSummary = z.infer<typeof RequestSummary>

// ---- Re-survey follow-up ----

export const FollowUpCandidates = z.object({
  roundId: Id,
  /** Share dissatisfied (basis points) at or above which a village × question is listed. */
  thresholdBp: z.number().int(),
  minBallots: z.number().int(),
  villages: z.array(
    z.object({
      villageId: Id,
      villageName: z.string(),
      questions: z.array(
        z.object({
          key: z.string(),
          text: z.string(),
          criterionRef: z.string().nullable(),
          valid: z.number().int(),
          notSatisfied: z.number().int(),
          dissatisfiedShare: z.number(),
        }),
      ),
    }),
  ),
})
export type FollowUpCandidates = z.infer<typeof FollowUpCandidates>

export const CriteriaTrend = z.object({
  communeId: Id,
  criteria: z.array(
    z.object({
      criterionRef: z.string(),
      /** The criterion's name in its criteria set ("Giao thông"), null when the round's form names no set. */
      name: z.string().nullable(),
      /** The criteria set's name: a ref is a criterion of one set (QĐ 318/2022 and QĐ 51/2025 number theirs differently). */
      criteriaSet: z.string().nullable(),
      points: z.array(
        z.object({
          roundId: Id,
          title: z.string(),
          purpose: RoundPurpose,
          status: z.string(),
          /** When the collection closed (sealedAt/closedAt/closesAt, the first known). */
          date: z.string(),
          /** The day the collection actually closed (closedAt, else the planned closesAt). */
          closedAt: z.string(),
          questionKey: z.string(),
          valid: z.number().int(),
          /** Null (withheld) when the commune had 1 … PRIVACY_MIN_CELL−1 valid answers to the question. */
          satisfied: z.number().int().nullable(),
          rate: z.number().nullable(),
        }),
      ),
    }),
  ),
})
export type CriteriaTrend = z.infer<typeof CriteriaTrend>
