import {
  BALLOT_CHANNEL_VI,
  formatBpVi,
  formatCountVi,
  formatDateTimeVi,
  formatDateVi,
  formatFractionVi,
  formatPhoneVi,
  formatRateVi,
  formatTimeVi,
  INVITATION_CHANNEL_VI,
  LEVEL_VI,
  levelVi,
  parseDateVi,
  ROLE_VI,
  ROUND_STATUS_VI,
  roundStatusVi,
  UNIT_KIND_VI,
  verdictSentenceVi,
  viCollator,
} from '@app/shared'

// Every figure and day the staff app shows is written by the one module in shared/ (shared/src/format.ts),
// so the pages, the PDFs and the public pages agree. The short names below are what the pages import.
export { formatDateTimeVi, formatDateVi, formatPhoneVi, formatTimeVi, parseDateVi, viCollator }
/** A rate num/den (exact): "71,32 %". */
export const formatRatioVi = formatRateVi
/** A fraction (interval bound, share): "71,32 %". */
export const formatPercentVi = formatFractionVi
/** A count: "11.683". */
export const formatInt = formatCountVi
/** Basis points as a percent: 9000 → "90,00 %". */
export const bpToPercentVi = formatBpVi
/** A YYYY-MM-DD day: "01/06/2025". */
export const formatDayVi = formatDateVi

/** A percent typed by a person ("90", "90,5", "90.5 %") to basis points; null when not a number in 0..100. */
export function percentInputToBp(text: string): number | null {
  const s = text.replace('%', '').replace(',', '.').trim()
  if (!/^\d{1,3}(\.\d{1,2})?$/.test(s)) return null
  const bp = Math.round(Number(s) * 100)
  return bp >= 0 && bp <= 10_000 ? bp : null
}

/** Why a typed percent is refused, in words; null when it is fine. */
export function percentInputProblem(text: string, label: string): string | null {
  if (percentInputToBp(text) !== null) return null
  const s = text.replace('%', '').replace(',', '.').trim()
  if (s === '') return `Hãy nhập ${label.toLocaleLowerCase('vi')}.`
  if (!/^\d+(\.\d+)?$/.test(s)) return `${label} phải là một số, ví dụ 90 hoặc 92,5.`
  if (!/^\d+(\.\d{1,2})?$/.test(s)) return `${label} có nhiều nhất 2 chữ số sau dấu phẩy.`
  return `${label} phải từ 0 đến 100 %.`
}

/** Basis points back to the input form: 9050 → "90,5". */
export function bpToInput(bp: number): string {
  return String(bp / 100).replace('.', ',')
}

// The labels come from the one vocabulary in shared/ (documents, exports and public pages use the same).
export const LEVEL_LABELS: Record<string, string> = LEVEL_VI
export const levelLabel = (level: string): string => levelVi(level)
export const STATUS_LABELS: Record<string, string> = ROUND_STATUS_VI
export const statusLabel = (s: string): string => roundStatusVi(s)
export const KIND_LABELS: Record<string, string> = UNIT_KIND_VI
export const ROLE_LABELS: Record<string, string> = ROLE_VI
export const CHANNEL_LABELS: Record<string, string> = { ...BALLOT_CHANNEL_VI, ...INVITATION_CHANNEL_VI }
/** The commune's legal verdict in plain Vietnamese (the verdict and why). */
export const verdictLabel = (v: string): string => verdictSentenceVi(v)
