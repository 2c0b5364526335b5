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
