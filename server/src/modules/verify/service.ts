import { type AppDb, inReadSnapshot } from '@app/db'
import { notFound } from '../../lib/app-error.js'
import { canonicalJson, GENESIS_HASH } from '../../lib/hash.js'
import { receiptFromHash } from '../../lib/ledger.js'
import { canonicalBallot, receiptFor } from '../../lib/privacy.js'
import type { AuditService } from '../audit/service.js'
import type { BallotService } from '../ballots/service.js'
import type { RoundService } from '../rounds/service.js'
import type { TallyService } from '../tally/service.js'
import { createVerifyRepo, type GroupCount } from './repo.js'

export type VerifyCheck = 'chain' | 'sealed_root' | 'receipts' | 'sealed_tally' | 'counters' | 'participations' | 'audit'

/** One thing that differs, named for the person reading the CLI output or the API answer. */
export interface Difference {
  check: VerifyCheck
  message: string
}

export interface VerifyReport {
  roundId: string
  status: string
  ok: boolean
  /** Ledger entries and the chain's last hash as stored now. */
  count: number
  rootHash: string
  /** The root frozen at seal, when sealed. */
  sealedRootHash: string | null
  /** The first chain failure's code (ballot_mismatch, broken_chain, gap…), for callers that branch on it. */
  reason?: string
  seq?: number | null
  differences: Difference[]
}

/** At most this many lines per check: a rewritten file can differ in a million places. */
const MAX_LINES = 5

/**
 * Paths where two JSON values differ ("villages[3].satisfied: 120 ≠ 160"). Names are ignored: a
 * village renamed after the seal is not a changed result.
 */
export function jsonDifferences(a: unknown, b: unknown, path = ''): string[] {
  if (a === b) return []
  if (Array.isArray(a) && Array.isArray(b)) {
    const out: string[] = []
    if (a.length !== b.length) out.push(`${path || '(root)'}: ${a.length} items ≠ ${b.length}`)
    for (let i = 0; i < Math.min(a.length, b.length); i++) out.push(...jsonDifferences(a[i], b[i], `${path}[${i}]`))
    return out
  }
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)])
    const out: string[] = []
    for (const k of [...keys].sort()) {
      if (k === 'name') continue
      out.push(...jsonDifferences((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], path ? `${path}.${k}` : k))
    }
    return out
  }
  return [`${path || '(root)'}: ${JSON.stringify(a)} ≠ ${JSON.stringify(b)}`]
}

/**
 * A tally with its villages in unit-id order. A tally lists villages in the order of the keys of the round's frame
 * snapshot (a JSON object): SQLite and PostgreSQL's json keep the order they were written in, but a PostgreSQL
 * database made before its columns were json (migration 0001) held jsonb, which re-sorted the keys, so a tally
 * frozen there and a recount list the same villages in different orders. The villages are the same set either way:
 * compare them by unit.
 */
function villagesByUnit(t: unknown): unknown {
  if (!t || typeof t !== 'object' || !Array.isArray((t as { villages?: unknown }).villages)) return t
  const villages = [...(t as { villages: { unitId?: unknown }[] }).villages].sort((a, b) =>
    String(a?.unitId) < String(b?.unitId) ? -1 : String(a?.unitId) > String(b?.unitId) ? 1 : 0,
  )
  return { ...t, villages }
}

/**
 * The whole-round check behind `pnpm verify-ledger` and GET /api/rounds/:id/ledger/verify (one code
 * path, TRUST §2.6): every ballot against its ledger entry and the chain (ballots.verifyLedger),
 * the chain against the sealed root, every receipt against its entry, the sealed tally against a
 * recount from the ballots, the answer counters against the ballots, participations against
 * ballots per village and channel, and the audit log's own chain.
 */
export function createVerifyService(deps: {
  db: AppDb
  rounds: RoundService
  ballots: BallotService
  tally: TallyService
  audit: AuditService
}) {
  const { db, rounds, ballots, tally, audit } = deps
  const repo = createVerifyRepo(db)

  function capped(check: VerifyCheck, lines: string[], what: string): Difference[] {
    if (lines.length === 0) return []
    const shown = lines.slice(0, MAX_LINES).map((message) => ({ check, message }))
    if (lines.length > MAX_LINES) shown.push({ check, message: `… and ${lines.length - MAX_LINES} more ${what}` })
    return shown
  }

  return {
    /** Every check reads the round as of one moment (inReadSnapshot): a landing meanwhile is not a difference. */
    async verifyRound(roundId: string): Promise<VerifyReport> {
      return await inReadSnapshot(db, () => verifyRoundNow(roundId))
    },
  }

  async function verifyRoundNow(roundId: string): Promise<VerifyReport> {
    const r = await rounds.findById(roundId)
    if (!r) throw notFound('round')
    const differences: Difference[] = []

    const chain = await ballots.verifyLedger(r.id)
    const lines = await repo.ledger(r.id)
    const rootHash = lines.at(-1)?.hash ?? GENESIS_HASH
    if (!chain.ok)
      differences.push({
        check: 'chain',
        message: `${chain.reason} at ledger seq ${chain.seq ?? '-'}${chain.ballotId ? `, ballot ${chain.ballotId}` : ''}`,
      })

    // Receipts: the one a resident holds must be the one its entry carries (or, for entries
    // written before receipts were part of the entry, the one derived from the entry's hash,
    // which the chain covers). A rewritten chain changes every later hash, so old receipts stop
    // matching even when ballots, chain, root and counters were recomputed consistently.
    const expected = new Map<string, string>()
    for (const l of lines) {
      let e: { kind?: string; ballotId?: string; receipt?: string }
      try {
        e = JSON.parse(l.entry)
      } catch {
        continue
      }
      if (e.kind === 'ballot' && e.ballotId) expected.set(e.ballotId, e.receipt ?? receiptFromHash(l.hash))
    }
    const badReceipts: string[] = []
    for (const b of await repo.receipts(r.id)) {
      const want = expected.get(b.id)
      if (want !== undefined && want !== b.receipt)
        badReceipts.push(`ballot ${b.id} (seq ${b.ledgerSeq}): receipt ${b.receipt} ≠ ledger ${want}`)
      // A receipt fixed at acceptance commits to the content: answers rewritten together with the
      // chain, the root and the counters no longer hash to the receipt the resident holds.
      else if (b.receiptNonce !== null) {
        let answers: unknown
        try {
          answers = JSON.parse(b.answers)
        } catch {
          answers = b.answers
        }
        const recomputed = receiptFor(b.receiptNonce, canonicalBallot(r.id, b.villageId, b.channel, answers, b.comment))
        if (recomputed !== b.receipt) badReceipts.push(`ballot ${b.id} (seq ${b.ledgerSeq}): receipt ${b.receipt} ≠ content ${recomputed}`)
      }
    }
    differences.push(...capped('receipts', badReceipts, 'receipts'))

    const sealed = await tally.sealedRecord(r.id)
    if (sealed) {
      if (sealed.ledgerRootHash !== rootHash)
        differences.push({ check: 'sealed_root', message: `ledger root ${rootHash} ≠ sealed root ${sealed.ledgerRootHash}` })
      const recount = villagesByUnit({ ...(await tally.fromBallots(r, 'closed')), status: 'sealed' })
      const frozen = villagesByUnit(JSON.parse(sealed.tallyJson) as unknown)
      if (canonicalJson(frozen) !== canonicalJson(recount))
        differences.push(
          ...capped(
            'sealed_tally',
            jsonDifferences(frozen, recount).map((d) => `sealed ≠ recount from ballots at ${d}`),
            'differences',
          ),
        )
    } else if (r.status === 'sealed' || r.status === 'returned') {
      differences.push({ check: 'sealed_root', message: `the round is ${r.status} but has no sealed record` })
    }

    const live = await tally.live(r)
    const counted = await tally.fromBallots(r)
    if (canonicalJson(live) !== canonicalJson(counted))
      differences.push(
        ...capped(
          'counters',
          jsonDifferences(live, counted).map((d) => `counters ≠ ballots at ${d}`),
          'differences',
        ),
      )

    const key = (g: GroupCount) => `${g.villageId}/${g.channel}`
    // a household takes part when its ballot is accepted; the ballot lands later (TRUST.md §2.3)
    const cast = new Map<string, number>()
    for (const g of [...(await repo.ballotsBy(r.id)), ...(await repo.pendingBy(r.id))]) cast.set(key(g), (cast.get(key(g)) ?? 0) + g.n)
    const took = new Map((await repo.participationsBy(r.id)).map((g) => [key(g), g.n]))
    const groups = [...new Set([...cast.keys(), ...took.keys()])].sort()
    differences.push(
      ...capped(
        'participations',
        groups
          .filter((k) => (cast.get(k) ?? 0) !== (took.get(k) ?? 0))
          .map((k) => `village/channel ${k}: ${took.get(k) ?? 0} participations ≠ ${cast.get(k) ?? 0} ballots (landed + pending)`),
        'groups',
      ),
    )

    const log = await audit.verify(db)
    if (!log.ok) differences.push({ check: 'audit', message: `audit log chain broken at seq ${log.brokenAt}` })

    return {
      roundId: r.id,
      status: r.status,
      ok: differences.length === 0,
      count: lines.length,
      rootHash,
      sealedRootHash: sealed?.ledgerRootHash ?? null,
      ...(chain.ok ? {} : { reason: chain.reason, seq: chain.seq }),
      differences,
    }
  }
}
export type VerifyService = ReturnType<typeof createVerifyService>
