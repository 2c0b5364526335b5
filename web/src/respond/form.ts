/**
 * Pure helpers for the resident form: ordering, progress, validation against the shared contract,
 * the body that is sent, and small formatters. No DOM, no storage: unit-tested in form.test.ts.
 */
import {
  type BallotForm,
  COMMENT_MAX,
  checkAnswers,
  type FormQuestion,
  REASON_MAX,
  RECEIPT_RE,
  type SubmitBallotBody,
} from '@app/shared/schemas/ballot'
import { vnDateVi } from '@app/shared/vn-time'

/** What the resident has picked for one question; the reason is kept even if they switch back. */
export interface UiAnswer {
  satisfied: boolean | null
  reason: string
}

export type UiAnswers = Record<string, UiAnswer>

/** Field path → Vietnamese message. Paths follow the API: `answers.<key>`, `answers.<key>.reason`, `comment`. */
export type FieldErrors = Record<string, string>

/** Content questions first, the overall question last (guidance 90/HD-MTTW-BTT), otherwise as given. */
export function orderQuestions(questions: readonly FormQuestion[]): FormQuestion[] {
  return [...questions.filter((q) => !q.isOverall), ...questions.filter((q) => q.isOverall)]
}

export function isComplete(a: UiAnswer | undefined): boolean {
  if (!a || a.satisfied === null) return false
  return a.satisfied || a.reason.trim() !== ''
}

export function progress(questions: readonly FormQuestion[], answers: UiAnswers): { done: number; total: number } {
  return { done: questions.filter((q) => isComplete(answers[q.key])).length, total: questions.length }
}

/** Rough reading + tapping time: about 20 seconds a question, never "1 phút" for a real form. */
export function estimateMinutes(questionCount: number): number {
  return Math.max(2, Math.ceil(questionCount / 3))
}

/** Only the answers the contract accepts: a chosen side, and a trimmed reason when not satisfied. */
export function toBodyAnswers(questions: readonly FormQuestion[], answers: UiAnswers): SubmitBallotBody['answers'] {
  const out: SubmitBallotBody['answers'] = {}
  for (const q of questions) {
    const a = answers[q.key]
    if (!a || a.satisfied === null) continue
    const reason = a.reason.trim()
    out[q.key] = a.satisfied ? { satisfied: true } : reason ? { satisfied: false, reason } : { satisfied: false }
  }
  return out
}

export function buildBody(
  questions: readonly FormQuestion[],
  answers: UiAnswers,
  comment: string,
  clientId: string,
  secondsToComplete: number,
): SubmitBallotBody {
  const body: SubmitBallotBody = { answers: toBodyAnswers(questions, answers), clientId, paradata: { secondsToComplete } }
  const c = comment.trim()
  if (c) body.comment = c
  return body
}

/**
 * Validates with the same contract the server applies: the zod/mini `SubmitBallotBody` for shape and
 * lengths, `checkAnswers` for "every question answered, a reason when not satisfied".
 */
export function validate(questions: readonly FormQuestion[], body: SubmitBallotBody): FieldErrors {
  const errors: FieldErrors = {}
  for (const issue of checkAnswers(questions, body)) errors[issue.path] ??= issue.message
  for (const [key, a] of Object.entries(body.answers)) {
    if ((a.reason?.length ?? 0) > REASON_MAX) errors[`answers.${key}.reason`] ??= `Lý do tối đa ${REASON_MAX} ký tự.`
  }
  if ((body.comment?.length ?? 0) > COMMENT_MAX) errors.comment = `Ý kiến tối đa ${COMMENT_MAX} ký tự.`
  return errors
}

/** Ids of the inputs, derived from the (already `^[a-z0-9_]+$`) question keys. */
export const fieldId = {
  question: (key: string) => `q-${key}`,
  yes: (key: string) => `q-${key}-yes`,
  no: (key: string) => `q-${key}-no`,
  reason: (key: string) => `q-${key}-reason`,
  error: (path: string) => `err-${path.replace(/\./g, '-')}`,
}

/** The element to focus for the first error, in the order the resident reads the page. */
export function firstErrorTarget(questions: readonly FormQuestion[], errors: FieldErrors, answers: UiAnswers): string | null {
  for (const q of questions) {
    if (errors[`answers.${q.key}`]) return answers[q.key]?.satisfied === false ? fieldId.no(q.key) : fieldId.yes(q.key)
    if (errors[`answers.${q.key}.reason`]) return fieldId.reason(q.key)
  }
  if (errors.comment) return 'comment'
  return Object.keys(errors).length ? 'submit' : null
}

/** Server issues (`{ path, message }`) → field errors, keeping only paths the form can show. */
export function serverErrors(issues: readonly { path: string; message: string }[]): FieldErrors {
  const out: FieldErrors = {}
  for (const i of issues) out[i.path || 'form'] ??= i.message
  return out
}

/** "2025-06-14" (a day, as the receipt check returns it) → "14/06/2025". */
export function formatDayVn(day: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(day)
  return m ? `${m[3]}/${m[2]}/${m[1]}` : day
}

/**
 * Typed receipt → canonical "XXXX-XXXX-XXXX" or null. Forgiving like Crockford base32 intends:
 * lower case, spaces, missing dashes, O for 0 and I/L for 1 are all accepted.
 */
export function normalizeReceipt(input: string): string | null {
  const s = input
    .toUpperCase()
    .replace(/[^0-9A-Z]/g, '')
    .replace(/O/g, '0')
    .replace(/[IL]/g, '1')
  if (s.length !== 12) return null
  const code = `${s.slice(0, 4)}-${s.slice(4, 8)}-${s.slice(8)}`
  return RECEIPT_RE.test(code) ? code : null
}

/** "Biển Bạch" → "Xã Biển Bạch"; names that already say what they are stay as they are. */
export function communeLabel(name: string): string {
  return /^(xã|phường|thị trấn|đặc khu)\s/i.test(name) || !name ? name : `Xã ${name}`
}

/** The per-token form data the page needs to show at the top. */
export function heading(form: BallotForm): { commune: string; title: string; closes: string; minutes: number } {
  return {
    // a one-village round (ấp/thôn kiểu mẫu) names the ấp first: "Ấp Láng Trâm, xã Biển Bạch"
    commune: form.round.village
      ? `${form.round.village.charAt(0).toLocaleUpperCase('vi')}${form.round.village.slice(1)}, ${communeLabel(form.round.commune).replace(/^Xã /, 'xã ')}`
      : communeLabel(form.round.commune),
    title: form.round.title,
    closes: vnDateVi(form.round.closesAt),
    minutes: estimateMinutes(form.questions.length),
  }
}

/**
 * The words of an answer for a question: "Hài lòng / Không hài lòng", or "Có / Không" for a yes/no
 * question (`satisfied` is the favourable answer, which is "Không" when the form says so).
 */
export function words(q: Pick<FormQuestion, 'answerType' | 'favourable'>, satisfied: boolean): string {
  if (q.answerType !== 'yes_no') return satisfied ? 'Hài lòng' : 'Không hài lòng'
  return satisfied === (q.favourable !== 'no') ? 'Có' : 'Không'
}
