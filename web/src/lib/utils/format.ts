import {
  BALLOT_CHANNEL_VI,
  formatPercentVi,
  formatRatioVi,
  INVITATION_CHANNEL_VI,
  LEVEL_VI,
  levelVi,
  ROLE_VI,
  ROUND_STATUS_VI,
  roundStatusVi,
  UNIT_KIND_VI,
  VN_TIME_ZONE,
  verdictSentenceVi,
  viCollator,
} from '@app/shared'

export { formatPercentVi, formatRatioVi, viCollator }

/** Basis points as a Vietnamese percent: 9000 → "90,00 %". */
export function bpToPercentVi(bp: number): string {
  return formatPercentVi(bp / 10_000)
}

/** A percent typed by a person ("90", "90,5", "90.5 %") to basis points; null when not a number in 0..100. */
export function percentInputToBp(text: string): number | null {
  const s = text.replace('%', '').replace(',', '.').trim()
  if (!/^\d{1,3}(\.\d{1,2})?$/.test(s)) return null
  const bp = Math.round(Number(s) * 100)
  return bp >= 0 && bp <= 10_000 ? bp : null
}

/** Basis points back to the input form: 9050 → "90,5". */
export function bpToInput(bp: number): string {
  return String(bp / 100).replace('.', ',')
}

/** Integers with Vietnamese grouping: 11683 → "11.683". */
/** An integer the Vietnamese way; null (a figure withheld to protect the secrecy of ballots) is a dash, never 0. */
export function formatInt(n: number | null): string {
  if (n === null) return '—'
  return new Intl.NumberFormat('vi-VN').format(n)
}

const dateFmt = new Intl.DateTimeFormat('vi-VN', { timeZone: VN_TIME_ZONE, day: '2-digit', month: '2-digit', year: 'numeric' })
const dateTimeFmt = new Intl.DateTimeFormat('vi-VN', {
  timeZone: VN_TIME_ZONE,
  day: '2-digit',
  month: '2-digit',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
})

export function formatDateVi(iso: string | null | undefined): string {
  return iso ? dateFmt.format(new Date(iso)) : '—'
}
export function formatDateTimeVi(iso: string | null | undefined): string {
  return iso ? dateTimeFmt.format(new Date(iso)) : '—'
}

/** A stored phone (84… without +) as people write it: "84912345678" → "0912 345 678"; anything else as is. */
export function formatPhoneVi(phone: string): string {
  const m = /^84(\d{3})(\d{3})(\d{3,4})$/.exec(phone)
  return m ? `0${m[1]} ${m[2]} ${m[3]}` : phone
}

/** A YYYY-MM-DD day as Vietnamese people write it: "2025-06-01" → "01/06/2025". */
export function formatDayVi(day: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day)
  return m ? `${m[3]}/${m[2]}/${m[1]}` : day
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
