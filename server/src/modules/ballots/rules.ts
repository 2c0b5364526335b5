import { checkAnswers, type Question } from '@app/shared'
import { AppError, badRequest } from '../../lib/app-error.js'
import { canonicalJson, sha256Hex } from '../../lib/hash.js'
import type { RoundWindow } from '../rounds/repo.js'

/** What every channel (link, paper, meeting) decides about a ballot alike: the window, the answers, the refusals. */

export type Answers = Record<string, { satisfied: boolean; reason?: string }>

export const alreadyAnswered = () => new AppError('already_answered', 'Hộ gia đình này đã trả lời phiếu. Cảm ơn ông/bà.', 409)
export const roundClosed = () => new AppError('round_closed', 'Đợt lấy ý kiến đã kết thúc.', 410)
export const roundNotOpen = () => new AppError('round_not_open', 'Đợt lấy ý kiến chưa bắt đầu.', 410)

export function windowState(r: RoundWindow, now: Date): 'open' | 'not_open' | 'closed' {
  const t = now.getTime()
  if (r.status === 'draft') return 'not_open'
  if (r.status !== 'open' || t >= new Date(r.closesAt).getTime()) return 'closed'
  if (t < new Date(r.opensAt).getTime()) return 'not_open'
  return 'open'
}

export function assertAcceptsBallots(r: RoundWindow, now: Date): void {
  const s = windowState(r, now)
  if (s === 'closed') throw roundClosed()
  if (s === 'not_open') throw roundNotOpen()
}

/**
 * Settling a form keyed within the window (its second keying, or the resolution of a mismatch) is allowed
 * while the round is still open, also after the window ended: the round waits open for it.
 */
export function assertSettlesPaper(r: RoundWindow): void {
  if (r.status !== 'open') throw roundClosed()
}

export function validateAnswers(questions: readonly Question[], answers: Answers): void {
  const issues = checkAnswers(questions, { answers })
  if (issues.length > 0) throw badRequest('validation_failed', 'Phiếu chưa đầy đủ, vui lòng xem lại.', { issues })
}

/** Keep a reason only where it belongs (not satisfied), trimmed. */
export function cleanAnswers(questions: readonly Question[], answers: Answers): Answers {
  const out: Answers = {}
  for (const q of questions) {
    const a = answers[q.key]
    if (!a) continue
    const reason = a.reason?.trim()
    out[q.key] = a.satisfied || !reason ? { satisfied: a.satisfied } : { satisfied: false, reason }
  }
  return out
}

export function submissionHash(answers: Answers, comment: string | null): string {
  return sha256Hex(canonicalJson({ answers, comment }))
}
