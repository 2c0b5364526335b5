/**
 * Vietnamese display helpers for the documents (minutes, notices, the public page): the figures and days
 * come from the one formatting module in shared/ (the staff app writes them the same way).
 */
import { formatBpVi, formatCountVi, formatDateVi, formatRatioVi, formatTimeVi } from '@app/shared'

export { formatRatioVi }

/** 11683 → "11.683" (Vietnamese thousands separator). */
export const intVi = formatCountVi

/** Basis points as a Vietnamese percentage: 9000 → "90,00 %". */
export const bpVi = formatBpVi

/** ISO instant → "01/06/2025" in Vietnam time. */
export function dateVi(iso: string): string {
  return formatDateVi(iso)
}

/** ISO instant → "08:30 ngày 01/06/2025" in Vietnam time. */
export function dateTimeVi(iso: string): string {
  return `${formatTimeVi(iso)} ngày ${dateVi(iso)}`
}

/** ISO instant → "08:30" in Vietnam time. */
export function timeVi(iso: string): string {
  return formatTimeVi(iso)
}

/** "ngày 01 tháng 06 năm 2025" for the place-and-date line of an official document. */
export function longDateVi(iso: string): string {
  const [d, m, y] = dateVi(iso).split('/')
  return `ngày ${d} tháng ${m} năm ${y}`
}

/**
 * A hash as people compare it by eye against paper: groups of 8 hex digits, `perLine` groups to a line
 * (64 digits → two lines of four groups). Lines joined by "\n"; the digits themselves are unchanged.
 */
export function hexGroupsVi(hex: string, perLine = 4): string {
  const groups = hex.match(/.{1,8}/g) ?? []
  const lines: string[] = []
  for (let i = 0; i < groups.length; i += perLine) lines.push(groups.slice(i, i + perLine).join(' '))
  return lines.join('\n')
}

/** The one vocabulary lives in shared/ (staff app, documents, exports and public pages read the same labels). */
export {
  ballotChannelVi,
  coverageScopeVi,
  invalidationVi,
  verdictLabelVi,
  verdictSentenceVi,
  villageCoverageVi,
} from '@app/shared'

/** "ấp …" as the documents of a one-village round say it: the village's own word kept (ấp/thôn), else "ấp". */
export function villageSubjectVi(name: string): string {
  const m = /^(ấp|thôn|khóm|bản|xóm)\s+(.+)$/iu.exec(name.trim())
  return m ? `${(m[1] as string).toLocaleLowerCase('vi')} ${m[2]}` : `ấp ${name.trim()}`
}
