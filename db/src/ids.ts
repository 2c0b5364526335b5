import { randomFillSync } from 'node:crypto'

/**
 * Cryptographically random bytes drawn from a refilled pool. Every accepted ballot takes several (ids, a receipt
 * nonce, an IV): one randomFillSync per 4 KB instead of a native call per value keeps them off the accept path's
 * profile. The bytes are the same CSPRNG output either way, and each is handed out once.
 */
const POOL_SIZE = 4096
const pool = Buffer.alloc(POOL_SIZE)
let offset = POOL_SIZE

export function randomBytesPooled(n: number): Buffer {
  if (n > POOL_SIZE) return randomFillSync(Buffer.alloc(n))
  if (offset + n > POOL_SIZE) {
    randomFillSync(pool)
    offset = 0
  }
  const out = Buffer.from(pool.subarray(offset, offset + n))
  // a value handed out is not kept in the pool
  pool.fill(0, offset, offset + n)
  offset += n
  return out
}

/** Random 128-bit ids, lowercase hex: unguessable and unordered (ballot ids must not leak order). */
export function newId(): string {
  return randomBytesPooled(16).toString('hex')
}
