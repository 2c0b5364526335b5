import type { Db, DbOrTx } from '@app/db'
import { createGroupCommit, newId } from '@app/db'
import {
  type BallotForm,
  checkAnswers,
  type InvalidationReason,
  type PaperBallotBody,
  type Question,
  type SubmitBallotBody,
  vnDay,
} from '@app/shared'
import { AppError, badRequest, conflict, notFound } from '../../lib/app-error.js'
import type { Clock } from '../../lib/clock.js'
import { canonicalJson, GENESIS_HASH, sha256Hex } from '../../lib/hash.js'
import {
  ballotDigest,
  entryHash,
  type LedgerCheck,
  type LedgerEntry,
  normalizeReceipt,
  receiptFromHash,
  verifyChain,
} from '../../lib/ledger.js'
import { hashLinkToken, LINK_TOKEN_RE } from '../../lib/tokens.js'
import type { AuditService } from '../audit/service.js'
import type { HouseholdService } from '../households/service.js'
import { createInvitationRepo } from '../invitations/repo.js'
import { type Actor, assertRole } from '../policy.js'
import type { RoundRow, RoundWindow } from '../rounds/repo.js'
import type { RoundService } from '../rounds/service.js'
import type { UnitService } from '../units/service.js'
import { createBallotRepo } from './repo.js'

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

/** Coarse device fingerprint for fraud signals: hashed /24 of the IP + user-agent family. Never the raw IP. */
export function deviceFingerprint(ip: string, ua: string | undefined): string {
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
  return sha256Hex(`fp:${net}|${os}|${app}`).slice(0, 16)
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
}) {
  const { db, clock, audit, rounds, units, households } = deps
  const repo = createBallotRepo(db)
  const invitations = createInvitationRepo(db)
  // resident ballots arriving together share one durable commit (see createGroupCommit)
  const commits = createGroupCommit(db)

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

  /**
   * Count one ballot. Runs inside the caller's transaction: the participation (the one-per-household
   * guarantee), the ballot (no household id), its ledger entry, the counters and the feedback rows
   * commit together or not at all.
   */
  function recordBallot(
    tx: DbOrTx,
    input: {
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
    },
  ): { receipt: string; ballotId: string } {
    const { round } = input
    const day = vnDay(clock.now())
    if (
      !repo.insertParticipation(
        { roundId: round.id, householdId: input.householdId, villageId: input.villageId, channel: input.channel, day },
        tx,
      )
    ) {
      throw alreadyAnswered()
    }
    const questions = rounds.questionsOf(round)
    const overall = questions.find((q) => q.isOverall)
    const overallSatisfied = overall ? input.answers[overall.key]?.satisfied === true : false
    const last = repo.lastLedger(round.id, tx)
    const seq = (last?.seq ?? 0) + 1
    const prevHash = last?.hash ?? GENESIS_HASH
    const id = newId()
    const digest = ballotDigest({
      id,
      roundId: round.id,
      villageId: input.villageId,
      channel: input.channel,
      answers: input.answers,
      comment: input.comment,
      day,
    })
    const entry: LedgerEntry = { v: 1, kind: 'ballot', roundId: round.id, seq, ballotId: id, digest, day }
    const hash = entryHash(prevHash, entry)
    const receipt = receiptFromHash(hash)
    repo.insertLedger({ roundId: round.id, seq, kind: 'ballot', entry: canonicalJson(entry), prevHash, hash }, tx)
    repo.insertBallot(
      {
        id,
        roundId: round.id,
        villageId: input.villageId,
        channel: input.channel,
        answers: input.answers,
        overallSatisfied,
        comment: input.comment,
        clientId: input.clientKey,
        contentHash: input.contentHash,
        secondsToComplete: input.secondsToComplete,
        deviceFingerprint: input.fingerprint,
        enteredBy: input.enteredBy,
        day,
        receipt,
        ledgerSeq: seq,
        paperSerial: input.paperSerial ?? null,
      },
      tx,
    )
    repo.bumpQuestionCounters(round.id, input.villageId, input.answers, 1, tx)
    repo.bumpVillageCounters(round.id, input.villageId, { participated: 1, [input.channel]: 1 }, tx)
    repo.insertFeedback(
      [
        ...Object.entries(input.answers)
          .filter(([, a]) => !a.satisfied && a.reason)
          .map(([questionKey, a]) => ({
            roundId: round.id,
            villageId: input.villageId,
            questionKey,
            kind: 'reason' as const,
            text: a.reason as string,
          })),
        ...(input.comment
          ? [{ roundId: round.id, villageId: input.villageId, questionKey: null, kind: 'comment' as const, text: input.comment }]
          : []),
      ],
      tx,
    )
    return { receipt, ballotId: id }
  }

  function submissionHash(answers: Answers, comment: string | null): string {
    return sha256Hex(canonicalJson({ answers, comment }))
  }

  function lookupToken(token: string) {
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
      if (!inv.firstOpenedAt) invitations.markOpened(inv.id, clock.now().toISOString())
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
      const clientKey = body.clientId ? sha256Hex(`${inv.tokenHash}:${body.clientId}`) : null
      /** Answered already: the same submission again is a replay (same receipt), anything else a 409. */
      const answered = () => {
        const prior = clientKey ? repo.priorByClientKey(round.id, clientKey) : undefined
        if (prior && prior.contentHash === contentHash) return { receipt: prior.receipt, replay: true }
        throw alreadyAnswered()
      }
      if (repo.participated(round.id, inv.householdId)) return answered()
      assertAcceptsBallots(round)
      validate(questions, body.answers)
      const now = clock.now().getTime()
      const fromOpen = inv.firstOpenedAt ? Math.round((now - new Date(inv.firstOpenedAt).getTime()) / 1000) : null
      const fingerprint = deviceFingerprint(meta.ip, meta.userAgent)
      return commits.run(() => {
        // the state may have moved between the reads above and this write (a close, the same link twice)
        const current = rounds.windowOf(round.id)
        if (!current) throw linkNotFound()
        if (repo.participated(round.id, inv.householdId)) return answered()
        assertAcceptsBallots(current)
        const { receipt } = recordBallot(db, {
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
      assertAcceptsBallots(round)
      const questions = rounds.questionsOf(round)
      validate(questions, body.answers)
      const answers = cleanAnswers(questions, body.answers)
      const comment = body.comment?.trim() || null
      const contentHash = submissionHash(answers, comment)
      return db.transaction((tx) => {
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
        const { receipt } = recordBallot(tx, {
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
        audit.record(tx, {
          actorId: actor.id,
          action: 'ballot.paper',
          targetType: 'round',
          targetId: round.id,
          data: { channel: body.channel, villageId: hh.villageId, serial: body.serial ?? null },
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

    /** Resolve a mismatched serial with a third keying from the paper form by front_staff. */
    resolvePaper(actor: Actor, roundId: string, serial: string, body: PaperBallotBody): { status: 'counted'; receipt: string } {
      const round = rounds.getManaged(actor, roundId)
      assertAcceptsBallots(round)
      const entries = repo.paperEntriesFor(round.id, serial)
      if (entries.length === 0) throw notFound('paper entry')
      const hh = households.repo.findById(body.householdId)
      const villages = new Set(rounds.villagesOf(round).map((v) => v.id))
      if (!hh || !villages.has(hh.villageId)) throw notFound('household')
      const questions = rounds.questionsOf(round)
      validate(questions, body.answers)
      const answers = cleanAnswers(questions, body.answers)
      const comment = body.comment?.trim() || null
      return db.transaction((tx) => {
        repo.deletePaperEntries(round.id, serial, tx)
        const { receipt } = recordBallot(tx, {
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

    /** Anyone can confirm a receipt is counted, without learning the answer. */
    checkReceipt(input: string): { included: true; roundId: string; day: string } {
      const receipt = normalizeReceipt(input)
      const b = receipt ? repo.byReceipt(receipt) : undefined
      if (!b) throw notFound('receipt')
      return { included: true, roundId: b.roundId, day: b.day }
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
