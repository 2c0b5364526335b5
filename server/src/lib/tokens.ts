import { randomBytes } from 'node:crypto'
import { sha256Hex } from './hash.js'

/**
 * Personal-link tokens: 128-bit random, base64url (22 chars). Only the SHA-256 hash is stored and
 * lookups go by hash, so a stolen database yields no usable link. Never log a token; use
 * log-redact's fingerprint().
 */
export function newLinkToken(): string {
  return randomBytes(16).toString('base64url')
}

export const LINK_TOKEN_RE = /^[A-Za-z0-9_-]{22}$/

export function hashLinkToken(token: string): string {
  return sha256Hex(`link:${token}`)
}
