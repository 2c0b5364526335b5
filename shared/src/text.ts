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
