import { randomBytes } from 'node:crypto'

/** Random 128-bit ids, base32-ish lowercase hex: unguessable and unordered (ballot ids must not leak order). */
export function newId(): string {
  return randomBytes(16).toString('hex')
}
