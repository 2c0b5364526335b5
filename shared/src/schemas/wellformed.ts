/**
 * Well-formed text (TRUST §2.7), shared by the full-zod and zod/mini schemas. Kept free of zod so
 * the resident page pulls in only this function.
 *
 * Refused: lone surrogates (SQLite stores them as U+FFFD while a hash over the JSON escapes them,
 * so a stored ballot would no longer match its ledger digest) and C0 control characters other
 * than tab and line breaks (NUL cuts strings short in C code, PDFs and spreadsheets; none of them
 * is typed by a person). Right-to-left marks and zero-width joiners are valid Unicode and stay.
 */
export function isWellFormedText(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x20 ? c !== 0x09 && c !== 0x0a && c !== 0x0d : c === 0x7f) return false
  }
  // Old phone browsers lack isWellFormed (Chrome < 111, Safari < 16.4): check pairs by hand there.
  const native = s as string & { isWellFormed?: () => boolean }
  if (typeof native.isWellFormed === 'function') return native.isWellFormed()
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1)
      if (!(d >= 0xdc00 && d <= 0xdfff)) return false
      i++
    } else if (c >= 0xdc00 && c <= 0xdfff) return false
  }
  return true
}

/** Shown to the person who typed it (a resident or staff member), hence Vietnamese. */
export const ILL_FORMED_MESSAGE = 'Nội dung có ký tự không hợp lệ, vui lòng gõ lại.'
