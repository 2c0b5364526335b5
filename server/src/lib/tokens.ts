import { randomBytes } from 'node:crypto'
import { CODE_ALPHABET, CODE_LENGTH } from '@app/shared'
import { sha256Hex } from './hash.js'

/**
 * Personal-link tokens: 26 symbols of Crockford base32, 130 random bits (each random byte gives 5
 * uniform bits: 256 is a multiple of 32). The same symbols are the typeable code on the printed slip
 * (shared/link-token.ts). Only the SHA-256 hash is stored and lookups go by hash, so a stolen
 * database yields no usable link. Never log a token; use log-redact's fingerprint().
 */
export function newLinkToken(): string {
  let out = ''
  for (const b of randomBytes(CODE_LENGTH)) out += CODE_ALPHABET[b & 31]
  return out
}

/** A link token: the typeable form, or the 22-character base64url of links issued before it (still valid). */
export const LINK_TOKEN_RE = /^(?:[0-9A-HJKMNP-TV-Z]{26}|[A-Za-z0-9_-]{22})$/

export function hashLinkToken(token: string): string {
  return sha256Hex(`link:${token}`)
}
