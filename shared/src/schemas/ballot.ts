/**
 * The resident form contract, in zod/mini so the phone page stays tiny. The server validates the
 * same schemas (one contract, not two). Import this file directly (`@app/shared/schemas/ballot`)
 * from the resident page: the package index pulls in full zod.
 */
import * as z from 'zod/mini'
import { ILL_FORMED_MESSAGE, isWellFormedText } from './wellformed.js'

export const QUESTION_KEY_RE = /^[a-z0-9_]{1,32}$/
export const REASON_MAX = 500
/**
 * How a household's ballot came in: its personal link, a paper form, a residents' meeting, or its link answered with
 * the help of the community digital technology team on the team's device (`assisted`: a channel of its own, batched
 * and counted apart, TRUST.md §2.3).
 */
export const BALLOT_CHANNELS = ['link', 'paper', 'meeting', 'assisted'] as const
// from the literal list, not `.options`: a property read keeps zod in the resident page's bundle (25 KB budget)
export const BallotChannel = z.enum(BALLOT_CHANNELS)
export type BallotChannel = z.infer<typeof BallotChannel>
/** A ledger entry counts a ballot or records its invalidation. */
export const LedgerEntryKind = z.enum(['ballot', 'invalidation'])
export const COMMENT_MAX = 2000

/** Resident text: well-formed and NFC before it is hashed into the ledger (see wellformed.ts). */
const residentText = (max: number) =>
  z.string().check(z.refine(isWellFormedText, { message: ILL_FORMED_MESSAGE, abort: true }), z.normalize('NFC'), z.maxLength(max))

export const Answer = z.object({
  satisfied: z.boolean(),
  reason: z.optional(/* @__PURE__ */ residentText(REASON_MAX)),
})
export type Answer = z.infer<typeof Answer>

export const Paradata = z.object({
  /** Seconds from opening the form to submitting. */
  secondsToComplete: z.optional(z.number().check(z.int(), z.minimum(0), z.maximum(7 * 86400))),
})

export const SubmitBallotBody = z.object({
  answers: z.record(z.string().check(z.regex(QUESTION_KEY_RE)), Answer),
  comment: z.optional(/* @__PURE__ */ residentText(COMMENT_MAX)),
  /** Idempotency key chosen by the client; replaying it returns the same receipt. */
  clientId: z.optional(z.string().check(z.regex(/^[A-Za-z0-9_-]{8,64}$/))),
  paradata: z.optional(Paradata),
})
export type SubmitBallotBody = z.infer<typeof SubmitBallotBody>

export const FormQuestion = z.object({
  key: z.string(),
  text: z.string(),
  isOverall: z.boolean(),
  /** "Có / Không" instead of "Hài lòng / Không hài lòng"; `favourable: 'no'` when "Không" is the good answer. */
  answerType: z.optional(z.enum(['satisfaction', 'yes_no'])),
  favourable: z.optional(z.enum(['yes', 'no'])),
})
export type FormQuestion = z.infer<typeof FormQuestion>

export const BallotForm = z.object({
  round: z.object({
    id: z.string(),
    title: z.string(),
    commune: z.string(),
    closesAt: z.string(),
    /** A round limited to one village (ấp/thôn kiểu mẫu): "ấp …", shown before the commune. */
    village: z.optional(z.string()),
  }),
  questions: z.array(FormQuestion),
})
export type BallotForm = z.infer<typeof BallotForm>

export const Receipt = z.object({ receipt: z.string() })
export type Receipt = z.infer<typeof Receipt>

/** `pending`: accepted and sealed, waiting to land with others of its village ("đã nhận"); `counted`: landed ("đã kiểm"). */
export const ReceiptCheck = z.object({
  included: z.boolean(),
  status: z.enum(['pending', 'counted']),
  roundId: z.string(),
  day: z.string(),
})

/** Human-readable receipt: 12 Crockford base32 characters in groups of 4 ("K7Q2-M9XD-3F0A"). */
export const RECEIPT_RE = /^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/

export interface AnswerIssue {
  path: string
  message: string
}

/**
 * Check a submission against the questionnaire: every question answered, a reason when not
 * satisfied, no unknown keys. Messages are Vietnamese (they are shown to residents).
 */
export function checkAnswers(questions: readonly { key: string }[], body: Pick<SubmitBallotBody, 'answers'>): AnswerIssue[] {
  const issues: AnswerIssue[] = []
  const keys = new Set(questions.map((q) => q.key))
  for (const q of questions) {
    const a = body.answers[q.key]
    if (!a) issues.push({ path: `answers.${q.key}`, message: 'Vui lòng chọn Hài lòng hoặc Không hài lòng.' })
    else if (!a.satisfied && !(a.reason ?? '').trim()) {
      issues.push({ path: `answers.${q.key}.reason`, message: 'Vui lòng ghi lý do chưa hài lòng.' })
    }
  }
  for (const k of Object.keys(body.answers)) {
    if (!keys.has(k)) issues.push({ path: `answers.${k}`, message: 'Câu hỏi không có trong phiếu.' })
  }
  return issues
}
