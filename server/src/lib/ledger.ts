import { canonicalJson, GENESIS_HASH, sha256Hex } from './hash.js'

/**
 * The ballot ledger: an append-only SHA-256 hash chain per round,
 * hash = SHA-256(prev hash ‖ canonical JSON of the entry). Entries carry a digest of the ballot,
 * never the household. A v1 entry's receipt was derived from its hash; a v2 entry carries the receipt fixed when the
 * ballot was accepted, before it waited in the pending store.
 */
export type LedgerEntry =
  | { v: 1; kind: 'ballot'; roundId: string; seq: number; ballotId: string; digest: string; day: string }
  /** v2: the receipt was fixed at acceptance (H(nonce ‖ canonical ballot)) and is carried into the entry. */
  | { v: 2; kind: 'ballot'; roundId: string; seq: number; ballotId: string; digest: string; receipt: string; day: string }
  | { v: 1; kind: 'invalidation'; roundId: string; seq: number; ballotId: string; reasonCode: string; day: string }

export interface BallotForDigest {
  id: string
  roundId: string
  villageId: string
  channel: string
  answers: Record<string, { satisfied: boolean; reason?: string }>
  comment: string | null
  day: string
  /** When given, checked against a v2 entry's receipt. */
  receipt?: string
}

/** Digest of everything a ballot says; any edit to a stored ballot changes it. */
export function ballotDigest(b: BallotForDigest): string {
  return sha256Hex(
    canonicalJson({
      id: b.id,
      roundId: b.roundId,
      villageId: b.villageId,
      channel: b.channel,
      answers: b.answers,
      comment: b.comment ?? null,
      day: b.day,
    }),
  )
}

export function entryHash(prevHash: string, entry: LedgerEntry): string {
  return sha256Hex(prevHash + canonicalJson(entry))
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'

/** 12 Crockford base32 characters (60 bits) of the entry hash, grouped "XXXX-XXXX-XXXX". */
export function receiptFromHash(hash: string): string {
  let bits = BigInt(`0x${hash.slice(0, 15)}`) // 60 bits
  let out = ''
  for (let i = 0; i < 12; i++) {
    out = CROCKFORD[Number(bits & 31n)] + out
    bits >>= 5n
  }
  return `${out.slice(0, 4)}-${out.slice(4, 8)}-${out.slice(8, 12)}`
}

/** Normalise what a person typed: case, spaces, and the look-alikes Crockford maps (O→0, I/L→1). */
export function normalizeReceipt(input: string): string | null {
  const s = input.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1')
  if (!/^[0-9A-HJKMNP-TV-Z]{12}$/.test(s)) return null
  return `${s.slice(0, 4)}-${s.slice(4, 8)}-${s.slice(8, 12)}`
}

export interface StoredLedgerRow {
  seq: number
  kind: string
  entry: string
  prevHash: string
  hash: string
}

export type LedgerCheck =
  | { ok: true; count: number; rootHash: string }
  | {
      ok: false
      reason: 'broken_chain' | 'entry_mismatch' | 'ballot_mismatch' | 'missing_ballot' | 'unledgered_ballot' | 'gap' | 'validity_mismatch'
      seq: number | null
      ballotId?: string
    }

/**
 * Verify a round's chain against its ballots: contiguous seqs, every hash recomputes, every ballot
 * entry's digest matches the stored ballot, and every ballot is in the ledger exactly once.
 */
export function verifyChain(
  rows: StoredLedgerRow[],
  ballots: Map<string, BallotForDigest & { ledgerSeq: number; valid: boolean }>,
): LedgerCheck {
  let prev = GENESIS_HASH
  const seen = new Set<string>()
  const invalidated = new Set<string>()
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i] as StoredLedgerRow
    if (r.seq !== i + 1) return { ok: false, reason: 'gap', seq: r.seq }
    let entry: LedgerEntry
    try {
      entry = JSON.parse(r.entry) as LedgerEntry
    } catch {
      return { ok: false, reason: 'entry_mismatch', seq: r.seq }
    }
    if (canonicalJson(entry) !== r.entry || entry.seq !== r.seq) return { ok: false, reason: 'entry_mismatch', seq: r.seq }
    if (r.prevHash !== prev || entryHash(prev, entry) !== r.hash) return { ok: false, reason: 'broken_chain', seq: r.seq }
    if (entry.kind === 'ballot') {
      const b = ballots.get(entry.ballotId)
      if (!b) return { ok: false, reason: 'missing_ballot', seq: r.seq, ballotId: entry.ballotId }
      if (b.ledgerSeq !== r.seq || ballotDigest(b) !== entry.digest)
        return { ok: false, reason: 'ballot_mismatch', seq: r.seq, ballotId: entry.ballotId }
      if (entry.v === 2 && b.receipt !== undefined && b.receipt !== entry.receipt)
        return { ok: false, reason: 'ballot_mismatch', seq: r.seq, ballotId: entry.ballotId }
      seen.add(entry.ballotId)
    } else invalidated.add(entry.ballotId)
    prev = r.hash
  }
  for (const [id, b] of ballots) {
    if (!seen.has(id)) return { ok: false, reason: 'unledgered_ballot', seq: null, ballotId: id }
    // validity may only change through a ledgered invalidation
    if (b.valid === invalidated.has(id)) return { ok: false, reason: 'validity_mismatch', seq: null, ballotId: id }
  }
  return { ok: true, count: rows.length, rootHash: prev }
}
