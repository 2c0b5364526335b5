/**
 * Phone hygiene (ZALO.md §8.6): NFC, strip spaces/dots/dashes/parentheses, `+84…`/`84…`/`0…` → `84` + 9 digits,
 * mobile prefixes 3/5/7/8/9 only. Anything else is rejected before Zalo is called (it would answer -108).
 */
const MOBILE = /^(?:\+?84|0)?([35789]\d{8})$/

export function normalizePhone(raw: string | null | undefined): string | null {
  if (typeof raw !== 'string') return null
  const s = raw.normalize('NFC').replace(/[\s.\-()]/g, '')
  const m = MOBILE.exec(s)
  return m ? `84${m[1]}` : null
}

/** `84******123` — the only form a phone may take in logs and error messages (ZALO.md §8.1, S18). */
export function maskPhone(phone: string | null | undefined): string {
  if (!phone) return '(none)'
  const digits = phone.replace(/\D/g, '')
  if (digits.length < 6) return '***'
  return `${digits.slice(0, 2)}${'*'.repeat(digits.length - 5)}${digits.slice(-3)}`
}

/** eSMS takes the national form `0xxxxxxxxx` (ZALO.md §6). */
export function toNationalPhone(phone84: string): string {
  return `0${phone84.slice(2)}`
}
