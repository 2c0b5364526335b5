/**
 * A personal link as it arrives after a trip through chat apps and SMS: they glue the sentence's
 * punctuation to the URL ("…/r/AbC…xyz." or "(…/r/AbC…xyz)"), and the resident taps a link that
 * ends in "." or ")". Tokens are base64url, so any trailing character outside that alphabet cannot be
 * part of one: strip those. The server and the resident page use the same function, so the page,
 * its stored draft and the API agree on the token.
 */
export function cleanLinkToken(raw: string): string {
  return raw.replace(/[^A-Za-z0-9_-]+$/, '')
}

/**
 * Crockford base32: digits and capitals without I, L, O and U, so nothing on a printed slip can be
 * read two ways. New link tokens are written in it (26 symbols, 130 random bits), which makes the
 * token itself the code a resident can type when the QR code cannot be scanned.
 */
export const CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'
export const CODE_LENGTH = 26
/** A canonical typeable token: exactly what the link carries and what is hashed. */
export const CODE_TOKEN_RE = /^[0-9A-HJKMNP-TV-Z]{26}$/

/** "K7QD9M2X…" → "K7QD-9M2X-…": groups of four, as printed on the slip and shown after a reissue. */
export function formatSlipCode(token: string): string {
  return token.match(/.{1,4}/g)?.join('-') ?? token
}

/**
 * What a resident typed, as the canonical token, or null when it cannot be one: case, spaces, dashes,
 * dots and the look-alike letters (O for 0, I and L for 1) do not matter. Anything else (a wrong
 * length, a letter outside the alphabet) is a wrong code, never guessed at.
 */
export function parseSlipCode(input: string): string | null {
  const s = input
    .normalize('NFKC')
    .toUpperCase()
    .replace(/[\s\-–—_.·,/]+/g, '')
    .replace(/O/g, '0')
    .replace(/[IL]/g, '1')
  return CODE_TOKEN_RE.test(s) ? s : null
}
