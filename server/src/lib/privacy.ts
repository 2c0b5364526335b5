import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'
import { randomBytesPooled } from '@app/db'
import { canonicalJson, sha256Hex } from './hash.js'
import { receiptFromHash } from './ledger.js'

/**
 * Keys derived from the privacy secret (PRIVACY_SECRET), which lives outside the data folder: whoever holds a
 * copy of the database, its WAL or a backup has none of them (TRUST.md §1 "D", §2.3, §2.4).
 */
export interface PrivacyKeys {
  /** AES-256 key that seals a round's pending ballots. */
  roundKey(roundId: string): Buffer
  /** Keyed hash for paradata and replay keys: cannot be recomputed (or reversed by enumeration) without the secret. */
  mac(purpose: 'device' | 'client' | 'pending', value: string): string
}

export function privacyKeys(secret: string): PrivacyKeys {
  const ikm = Buffer.from(secret, 'utf8')
  const derive = (info: string) => Buffer.from(hkdfSync('sha256', ikm, 'hailong/privacy/v1', info, 32))
  const roundKeys = new Map<string, Buffer>()
  const macKeys = { device: derive('device-fingerprint'), client: derive('client-key'), pending: derive('pending-row') }
  return {
    roundKey(roundId) {
      let k = roundKeys.get(roundId)
      if (!k) {
        k = derive(`pending-ballots:${roundId}`)
        if (roundKeys.size > 1000) roundKeys.clear()
        roundKeys.set(roundId, k)
      }
      return k
    },
    mac(purpose, value) {
      return createHmac('sha256', macKeys[purpose]).update(value).digest('hex').slice(0, 32)
    },
  }
}

/** AES-256-GCM with a random 96-bit IV; `aad` binds the sealed box to the row it sits in. Returns base64(iv ‖ tag ‖ ct). */
export function sealBox(key: Buffer, aad: string, plaintext: string): string {
  const iv = randomBytesPooled(12)
  const c = createCipheriv('aes-256-gcm', key, iv)
  c.setAAD(Buffer.from(aad, 'utf8'))
  const ct = Buffer.concat([c.update(plaintext, 'utf8'), c.final()])
  return Buffer.concat([iv, c.getAuthTag(), ct]).toString('base64')
}

export function openBox(key: Buffer, aad: string, sealed: string): string {
  const buf = Buffer.from(sealed, 'base64')
  const d = createDecipheriv('aes-256-gcm', key, buf.subarray(0, 12))
  d.setAAD(Buffer.from(aad, 'utf8'))
  d.setAuthTag(buf.subarray(12, 28))
  return Buffer.concat([d.update(buf.subarray(28)), d.final()]).toString('utf8')
}

/** What a receipt commits to: the ballot's content, keyed by its round, village and channel (not its id or time). */
export function canonicalBallot(roundId: string, villageId: string, channel: string, answers: unknown, comment: string | null): string {
  return canonicalJson({ roundId, villageId, channel, answers, comment })
}

/** A receipt fixed at acceptance: H(random nonce ‖ canonical ballot), shown as 12 Crockford characters. */
export function newReceipt(canonicalBallot: string): { receipt: string; nonce: string } {
  const nonce = randomBytesPooled(16).toString('hex')
  return { receipt: receiptFor(nonce, canonicalBallot), nonce }
}

export function receiptFor(nonce: string, canonicalBallot: string): string {
  return receiptFromHash(sha256Hex(`${nonce}${canonicalBallot}`))
}

/**
 * Seconds to complete, coarsened so that a duration cannot serve as a join key with open times: 10 s steps
 * under two minutes, minutes under a quarter hour, quarter hours under a day. The fast-completion signal
 * compares with the round's median and keeps working on buckets.
 */
export function bucketSeconds(s: number | null | undefined): number | null {
  if (s === null || s === undefined || !Number.isFinite(s)) return null
  const v = Math.max(0, Math.floor(s))
  if (v < 120) return Math.floor(v / 10) * 10
  if (v < 900) return Math.floor(v / 60) * 60
  if (v < 86_400) return Math.floor(v / 900) * 900
  return 86_400
}

/**
 * Where a development or demo server keeps a generated privacy secret when PRIVACY_SECRET is not set: in the
 * user's configuration folder, never beside the database (a copy of the data folder must not carry the key).
 * Production requires PRIVACY_SECRET (config.ts).
 */
export function defaultSecretFile(env: Record<string, string | undefined> = process.env): string {
  const base = env.XDG_CONFIG_HOME || join(homedir(), '.config')
  return join(base, 'hailong', 'privacy-secret')
}

export function loadOrCreateSecret(file: string): string {
  if (existsSync(file)) return readFileSync(file, 'utf8').trim()
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 })
  const secret = randomBytes(48).toString('base64url')
  try {
    writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' })
  } catch (e) {
    // another process created it first: use theirs
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return readFileSync(file, 'utf8').trim()
    throw e
  }
  return secret
}
