import { z } from 'zod'
import { COMMENT_MAX, QUESTION_KEY_RE, REASON_MAX } from './ballot.js'
import { Id, text } from './common.js'

/**
 * Wire schemas of paper and meeting ballots (double entry), invalidation and the ledger check. The answer limits are
 * the resident form's (ballot.ts): a paper ballot carries the same answers as a link ballot.
 */

/** A ballot keyed by staff: from a paper form, or from a residents' meeting. */
export const PaperChannel = z.enum(['paper', 'meeting'])
export type PaperChannel = z.infer<typeof PaperChannel>
/** A keyed form not counted yet: waiting for its second keying, or keyed twice with differences. */
export const PaperEntryStatus = z.enum(['pending', 'mismatch'])

export const PaperBallotBody = z.object({
  householdId: Id,
  channel: PaperChannel,
  answers: z.record(z.string().regex(QUESTION_KEY_RE), z.object({ satisfied: z.boolean(), reason: text().max(REASON_MAX).optional() })),
  comment: text().max(COMMENT_MAX).optional(),
})
export type PaperBallotBody = z.infer<typeof PaperBallotBody>

/** The number printed on a paper form: pairs the two keyings of one form. */
export const PaperSerial = text()
  .trim()
  .min(1)
  .max(40)
  .regex(/^[A-Za-z0-9._/-]+$/)

export const EnterPaperBody = PaperBallotBody.extend({ serial: PaperSerial.optional() })

/** 201 counted (with the receipt), 202 waiting for the second keying or mismatched. */
export const PaperResult = z.union([
  z.object({ status: z.literal('counted'), receipt: z.string() }),
  z.object({ status: PaperEntryStatus }),
])
export type PaperResult = z.infer<typeof PaperResult>

/** A form in the double-entry reconciliation queue: where the keyings differ, never what they say. */
export const PaperQueueItem = z.object({
  serial: z.string(),
  villageId: Id,
  status: PaperEntryStatus,
  entries: z.number().int(),
  householdDiffers: z.boolean(),
  differingQuestions: z.array(z.string()),
  commentDiffers: z.boolean(),
})
export type PaperQueueItem = z.infer<typeof PaperQueueItem>

export const INVALIDATION_REASONS = ['duplicate_household', 'not_resident', 'coerced', 'entry_error', 'other'] as const
export type InvalidationReason = (typeof INVALIDATION_REASONS)[number]
export const InvalidateBallotBody = z.object({ reasonCode: z.enum(INVALIDATION_REASONS), note: text().trim().max(1000).optional() })
export const InvalidateBallotResult = z.object({ ballotId: Id, valid: z.boolean(), reasonCode: z.string() })

/** The whole-round check; while a round is open only `ok` is given (TRUST §2.2). */
export const LedgerVerifyResult = z.object({
  ok: z.boolean(),
  status: z.string().optional(),
  count: z.number().int().optional(),
  rootHash: z.string().optional(),
  /** The root frozen at seal; compare it with the one printed on the minutes. */
  sealedRootHash: z.string().nullable().optional(),
  reason: z.string().optional(),
  seq: z.number().int().nullable().optional(),
  /** What differs, one line per difference (capped per check). */
  differences: z.array(z.object({ check: z.string(), message: z.string() })).optional(),
})
