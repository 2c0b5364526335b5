import { randomInt } from 'node:crypto'
import { newId } from '@app/db'
import type { BallotChannel, BallotForm, InvalidationReason, Question } from '@app/shared'
import { AppError, conflict } from '../../lib/app-error.js'
import { canonicalJson, GENESIS_HASH } from '../../lib/hash.js'
import { ballotDigest, entryHash, type LedgerEntry } from '../../lib/ledger.js'
import { bucketSeconds, canonicalBallot, newReceipt, openBox, type PrivacyKeys, sealBox } from '../../lib/privacy.js'
import { type Actor, assertRole } from '../policy.js'
import { villageSubjectVi } from '../reports/format-vi.js'
import type { RoundRow } from '../rounds/repo.js'
import type { RoundService } from '../rounds/service.js'
import type { UnitService } from '../units/service.js'
import type { PendingRow } from './repo.js'
import { type Answers, alreadyAnswered } from './rules.js'

/**
 * What both engines' ballot services write, built the same way: the sealed pending row of an accepted ballot, which
 * pending rows land in a pass, and the rows a landing ballot becomes (its ledger entry, the ballot, its feedback).
 * What keeps a ballot apart from its household is decided here, once, for both engines. Pure: the services do the
 * reading and writing.
 */

/** A ballot being accepted (link, assisted, paper, meeting), with what was read before the write. */
export interface BallotInput {
  round: RoundRow
  /** The round's questions (its snapshot). */
  questions: Question[]
  householdId: string
  villageId: string
  channel: BallotChannel
  answers: Answers
  comment: string | null
  clientKey: string | null
  contentHash: string
  secondsToComplete: number | null
  fingerprint: string | null
  enteredBy: string | null
  paperSerial?: string | null
}

/** What the seal of a pending row binds it to: moving the box to another row, round, village or channel breaks it. */
export const pendingAad = (p: { id: string; roundId: string; villageId: string; channel: string; receipt: string }) =>
  `${p.id}|${p.roundId}|${p.villageId}|${p.channel}|${p.receipt}`

/**
 * What a pending row stores in place of its receipt and client key: keyed hashes. The landed ballot carries both in
 * clear, so a pending row holding them would name its ballot to whoever ties the row to its household: the
 * acceptance writes the participation and the pending row together (on PostgreSQL under one transaction id, in xmin
 * and in the WAL; on SQLite in one WAL commit). The clear values travel sealed in the payload (v2).
 */
export const pendingKey = (keys: PrivacyKeys, kind: 'receipt' | 'client', value: string) => keys.mac('pending', `${kind}:${value}`)

/** A resident's replay key for a link: keyed, so a database holder cannot test a guessed client id against it. */
export const clientKeyOf = (keys: PrivacyKeys, tokenHash: string, clientId: string | undefined) =>
  clientId ? keys.mac('client', `${tokenHash}:${clientId}`) : null

/**
 * A ballot accepted on `day`: its receipt (fixed here, it never changes) and the pending row that holds it until it
 * lands: nothing in clear but its round, village and channel; its content, receipt and client key sealed under the
 * round's key, bound to the row.
 */
export function sealedPending(keys: PrivacyKeys, input: BallotInput, day: string): { receipt: string; row: PendingRow } {
  const { receipt, nonce } = newReceipt(canonicalBallot(input.round.id, input.villageId, input.channel, input.answers, input.comment))
  const head = {
    id: newId(),
    roundId: input.round.id,
    villageId: input.villageId,
    channel: input.channel,
    receipt: pendingKey(keys, 'receipt', receipt),
  }
  const payload = payloadOf(input, day, nonce, { receipt, clientKey: input.clientKey })
  return {
    receipt,
    row: {
      ...head,
      clientKey: input.clientKey && pendingKey(keys, 'client', input.clientKey),
      sealed: sealBox(keys.roundKey(input.round.id), pendingAad(head), JSON.stringify(payload)),
    },
  }
}

/** A pending row's sealed payload, opened; throws if the box was moved or altered. */
export function openPending(keys: PrivacyKeys, row: PendingRow): PendingPayload {
  return JSON.parse(openBox(keys.roundKey(row.roundId), pendingAad(row), row.sealed)) as PendingPayload
}

/**
 * A group's boxes, opened before anything is written: those that open can land together, one batch; a box that does
 * not open (damaged, moved, sealed under another secret) stays pending alone. Landing the others one by one
 * instead would give each ballot its own transaction beside the deletion of its pending row, which was written
 * beside its household: a database holder who damages one box would have the whole batch linked.
 */
export function openBatch(keys: PrivacyKeys, rows: readonly PendingRow[]) {
  const opened: { row: PendingRow; p: PendingPayload; receipt: string; clientKey: string | null }[] = []
  const failed: { row: PendingRow; error: unknown }[] = []
  for (const row of rows) {
    try {
      const p = openPending(keys, row)
      opened.push({ row, p, ...carriedBy(row, p) })
    } catch (error) {
      failed.push({ row, error })
    }
  }
  return { opened, failed }
}

/**
 * What of a group lands in this pass, in landing order: its clean rows (boxes that open, ballots not landed already),
 * chosen by chosenToLand. Choosing among clean rows only: rows that cannot land must not count toward the 2 × batch a
 * group needs nor stand in for the ballots it keeps back, or whoever can write junk rows into a group would have each
 * new ballot land in a batch of one. Left out, with why (they stay pending, reported): a box that does not open, and
 * a ballot a landed ballot already carries (its receipt or client key), e.g. a pending row put back after its landing.
 */
export function landingBatch<T extends { row: PendingRow; receipt: string; clientKey: string | null }>(
  opened: readonly T[],
  failed: readonly { row: PendingRow; error: unknown }[],
  landed: readonly { receipt: string; clientId: string | null }[],
  all: boolean,
  mixMinBatch: number,
): { batch: T[]; leftOut: unknown[] } {
  const receipts = new Set(landed.map((l) => l.receipt))
  const clients = new Set(landed.flatMap((l) => (l.clientId ? [l.clientId] : [])))
  const clean: T[] = []
  const leftOut: unknown[] = failed.map((f) => f.error)
  for (const o of opened) {
    if (receipts.has(o.receipt) || (o.clientKey !== null && clients.has(o.clientKey)))
      leftOut.push(new Error(`pending ballot ${o.row.id} was landed already`))
    else clean.push(o)
  }
  return { batch: chosenToLand(clean, all, mixMinBatch), leftOut }
}

/** A ballot counted at once, without the pending store (seed, bench, bulk fixtures): its receipt and payload. */
export function directBallot(input: Omit<BallotInput, 'questions'>, day: string): { receipt: string; payload: PendingPayload } {
  const { receipt, nonce } = newReceipt(canonicalBallot(input.round.id, input.villageId, input.channel, input.answers, input.comment))
  return { receipt, payload: payloadOf(input, day, nonce) }
}

/** Fisher–Yates with crypto.randomInt: the landing order must owe nothing to arrival order. */
export function shuffled<T>(items: readonly T[]): T[] {
  const a = [...items]
  for (let i = a.length - 1; i > 0; i--) {
    const j = randomInt(i + 1)
    ;[a[i], a[j]] = [a[j] as T, a[i] as T]
  }
  return a
}

/**
 * Which of a group's pending rows land in this pass, in the order they land: all of them at close (`all`); while
 * open, none until at least 2 × mixMinBatch wait, then a random subset that keeps mixMinBatch back, so the last
 * ballots accepted never land alone.
 */
export function chosenToLand<T>(rows: readonly T[], all: boolean, mixMinBatch: number): T[] {
  if (!all && rows.length < 2 * mixMinBatch) return []
  return shuffled(rows).slice(0, all ? rows.length : rows.length - mixMinBatch)
}

/**
 * A household that has taken part sends again: the same content from the same device (client key) is a replay and
 * gets its receipt again, whether its ballot has landed (`prior`) or is still pending; anything else is refused.
 */
export function replayOrRefuse(
  keys: PrivacyKeys,
  contentHash: string,
  prior: { receipt: string; contentHash: string } | undefined,
  pending: PendingRow | undefined,
): { receipt: string; replay: true } {
  if (prior?.contentHash === contentHash) return { receipt: prior.receipt, replay: true }
  const p = pending && openPending(keys, pending)
  if (pending && p?.contentHash === contentHash) return { receipt: carriedBy(pending, p).receipt, replay: true }
  throw alreadyAnswered()
}

/** Seconds from the link's first opening to now, when it was opened (paradata, bucketed when sealed). */
export const secondsSinceOpened = (firstOpenedAt: string | null, now: Date) =>
  firstOpenedAt ? Math.round((now.getTime() - new Date(firstOpenedAt).getTime()) / 1000) : null

/** What a pending ballot holds, sealed: everything needed to land it later, nothing about the household. */
export interface PendingPayload {
  v: 1 | 2
  answers: Answers
  comment: string | null
  contentHash: string
  secondsToComplete: number | null
  fingerprint: string | null
  enteredBy: string | null
  paperSerial: string | null
  day: string
  nonce: string
  /**
   * v2: the receipt and client key the landed ballot will carry. The pending row holds them only as keyed hashes
   * (pendingKey); a v1 payload's row holds them in clear.
   */
  receipt?: string
  clientKey?: string | null
}

/** What the payload is made of: the pending ballot's content and paradata, before its day and nonce. */
export type PayloadInput = Omit<PendingPayload, 'v' | 'day' | 'nonce' | 'paperSerial' | 'receipt' | 'clientKey'> & {
  paperSerial?: string | null
}

/** The payload; `carried` (a pending ballot's receipt and client key) makes it v2. */
export function payloadOf(
  input: PayloadInput,
  day: string,
  nonce: string,
  carried?: { receipt: string; clientKey: string | null },
): PendingPayload {
  return {
    v: carried ? 2 : 1,
    ...(carried ? { receipt: carried.receipt, clientKey: carried.clientKey } : {}),
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

/** The receipt and client key a pending ballot lands with: from its sealed payload (v2), else from its row (v1). */
export function carriedBy(row: { receipt: string; clientKey: string | null }, p: PendingPayload) {
  return { receipt: p.receipt ?? row.receipt, clientKey: p.clientKey !== undefined ? p.clientKey : row.clientKey }
}

/**
 * The rows of one landing ballot after the round's last ledger entry `last`: the ledger entry carrying the receipt
 * fixed at acceptance, the ballot (no household id) and its feedback rows.
 */
export function landedRows(
  round: RoundRow,
  questions: Question[],
  place: { villageId: string; channel: BallotChannel },
  receipt: string,
  clientKey: string | null,
  p: PendingPayload,
  last: { seq: number; hash: string } | undefined,
) {
  const { villageId, channel } = place
  const overall = questions.find((q) => q.isOverall)
  const seq = (last?.seq ?? 0) + 1
  const prevHash = last?.hash ?? GENESIS_HASH
  const id = newId()
  const digest = ballotDigest({ id, roundId: round.id, villageId, channel, answers: p.answers, comment: p.comment, day: p.day })
  const entry: LedgerEntry = { v: 2, kind: 'ballot', roundId: round.id, seq, ballotId: id, digest, receipt, day: p.day }
  return {
    ballotId: id,
    ledger: { roundId: round.id, seq, kind: 'ballot' as const, entry: canonicalJson(entry), prevHash, hash: entryHash(prevHash, entry) },
    ballot: {
      id,
      roundId: round.id,
      villageId,
      channel,
      answers: p.answers,
      overallSatisfied: overall ? p.answers[overall.key]?.satisfied === true : false,
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
    },
    feedback: [
      ...Object.entries(p.answers)
        .filter(([, a]) => !a.satisfied && a.reason)
        .map(([questionKey, a]) => ({ roundId: round.id, villageId, questionKey, kind: 'reason' as const, text: a.reason as string })),
      ...(p.comment ? [{ roundId: round.id, villageId, questionKey: null, kind: 'comment' as const, text: p.comment }] : []),
    ],
  }
}

/** Add one ballot's answers to a batch's per-question counts (one upsert per question per batch, not per ballot). */
export function countAnswers(counts: Map<string, { valid: number; satisfied: number }>, answers: Answers): void {
  for (const [key, a] of Object.entries(answers)) {
    const c = counts.get(key) ?? { valid: 0, satisfied: 0 }
    c.valid++
    if (a.satisfied) c.satisfied++
    counts.set(key, c)
  }
}

/** What a resident's link shows: the round as the resident reads it, and its questions. */
export function ballotFormOf(
  round: RoundRow,
  questions: Question[],
  communeName: string | undefined,
  villageName: string | undefined,
): BallotForm {
  return {
    round: {
      id: round.id,
      title: round.title,
      commune: communeName ?? '',
      closesAt: round.closesAt,
      ...(round.villageIds?.length === 1 ? { village: villageSubjectVi(villageName ?? '') } : {}),
    },
    questions: questions.map((q) => ({
      key: q.key,
      text: q.text,
      isOverall: q.isOverall,
      ...(q.answerType ? { answerType: q.answerType } : {}),
      ...(q.favourable ? { favourable: q.favourable } : {}),
    })),
  }
}

/**
 * Who may invalidate a ballot of a round: front_staff of a unit above the commune, or admin, in scope, before the
 * seal. Returns the round.
 */
export async function roundToInvalidateIn(
  actor: Actor,
  roundId: string,
  deps: { rounds: Pick<RoundService, 'getVisible'>; units: Pick<UnitService, 'findById'> },
): Promise<RoundRow> {
  assertRole(actor, ['front_staff', 'admin'])
  const round = await deps.rounds.getVisible(actor, roundId)
  if (actor.role === 'front_staff') {
    const unit = await deps.units.findById(actor.unitId)
    if (!unit || unit.kind === 'commune' || unit.kind === 'village')
      throw new AppError('forbidden', 'only Front staff above the commune may invalidate a ballot', 403)
  }
  if (round.status === 'sealed') throw conflict('invalid_transition', 'the round is sealed')
  return round
}

/** The invalidation's ledger row (after the round's last entry `last`) and its audit entry. */
export function invalidationRows(
  actor: Actor,
  roundId: string,
  ballotId: string,
  body: { reasonCode: InvalidationReason; note?: string | undefined },
  day: string,
  last: { seq: number; hash: string } | undefined,
) {
  const seq = (last?.seq ?? 0) + 1
  const prevHash = last?.hash ?? GENESIS_HASH
  const entry: LedgerEntry = { v: 1, kind: 'invalidation', roundId, seq, ballotId, reasonCode: body.reasonCode, day }
  return {
    ledger: { roundId, seq, kind: 'invalidation' as const, entry: canonicalJson(entry), prevHash, hash: entryHash(prevHash, entry) },
    audit: {
      actorId: actor.id,
      action: 'ballot.invalidate',
      targetType: 'ballot',
      targetId: ballotId,
      reason: body.note ?? body.reasonCode,
      data: { roundId, reasonCode: body.reasonCode },
    },
  }
}
