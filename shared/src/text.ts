/**
 * Fold Vietnamese text for diacritics-insensitive search: "Tân Lộc" → "tan loc", "Đông" → "dong".
 */
export function foldVi(s: string): string {
  return s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/đ/g, 'd')
    .replace(/Đ/g, 'D')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim()
}

/** Sort Vietnamese names the Vietnamese way. */
export const viCollator = new Intl.Collator('vi', { sensitivity: 'base', numeric: true })

/**
 * Length of a text as Zalo counts a template parameter: code points of the NFC form, runs of white space as one
 * space, trimmed (what the sender cuts to the template's limit; NFD would inflate Vietnamese by about a quarter).
 */
export function zaloTextLength(s: string): number {
  return [...s.normalize('NFC').replace(/\s+/g, ' ').trim()].length
}
