import { createHash } from 'node:crypto'

export function sha256Hex(s: string): string {
  return createHash('sha256').update(s).digest('hex')
}

/** Canonical JSON: object keys sorted recursively, no whitespace. Hashes depend on it being stable. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value))
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys)
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {}
    for (const k of Object.keys(v).sort()) {
      const x = (v as Record<string, unknown>)[k]
      if (x !== undefined) out[k] = sortKeys(x)
    }
    return out
  }
  return v
}

export const GENESIS_HASH = '0'.repeat(64)
