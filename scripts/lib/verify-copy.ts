/**
 * The ledger check `pnpm db:copy` runs on the PostgreSQL copy, round by round: every ballot against its ledger
 * entry and the whole hash chain recomputed (server/src/lib/ledger.ts, the server's own hashing), the chain's last
 * hash against the root sealed in sealed_results, and every receipt against its ledger entry and, where it was fixed
 * at acceptance, against the ballot's content.
 *
 * Stand-in: `pnpm verify-ledger` (server/src/modules/verify) runs on SQLite only today and checks more (sealed tally
 * against a recount, counters, participations, the audit chain). Once the server's repositories run on PostgreSQL,
 * `verifyCopy` becomes that verification run against DATABASE_URL=<the copy>, and this module goes.
 */
import { GENESIS_HASH } from '@app/server/lib/hash.ts'
import { type BallotForDigest, receiptFromHash, type StoredLedgerRow, verifyChain } from '@app/server/lib/ledger.ts'
import { canonicalBallot, receiptFor } from '@app/server/lib/privacy.ts'
import pg from 'pg'

export interface RoundCopyCheck {
  roundId: string
  title: string
  status: string
  ok: boolean
  /** Ledger entries of the round and the chain's last stored hash. */
  entries: number
  rootHash: string
  /** The root frozen at seal (null: not sealed). */
  sealedRootHash: string | null
  /** What differs, one line each (empty when ok). */
  problems: string[]
}

export interface CopyVerification {
  ok: boolean
  rounds: RoundCopyCheck[]
}

/** At most this many receipt lines per round: a rewritten table can differ in a million places. */
const MAX_LINES = 5

type BallotRow = BallotForDigest & { ledgerSeq: number; valid: boolean; receipt: string; receiptNonce: string | null }

/** Verify every round's ledger in the PostgreSQL database at `url`, in one read-only snapshot. */
export async function verifyCopy(url: string): Promise<CopyVerification> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY')
    const rounds = (
      await client.query<{ id: string; title: string; status: string }>('SELECT id, title, status FROM rounds ORDER BY id COLLATE "C"')
    ).rows
    const out: RoundCopyCheck[] = []
    for (const r of rounds) out.push(await verifyRound(client, r))
    await client.query('COMMIT')
    return { ok: out.every((r) => r.ok), rounds: out }
  } finally {
    await client.end()
  }
}

async function verifyRound(client: pg.Client, round: { id: string; title: string; status: string }): Promise<RoundCopyCheck> {
  const problems: string[] = []
  const ledger = (
    await client.query<StoredLedgerRow>(
      'SELECT seq, kind, entry, prev_hash AS "prevHash", hash FROM ledger WHERE round_id = $1 ORDER BY seq',
      [round.id],
    )
  ).rows
  const ballots = new Map<string, BallotRow>()
  const res = await client.query<{
    id: string
    round_id: string
    village_id: string
    channel: string
    answers: BallotForDigest['answers']
    comment: string | null
    day: string
    ledger_seq: number
    valid: boolean
    receipt: string
    receipt_nonce: string | null
  }>(
    `SELECT id, round_id, village_id, channel, answers, comment, day, ledger_seq, valid, receipt, receipt_nonce
       FROM ballots WHERE round_id = $1 ORDER BY ledger_seq`,
    [round.id],
  )
  for (const b of res.rows)
    ballots.set(b.id, {
      id: b.id,
      roundId: b.round_id,
      villageId: b.village_id,
      channel: b.channel,
      // jsonb arrives as text where the process set pg's parsers for the server's engine (db/src/pg.ts), else parsed
      answers: typeof b.answers === 'string' ? (JSON.parse(b.answers) as BallotForDigest['answers']) : b.answers,
      comment: b.comment,
      day: b.day,
      ledgerSeq: b.ledger_seq,
      valid: b.valid,
      receipt: b.receipt,
      receiptNonce: b.receipt_nonce,
    })

  const chain = verifyChain(ledger, ballots)
  if (!chain.ok)
    problems.push(`chain: ${chain.reason} at ledger seq ${chain.seq ?? '-'}${chain.ballotId ? `, ballot ${chain.ballotId}` : ''}`)
  const rootHash = ledger.at(-1)?.hash ?? GENESIS_HASH

  const sealed = (
    await client.query<{ root: string }>('SELECT ledger_root_hash AS root FROM sealed_results WHERE round_id = $1', [round.id])
  ).rows[0]
  if (sealed && sealed.root !== rootHash) problems.push(`sealed root: ledger root ${rootHash} ≠ sealed root ${sealed.root}`)
  if (!sealed && (round.status === 'sealed' || round.status === 'returned'))
    problems.push(`sealed root: the round is ${round.status} but has no sealed record`)

  // The receipt a resident holds must be the one its entry carries (older entries: the one derived from the entry's
  // hash), and a receipt fixed at acceptance must still hash from the ballot's content.
  const expected = new Map<string, string>()
  for (const l of ledger) {
    let e: { kind?: string; ballotId?: string; receipt?: string }
    try {
      e = JSON.parse(l.entry)
    } catch {
      continue
    }
    if (e.kind === 'ballot' && e.ballotId) expected.set(e.ballotId, e.receipt ?? receiptFromHash(l.hash))
  }
  const badReceipts: string[] = []
  for (const b of ballots.values()) {
    const want = expected.get(b.id)
    if (want !== undefined && want !== b.receipt)
      badReceipts.push(`ballot ${b.id} (seq ${b.ledgerSeq}): receipt ${b.receipt} ≠ ledger ${want}`)
    else if (b.receiptNonce !== null) {
      const recomputed = receiptFor(b.receiptNonce, canonicalBallot(round.id, b.villageId, b.channel, b.answers, b.comment))
      if (recomputed !== b.receipt) badReceipts.push(`ballot ${b.id} (seq ${b.ledgerSeq}): receipt ${b.receipt} ≠ content ${recomputed}`)
    }
  }
  problems.push(...badReceipts.slice(0, MAX_LINES).map((l) => `receipts: ${l}`))
  if (badReceipts.length > MAX_LINES) problems.push(`receipts: … and ${badReceipts.length - MAX_LINES} more`)

  return {
    roundId: round.id,
    title: round.title,
    status: round.status,
    ok: problems.length === 0,
    entries: ledger.length,
    rootHash,
    sealedRootHash: sealed?.root ?? null,
    problems,
  }
}

/** The per-round lines `pnpm db:copy` prints, in the layout of `pnpm verify-ledger`. */
export function verificationLines(v: CopyVerification): string[] {
  const lines: string[] = []
  for (const r of v.rounds) {
    const sealed = r.sealedRootHash ? `  sealed root ${r.sealedRootHash}` : ''
    lines.push(
      `${r.ok ? 'ok      ' : 'MISMATCH'}  ${r.roundId}  ${r.status}  ${r.entries} entries  root ${r.rootHash}${sealed}  (${r.title})`,
    )
    for (const p of r.problems) lines.push(`          ${p}`)
  }
  return lines
}
