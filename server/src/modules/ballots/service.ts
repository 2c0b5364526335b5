import { randomInt } from 'node:crypto'
import type { Db, DbOrTx } from '@app/db'
import { createGroupCommit, newId } from '@app/db'
import {
  type BallotForm,
  checkAnswers,
  cleanLinkToken,
  type InvalidationReason,
  type PaperBallotBody,
  type Question,
  type SubmitBallotBody,
  vnDay,
} from '@app/shared'
import { sql } from 'drizzle-orm'
import { AppError, badRequest, conflict, notFound } from '../../lib/app-error.js'
import type { Clock } from '../../lib/clock.js'
import { canonicalJson, GENESIS_HASH, sha256Hex } from '../../lib/hash.js'
import { ballotDigest, entryHash, type LedgerCheck, type LedgerEntry, normalizeReceipt, verifyChain } from '../../lib/ledger.js'
import { bucketSeconds, canonicalBallot, newReceipt, openBox, type PrivacyKeys, sealBox } from '../../lib/privacy.js'
import { hashLinkToken, LINK_TOKEN_RE } from '../../lib/tokens.js'

import type { AuditService } from '../audit/service.js'
import type { HouseholdService } from '../households/service.js'
import { createInvitationRepo } from '../invitations/repo.js'
import { type Actor, assertRole } from '../policy.js'
import type { RoundRow, RoundWindow } from '../rounds/repo.js'
import type { RoundService } from '../rounds/service.js'
import type { UnitService } from '../units/service.js'
import { createBallotRepo, type PendingRow } from './repo.js'

type Answers = Record<string, { satisfied: boolean; reason?: string }>
type Channel = 'link' | 'paper' | 'meeting'

/** Reason codes for invalidating a ballot (shown in the minutes). */

export interface ClientMeta {
  ip: string
  userAgent: string | undefined
}

const linkNotFound = () => new AppError('link_not_found', 'Đường dẫn không đúng hoặc đã hết hiệu lực.', 404)
const alreadyAnswered = () => new AppError('already_answered', 'Hộ gia đình này đã trả lời phiếu. Cảm ơn ông/bà.', 409)
const roundClosed = () => new AppError('round_closed', 'Đợt lấy ý kiến đã kết thúc.', 410)
const roundNotOpen = () => new AppError('round_not_open', 'Đợt lấy ý kiến chưa bắt đầu.', 410)

/**
 * Coarse device fingerprint for fraud signals: the /24 of the IP and the user-agent family, keyed with a secret
 * that is not in the data folder (an unkeyed hash of so few inputs is reversed by enumeration in seconds).
 */
export function deviceFingerprint(keys: PrivacyKeys, ip: string, ua: string | undefined): string {
  const net = ip.includes('.') ? ip.split('.').slice(0, 3).join('.') : ip.split(':').slice(0, 3).join(':')
  const u = (ua ?? '').toLowerCase()
  const os = /android/.test(u) ? 'android' : /iphone|ipad|ios/.test(u) ? 'ios' : /windows/.test(u) ? 'windows' : 'other'
  const app = /zalo/.test(u)
    ? 'zalo'
    : /samsungbrowser/.test(u)
      ? 'samsung'
      : /firefox/.test(u)
        ? 'firefox'
        : /chrome|crios/.test(u)
          ? 'chrome'
          : /safari/.test(u)
            ? 'safari'
            : 'other'
  return keys.mac('device', `fp:${net}|${os}|${app}`).slice(0, 16)
}

/** What a pending ballot holds, sealed: everything needed to land it later, nothing about the household. */
interface PendingPayload {
  v: 1
  answers: Answers
  comment: string | null
  contentHash: string
  secondsToComplete: number | null
  fingerprint: string | null
  enteredBy: string | null
  paperSerial: string | null
  day: string
  nonce: string
}

/** What the receipt commits to (with a random nonce): the ballot's content, never the household. */
const pendingAad = (p: { id: string; roundId: string; villageId: string; channel: string; receipt: string }) =>
  `${p.id}|${p.roundId}|${p.villageId}|${p.channel}|${p.receipt}`

/** Fisher–Yates with crypto.randomInt: the landing order must owe nothing to arrival order. */
function shuffled<T>(items: readonly T[]): T[] {
  const a = [...items]
  for (let i = a.length - 1; i > 0; i--) {
    const j = randomInt(i + 1)
    ;[a[i], a[j]] = [a[j] as T, a[i] as T]
  }
  return a
}

/** Keep a reason only where it belongs (not satisfied), trimmed. */
function cleanAnswers(questions: readonly Question[], answers: Answers): Answers {
  const out: Answers = {}
  for (const q of questions) {
    const a = answers[q.key]
    if (!a) continue
    const reason = a.reason?.trim()
    out[q.key] = a.satisfied || !reason ? { satisfied: a.satisfied } : { satisfied: false, reason }
  }
  return out
}

export function createBallotService(deps: {
  db: Db
  clock: Clock
  audit: AuditService
  rounds: RoundService
  units: UnitService
  households: HouseholdService
  keys: PrivacyKeys
  /** Land a group while open only with 2 × this many pending, keeping at least this many back. */
  mixMinBatch: number
  landingIntervalMs?: number
}) {
  const { db, clock, audit, rounds, units, households, keys, mixMinBatch } = deps
  const repo = createBallotRepo(db)
  const invitations = createInvitationRepo(db)
  // resident ballots arriving together share one durable commit (see createGroupCommit)
  const commits = createGroupCommit(db)
  const sqlite = db.$client
  let hot:
    | {
        bumpOpens: ReturnType<typeof sqlite.prepare<[string, string, string]>>
        forgetOpen: ReturnType<typeof sqlite.prepare<[string, string]>>
      }
    | undefined
  const st = () => {
    hot ??= {
      bumpOpens: sqlite.prepare(
        `INSERT INTO link_open_counts (round_id, village_id, bucket, n) VALUES (?, ?, ?, 1)
         ON CONFLICT (round_id, village_id, bucket) DO UPDATE SET n = n + 1`,
      ),
      // a household that answered (by any channel) leaves no open time behind (TRUST.md §2.1, §2.4)
      forgetOpen: sqlite.prepare(
        'UPDATE invitations SET first_opened_at = NULL WHERE round_id = ? AND household_id = ? AND first_opened_at IS NOT NULL',
      ),
    }
    return hot
  }
  // every pending ballot lands before a round's status leaves `open`
  rounds.onClosing((roundId) => {
    landRound(roundId)
  })
  // a paper form keyed once or twice is a household's answer not counted yet, and its rows name the household
  // (TRUST.md §2.1): the round closes once every form is settled
  rounds.checkBeforeClose((roundId, tx) => {
    const { mismatches, awaitingSecondEntry } = repo.unsettledPaper(roundId, tx)
    const n = mismatches + awaitingSecondEntry
    if (n === 0) return null
    const parts = [
      mismatches ? `${mismatches} phiếu lệch giữa hai lần nhập` : null,
      awaitingSecondEntry ? `${awaitingSecondEntry} phiếu chờ nhập lần hai` : null,
    ].filter(Boolean)
    return new AppError(
      'unresolved_mismatches',
      `Còn ${n} phiếu giấy nhập hai lần chưa đối chiếu xong (${parts.join(', ')}). Hãy đối chiếu hết trước khi kết thúc đợt.`,
      409,
      { unresolved: n, mismatches, awaitingSecondEntry },
    )
  })

  /**
   * Settling a form keyed within the window (its second keying, or the resolution of a mismatch) is allowed
   * while the round is still open, also after the window ended: the round waits open for it.
   */
  function assertSettlesPaper(r: RoundWindow) {
    if (r.status !== 'open') throw roundClosed()
  }

  function windowState(r: RoundWindow): 'open' | 'not_open' | 'closed' {
    const now = clock.now().getTime()
    if (r.status === 'draft') return 'not_open'
    if (r.status !== 'open' || now >= new Date(r.closesAt).getTime()) return 'closed'
    if (now < new Date(r.opensAt).getTime()) return 'not_open'
    return 'open'
  }

  function assertAcceptsBallots(r: RoundWindow) {
    const s = windowState(r)
    if (s === 'closed') throw roundClosed()
    if (s === 'not_open') throw roundNotOpen()
  }

  function validate(questions: readonly Question[], answers: Answers) {
    const issues = checkAnswers(questions, { answers })
    if (issues.length > 0) throw badRequest('validation_failed', 'Phiếu chưa đầy đủ, vui lòng xem lại.', { issues })
  }

  interface BallotInput {
    round: RoundRow
    householdId: string
    villageId: string
    channel: Channel
    answers: Answers
    comment: string | null
    clientKey: string | null
    contentHash: string
    secondsToComplete: number | null
    fingerprint: string | null
    enteredBy: string | null
    paperSerial?: string | null
  }

  /**
   * The household side, written at acceptance: the participation (the one-per-household guarantee, day only)
   * and the coverage counters, which stay live. Throws already_answered when the household took part.
   */
  function participate(input: BallotInput, day: string): void {
    const { round } = input
    if (
      !repo.insertParticipation({
        roundId: round.id,
        householdId: input.householdId,
        villageId: input.villageId,
        channel: input.channel,
        day,
      })
    ) {
      throw alreadyAnswered()
    }
    repo.bumpVillageCounters(round.id, input.villageId, { participated: 1, [input.channel]: 1 })
    st().forgetOpen.run(round.id, input.householdId)
  }

  /**
   * The ballot side, written at landing: the ballot (no household id), its ledger entry carrying the receipt
   * fixed at acceptance, the answer counters and the feedback rows.
   */
  function land(round: RoundRow, villageId: string, channel: Channel, receipt: string, clientKey: string | null, p: PendingPayload) {
    const questions = rounds.questionsOf(round)
    const overall = questions.find((q) => q.isOverall)
    const overallSatisfied = overall ? p.answers[overall.key]?.satisfied === true : false
    const last = repo.lastLedger(round.id)
    const seq = (last?.seq ?? 0) + 1
    const prevHash = last?.hash ?? GENESIS_HASH
    const id = newId()
    const digest = ballotDigest({ id, roundId: round.id, villageId, channel, answers: p.answers, comment: p.comment, day: p.day })
    const entry: LedgerEntry = { v: 2, kind: 'ballot', roundId: round.id, seq, ballotId: id, digest, receipt, day: p.day }
    const hash = entryHash(prevHash, entry)
    repo.insertLedger({ roundId: round.id, seq, kind: 'ballot', entry: canonicalJson(entry), prevHash, hash })
    repo.insertBallot({
      id,
      roundId: round.id,
      villageId,
      channel,
      answers: p.answers,
      overallSatisfied,
      comment: p.comment,
      clientId: clientKey,
      contentHash: p.contentHash,
      secondsToComplete: p.secondsToComplete,
      deviceFingerprint: p.fingerprint,
      enteredBy: p.enteredBy,
      day: p.day,
      receipt,
      receiptNonce: p.nonce,
      ledgerSeq: seq,
      paperSerial: p.paperSerial,
    })
    repo.bumpQuestionCounters(round.id, villageId, p.answers, 1)
    repo.insertFeedback([
      ...Object.entries(p.answers)
        .filter(([, a]) => !a.satisfied && a.reason)
        .map(([questionKey, a]) => ({ roundId: round.id, villageId, questionKey, kind: 'reason' as const, text: a.reason as string })),
      ...(p.comment ? [{ roundId: round.id, villageId, questionKey: null, kind: 'comment' as const, text: p.comment }] : []),
    ])
    return { ballotId: id }
  }

  function payloadOf(input: BallotInput, day: string, nonce: string): PendingPayload {
    return {
      v: 1,
      answers: input.answers,
      comment: input.comment,
      contentHash: input.contentHash,
      secondsToComplete: bucketSeconds(input.secondsToComplete),
      fingerprint: input.fingerprint,
      enteredBy: input.enteredBy,
      paperSerial: input.paperSerial ?? null,
      day,
      nonce,
    }
  }

  /**
   * Accept a ballot durably (inside the caller's transaction): the participation and coverage now, the ballot
   * sealed in the pending store under the round's key, to land later with others of its village and channel.
   * The receipt is fixed here and never changes.
   */
  function accept(input: BallotInput): { receipt: string } {
    const day = vnDay(clock.now())
    participate(input, day)
    const { receipt, nonce } = newReceipt(canonicalBallot(input.round.id, input.villageId, input.channel, input.answers, input.comment))
    const row = { id: newId(), roundId: input.round.id, villageId: input.villageId, channel: input.channel, receipt }
    const sealed = sealBox(keys.roundKey(input.round.id), pendingAad(row), JSON.stringify(payloadOf(input, day, nonce)))
    repo.insertPending({ ...row, clientKey: input.clientKey, sealed })
    return { receipt }
  }

  function openPending(row: PendingRow): PendingPayload {
    return JSON.parse(openBox(keys.roundKey(row.roundId), pendingAad(row), row.sealed)) as PendingPayload
  }

  /**
   * Count one ballot at once, bypassing the pending store (demo seed, bench worlds, bulk test fixtures: no
   * resident is behind them). Runs inside the caller's transaction.
   */
  function recordBallot(tx: DbOrTx, input: BallotInput): { receipt: string; ballotId: string } {
    void tx
    const day = vnDay(clock.now())
    participate(input, day)
    const { receipt, nonce } = newReceipt(canonicalBallot(input.round.id, input.villageId, input.channel, input.answers, input.comment))
    const { ballotId } = land(input.round, input.villageId, input.channel, receipt, input.clientKey, payloadOf(input, day, nonce))
    return { receipt, ballotId }
  }

  /**
   * Land one (round, village, channel) group in an order drawn from crypto.randomInt. While the round is open
   * only a random subset lands, and only when at least 2 × MIX_MIN_BATCH wait, always keeping MIX_MIN_BATCH
   * back; `all` lands everything (close). Runs in its own transaction unless inside one. A row that cannot be
   * opened or landed stays pending alone (its savepoint rolls back); it never blocks its batch.
   */
  function landGroup(round: RoundRow, villageId: string, channel: Channel, all: boolean): number {
    // better-sqlite3's own transaction: BEGIN IMMEDIATE at top level, a savepoint inside the closing transaction
    return sqlite
      .transaction(() => {
        const rows = repo.pendingGroup(round.id, villageId, channel)
        if (!all && rows.length < 2 * mixMinBatch) return 0
        const chosen = shuffled(rows).slice(0, all ? rows.length : rows.length - mixMinBatch)
        let landed = 0
        for (const row of chosen) {
          try {
            sqlite.transaction(() => {
              land(round, villageId, channel, row.receipt, row.clientKey, openPending(row))
              repo.deletePending(row.id)
            })()
            landed++
          } catch (err) {
            landingErrors++
            lastLandingError = err
          }
        }
        return landed
      })
      .immediate()
  }

  /** Land every pending ballot of a round (at close, inside the closing transaction). */
  function landRound(roundId: string): number {
    const round = rounds.findById(roundId)
    if (!round) return 0
    let n = 0
    for (const g of repo.pendingGroupsOf(roundId)) n += landGroup(round, g.villageId, g.channel, true)
    return n
  }

  let landingErrors = 0
  let lastLandingError: unknown
  let checkpointDue = false
  let timer: NodeJS.Timeout | undefined
  let soon: NodeJS.Timeout | undefined

  /** Land every group that is ready; the landing worker's tick. Returns how many ballots landed. */
  function landReady(): number {
    let n = 0
    for (const g of repo.groupsAtLeast(2 * mixMinBatch)) {
      const round = rounds.findById(g.roundId)
      if (!round) continue
      // a round that is no longer open should have none left (close lands them): land all if some remain
      n += landGroup(round, g.villageId, g.channel, round.status !== 'open')
    }
    if (n > 0) checkpointDue = true
    return n
  }

  /**
   * Fold the WAL back into the file and truncate it, so landed and pending history does not linger in it. Off
   * the request path; when a reader holds the WAL the checkpoint is incomplete and is tried again next tick.
   */
  function checkpoint(): void {
    if (!checkpointDue || sqlite.name === ':memory:' || sqlite.inTransaction) return
    // never wait: a TRUNCATE checkpoint that waits for readers also holds writers (another process, a backup)
    // back; if it cannot finish at once it reports busy and the next tick tries again
    const timeout = sqlite.pragma('busy_timeout', { simple: true }) as number
    sqlite.pragma('busy_timeout = 0')
    try {
      const [r] = sqlite.pragma('wal_checkpoint(TRUNCATE)') as { busy: number; log: number; checkpointed: number }[]
      checkpointDue = r !== undefined && r.busy !== 0
    } catch {
      checkpointDue = true
    } finally {
      sqlite.pragma(`busy_timeout = ${timeout}`)
    }
  }

  function tick(onError?: (err: unknown) => void): void {
    try {
      landReady()
      checkpoint()
    } catch (err) {
      onError?.(err)
    }
    if (landingErrors > 0) {
      onError?.(lastLandingError)
      landingErrors = 0
    }
  }

  /** After an acceptance: if its group is now ready, land soon (next turn, never inside the request). */
  function nudge(roundId: string, villageId: string, channel: Channel): void {
    if (!timer || soon) return
    if (repo.pendingGroupCount(roundId, villageId, channel) < 2 * mixMinBatch) return
    soon = setTimeout(() => {
      soon = undefined
      tick(landingOnError)
    }, 0)
    soon.unref()
  }
  let landingOnError: ((err: unknown) => void) | undefined

  function submissionHash(answers: Answers, comment: string | null): string {
    return sha256Hex(canonicalJson({ answers, comment }))
  }

  function lookupToken(raw: string) {
    const token = cleanLinkToken(raw)
    if (!LINK_TOKEN_RE.test(token)) return undefined
    const inv = invitations.findByTokenHash(hashLinkToken(token))
    return inv && !inv.revoked ? inv : undefined
  }

  return {
    repo,
    recordBallot,

    /** What a resident's link shows. Records the first opening (paradata). */
    form(token: string): BallotForm {
      const inv = lookupToken(token)
      if (!inv) throw linkNotFound()
      const round = rounds.findById(inv.roundId)
      if (!round) throw linkNotFound()
      assertAcceptsBallots(round)
      if (repo.participated(round.id, inv.householdId)) throw alreadyAnswered()
      if (!inv.firstOpenedAt) {
        const now = clock.now().toISOString()
        // per-village counts per minute feed the burst signal; the household's own open time lives only until it answers
        if (invitations.markOpened(inv.id, now)) st().bumpOpens.run(round.id, inv.villageId, now.slice(0, 16))
      }
      const commune = units.repo.findById(round.communeId)
      return {
        round: { id: round.id, title: round.title, commune: commune?.name ?? '', closesAt: round.closesAt },
        questions: rounds.questionsOf(round).map((q) => ({
          key: q.key,
          text: q.text,
          isOverall: q.isOverall,
          ...(q.answerType ? { answerType: q.answerType } : {}),
          ...(q.favourable ? { favourable: q.favourable } : {}),
        })),
      }
    },

    /**
     * A resident's ballot through the personal link. Returns `replay: true` when the same clientId
     * (and content) was already counted for this link: the same receipt, nothing counted twice.
     * Everything that can be decided by reading (unknown link, answered, replay, closed, invalid
     * answers) is decided before taking the write lock; the write itself joins the next group commit
     * and re-checks the round window and the participation there. Settles only after COMMIT.
     */
    async submit(token: string, body: SubmitBallotBody, meta: ClientMeta): Promise<{ receipt: string; replay: boolean }> {
      const inv = lookupToken(token)
      if (!inv) throw linkNotFound()
      const round = rounds.findById(inv.roundId)
      if (!round) throw linkNotFound()
      const questions = rounds.questionsOf(round)
      const answers = cleanAnswers(questions, body.answers)
      const comment = body.comment?.trim() || null
      const contentHash = submissionHash(answers, comment)
      // keyed: a database holder cannot test a guessed client id against a link's token hash
      const clientKey = body.clientId ? keys.mac('client', `${inv.tokenHash}:${body.clientId}`) : null
      /** Answered already: the same submission again is a replay (same receipt), anything else a 409. */
      const answered = () => {
        const prior = clientKey ? repo.priorByClientKey(round.id, clientKey) : undefined
        if (prior && prior.contentHash === contentHash) return { receipt: prior.receipt, replay: true }
        const pending = clientKey && !prior ? repo.pendingByClientKey(round.id, clientKey) : undefined
        if (pending && openPending(pending).contentHash === contentHash) return { receipt: pending.receipt, replay: true }
        throw alreadyAnswered()
      }
      if (repo.participated(round.id, inv.householdId)) return answered()
      assertAcceptsBallots(round)
      validate(questions, body.answers)
      const now = clock.now().getTime()
      const fromOpen = inv.firstOpenedAt ? Math.round((now - new Date(inv.firstOpenedAt).getTime()) / 1000) : null
      const fingerprint = deviceFingerprint(keys, meta.ip, meta.userAgent)
      const accepted = await commits.run(() => {
        // the state may have moved between the reads above and this write (a close, the same link twice)
        const current = rounds.windowOf(round.id)
        if (!current) throw linkNotFound()
        if (repo.participated(round.id, inv.householdId)) return answered()
        assertAcceptsBallots(current)
        const { receipt } = accept({
          round,
          householdId: inv.householdId,
          villageId: inv.villageId,
          channel: 'link',
          answers,
          comment,
          clientKey,
          contentHash,
          secondsToComplete: fromOpen ?? body.paradata?.secondsToComplete ?? null,
          fingerprint,
          enteredBy: null,
        })
        invitations.markUsed(inv.id)
        return { receipt, replay: false }
      })
      if (!accepted.replay) nudge(round.id, inv.villageId, 'link')
      return accepted
    },

    /**
     * A paper or meeting ballot keyed by staff. front_staff of the commune for any village; a
     * collector only for the villages assigned to them in this round. In double-entry rounds the
     * first keying waits for a second one by someone else (matched by serial).
     */
    enterPaper(
      actor: Actor,
      roundId: string,
      body: PaperBallotBody & { serial?: string | undefined },
    ): { status: 'counted'; receipt: string } | { status: 'pending' | 'mismatch' } {
      assertRole(actor, ['front_staff', 'collector'])
      const round = rounds.getVisible(actor, roundId)
      if (actor.role === 'front_staff') rounds.getManaged(actor, roundId)
      const hh = households.repo.findById(body.householdId)
      const villages = new Set(rounds.villagesOf(round).map((v) => v.id))
      if (!hh || !villages.has(hh.villageId)) throw notFound('household')
      if (actor.role === 'collector' && !rounds.collectorVillages(round.id, actor.id).includes(hh.villageId)) throw notFound('household')
      const completing = round.doubleEntry && !!body.serial && repo.paperEntriesFor(round.id, body.serial).length > 0
      if (completing) assertSettlesPaper(round)
      else assertAcceptsBallots(round)
      const questions = rounds.questionsOf(round)
      validate(questions, body.answers)
      const answers = cleanAnswers(questions, body.answers)
      const comment = body.comment?.trim() || null
      const contentHash = submissionHash(answers, comment)
      return db.transaction((tx) => {
        // a close may have committed since the check above
        const current = rounds.windowOf(round.id)
        if (!current) throw notFound('round')
        if (completing) assertSettlesPaper(current)
        else assertAcceptsBallots(current)
        if (repo.participated(round.id, hh.id, tx)) throw alreadyAnswered()
        if (round.doubleEntry) {
          if (!body.serial)
            throw badRequest('validation_failed', 'this round uses double entry: give the paper serial number', {
              issues: [{ path: 'serial', message: 'required' }],
            })
          const prior = repo.paperEntriesFor(round.id, body.serial, tx)
          if (prior.some((p) => p.enteredBy === actor.id))
            throw conflict('same_enterer', 'the second entry of a paper form must be made by another person')
          const serial = body.serial
          const stage = () =>
            repo.insertPaperEntry(
              {
                roundId: round.id,
                serial,
                householdId: hh.id,
                villageId: hh.villageId,
                channel: body.channel,
                answers,
                comment,
                enteredBy: actor.id,
              },
              tx,
            )
          const first = prior[0]
          if (!first) {
            stage()
            audit.record(tx, {
              actorId: actor.id,
              action: 'paper.first_entry',
              targetType: 'round',
              targetId: round.id,
              data: { serial: body.serial },
            })
            return { status: 'pending' as const }
          }
          const same =
            first.householdId === hh.id && first.channel === body.channel && submissionHash(first.answers, first.comment) === contentHash
          if (!same || first.status === 'mismatch') {
            stage()
            repo.markPaperMismatch(round.id, body.serial, tx)
            audit.record(tx, {
              actorId: actor.id,
              action: 'paper.mismatch',
              targetType: 'round',
              targetId: round.id,
              data: { serial: body.serial },
            })
            return { status: 'mismatch' as const }
          }
          repo.deletePaperEntries(round.id, body.serial, tx)
        }
        const { receipt } = accept({
          round,
          householdId: hh.id,
          villageId: hh.villageId,
          channel: body.channel,
          answers,
          comment,
          clientKey: null,
          contentHash,
          secondsToComplete: null,
          fingerprint: null,
          enteredBy: actor.id,
          paperSerial: body.serial ?? null,
        })
        // day only and no serial: an entry's time or form number must not order paper ballots (TRUST.md §2.1)
        audit.record(tx, {
          actorId: actor.id,
          action: 'ballot.paper',
          targetType: 'round',
          targetId: round.id,
          data: { channel: body.channel, villageId: hh.villageId },
          dayOnly: true,
        })
        return { status: 'counted' as const, receipt }
      })
    },

    /**
     * The double-entry reconciliation queue: serials waiting for a second keying or in conflict. Shows
     * which fields differ, never who the household is.
     */
    paperQueue(actor: Actor, roundId: string) {
      const round = rounds.getManaged(actor, roundId)
      const rows = repo.paperQueue(round.id)
      const bySerial = new Map<string, typeof rows>()
      for (const r of rows) bySerial.set(r.serial, [...(bySerial.get(r.serial) ?? []), r])
      return [...bySerial.entries()].map(([serial, entries]) => {
        const [a, b] = entries
        const keys = new Set([...Object.keys(a?.answers ?? {}), ...Object.keys(b?.answers ?? {})])
        const differs = b ? [...keys].filter((k) => canonicalJson(a?.answers[k] ?? null) !== canonicalJson(b.answers[k] ?? null)) : []
        return {
          serial,
          villageId: a?.villageId ?? '',
          status: entries.some((e) => e.status === 'mismatch') ? ('mismatch' as const) : ('pending' as const),
          entries: entries.length,
          householdDiffers: b ? a?.householdId !== b.householdId : false,
          differingQuestions: differs,
          commentDiffers: b ? (a?.comment ?? null) !== (b.comment ?? null) : false,
        }
      })
    },

    /**
     * Resolve a mismatched serial with a third keying from the paper form, by Front staff who keyed neither
     * entry: a keyer settling their own disagreement could count whatever they liked (TRUST.md §2.8).
     */
    resolvePaper(actor: Actor, roundId: string, serial: string, body: PaperBallotBody): { status: 'counted'; receipt: string } {
      const round = rounds.getManaged(actor, roundId)
      assertSettlesPaper(round)
      const entries = repo.paperEntriesFor(round.id, serial)
      if (entries.length === 0) throw notFound('paper entry')
      if (entries.some((e) => e.enteredBy === actor.id))
        throw new AppError(
          'resolver_keyed_entry',
          `Ông/bà đã nhập phiếu số ${serial}; phiếu lệch phải do người chưa nhập lần nào đối chiếu với phiếu gốc.`,
          403,
          { serial },
        )
      const hh = households.repo.findById(body.householdId)
      const villages = new Set(rounds.villagesOf(round).map((v) => v.id))
      if (!hh || !villages.has(hh.villageId)) throw notFound('household')
      const questions = rounds.questionsOf(round)
      validate(questions, body.answers)
      const answers = cleanAnswers(questions, body.answers)
      const comment = body.comment?.trim() || null
      return db.transaction((tx) => {
        const current = rounds.windowOf(round.id)
        if (!current) throw notFound('round')
        assertSettlesPaper(current)
        if (repo.paperEntriesFor(round.id, serial, tx).length === 0) throw notFound('paper entry')
        repo.deletePaperEntries(round.id, serial, tx)
        const { receipt } = accept({
          round,
          householdId: hh.id,
          villageId: hh.villageId,
          channel: body.channel,
          answers,
          comment,
          clientKey: null,
          contentHash: submissionHash(answers, comment),
          secondsToComplete: null,
          fingerprint: null,
          enteredBy: actor.id,
          paperSerial: serial,
        })
        audit.record(tx, { actorId: actor.id, action: 'paper.resolve', targetType: 'round', targetId: round.id, data: { serial } })
        return { status: 'counted' as const, receipt }
      })
    },

    /** Anyone can confirm a receipt is accepted (pending) or counted (landed), without learning the answer. */
    checkReceipt(input: string): { included: true; status: 'pending' | 'counted'; roundId: string; day: string } {
      const receipt = normalizeReceipt(input)
      if (!receipt) throw notFound('receipt')
      const b = repo.byReceipt(receipt)
      if (b) return { included: true, status: 'counted', roundId: b.roundId, day: b.day }
      const p = repo.pendingByReceipt(receipt)
      if (!p) throw notFound('receipt')
      return { included: true, status: 'pending', roundId: p.roundId, day: openPending(p).day }
    },

    /** Pending ballots per village and channel, counted without opening any (for verification). */
    pendingCounts(roundId: string) {
      return repo.pendingCounts(roundId)
    },
    landRound,
    landReady,
    /**
     * Delete a round's device fingerprints (at seal, once the integrity signals built on them are frozen):
     * they are paradata of one household's device, kept only as long as a signal may still need them.
     */
    forgetFingerprints(roundId: string, tx: DbOrTx): number {
      return tx.run(sql`UPDATE ballots SET device_fingerprint = NULL WHERE round_id = ${roundId} AND device_fingerprint IS NOT NULL`)
        .changes
    },
    /** Fold the WAL into the file and truncate it now if nobody holds it (else the landing worker retries). */
    truncateWal(): void {
      checkpointDue = true
      checkpoint()
    },
    /** Start the landing worker (the app's, once): lands ready groups and truncates the WAL off the request path. */
    startLanding(onError?: (err: unknown) => void): void {
      if (timer) return
      landingOnError = onError
      timer = setInterval(() => tick(onError), deps.landingIntervalMs ?? 2_000)
      timer.unref()
    },
    stopLanding(): void {
      if (timer) clearInterval(timer)
      if (soon) clearTimeout(soon)
      timer = undefined
      soon = undefined
    },

    /**
     * Invalidate a ballot: only front_staff of a unit above the commune, or admin, with a reason
     * code. The ballot stays (marked invalid), the counters drop it, the ledger and audit log record it.
     */
    invalidate(actor: Actor, roundId: string, ballotId: string, body: { reasonCode: InvalidationReason; note?: string | undefined }) {
      assertRole(actor, ['front_staff', 'admin'])
      const round = rounds.getVisible(actor, roundId)
      if (actor.role === 'front_staff') {
        const unit = units.repo.findById(actor.unitId)
        if (!unit || unit.kind === 'commune' || unit.kind === 'village')
          throw new AppError('forbidden', 'only Front staff above the commune may invalidate a ballot', 403)
      }
      if (round.status === 'sealed') throw conflict('invalid_transition', 'the round is sealed')
      return db.transaction((tx) => {
        const b = repo.byId(ballotId, tx)
        if (!b || b.roundId !== round.id) throw notFound('ballot')
        if (!b.valid) throw conflict('conflict', 'the ballot is already invalid')
        const last = repo.lastLedger(round.id, tx)
        const seq = (last?.seq ?? 0) + 1
        const prevHash = last?.hash ?? GENESIS_HASH
        const entry: LedgerEntry = {
          v: 1,
          kind: 'invalidation',
          roundId: round.id,
          seq,
          ballotId,
          reasonCode: body.reasonCode,
          day: vnDay(clock.now()),
        }
        repo.insertLedger(
          { roundId: round.id, seq, kind: 'invalidation', entry: canonicalJson(entry), prevHash, hash: entryHash(prevHash, entry) },
          tx,
        )
        repo.markInvalid(ballotId, body.reasonCode, tx)
        repo.bumpQuestionCounters(round.id, b.villageId, b.answers, -1, tx)
        repo.bumpVillageCounters(round.id, b.villageId, { invalid: 1 }, tx)
        audit.record(tx, {
          actorId: actor.id,
          action: 'ballot.invalidate',
          targetType: 'ballot',
          targetId: ballotId,
          reason: body.note ?? body.reasonCode,
          data: { roundId: round.id, reasonCode: body.reasonCode },
        })
        return { ballotId, valid: false, reasonCode: body.reasonCode }
      })
    },

    /** Recompute a round's hash chain against its stored ballots. */
    verifyLedger(roundId: string): LedgerCheck {
      const ballotsById = new Map<string, Parameters<typeof verifyChain>[1] extends Map<string, infer V> ? V : never>()
      for (const b of repo.iterateRound(roundId)) ballotsById.set(b.id, b)
      return verifyChain(repo.ledgerRows(roundId), ballotsById)
    },
  }
}
export type BallotService = ReturnType<typeof createBallotService>
