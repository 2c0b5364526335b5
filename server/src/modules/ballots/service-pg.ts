import type { AppDb, Conn } from '@app/db'
import type { Question } from '@app/shared'
import {
  type BallotChannel,
  type BallotForm,
  cleanLinkToken,
  type InvalidationReason,
  type PaperChannel,
  type SubmitBallotBody,
  vnDay,
} from '@app/shared'
import { AppError, conflict, notFound } from '../../lib/app-error.js'
import { type LedgerCheck, normalizeReceipt, verifyChain } from '../../lib/ledger.js'
import { hashLinkToken, LINK_TOKEN_RE } from '../../lib/tokens.js'
import { createInvitationRepo } from '../invitations/repo.js'
import { type Actor, assertRole } from '../policy.js'
import type { RoundRow } from '../rounds/repo.js'
import {
  type BallotInput,
  ballotFormOf,
  clientKeyOf,
  countAnswers,
  directBallot,
  invalidationRows,
  landedRows,
  landingBatch,
  openBatch,
  openPending,
  type PendingPayload,
  pendingKey,
  replayOrRefuse,
  roundToInvalidateIn,
  sealedPending,
  secondsSinceOpened,
} from './ballot-rows.js'
import { createPgBallotRepo } from './repo-pg.js'
import {
  type Answers,
  assertAcceptsBallots as acceptsBallots,
  alreadyAnswered,
  cleanAnswers,
  submissionHash,
  validateAnswers as validate,
} from './rules.js'
import { type BallotDeps, type ClientMeta, deviceFingerprint, linkNotFound, NUDGE_DELAY_MS } from './service.js'

type Channel = BallotChannel
type Group = { villageId: string; channel: Channel }

/**
 * The ballot service on PostgreSQL: the same guarantees and API as the SQLite one (service.ts), without its
 * synchronous group commit. Several instances may run on one database: one ballot per household is the
 * participations primary key, acceptance is one transaction, and landing a (round, village, channel) group runs
 * in one transaction under the round's advisory lock, so two instances never land the same pending row.
 */
export function createPgBallotService(deps: BallotDeps & { db: AppDb }) {
  const { db, clock, audit, rounds, units, keys, mixMinBatch } = deps
  const invitationRepo = createInvitationRepo(db)
  const repo = createPgBallotRepo(db)
  rounds.onClosing((roundId) => landRound(roundId))

  /**
   * The household side (participation, coverage counters, open time forgotten, the link it answered through used).
   * Throws already_answered: the participations key decides, also between instances.
   */
  async function participate(
    tx: Conn,
    input: Omit<BallotInput, 'questions'>,
    day: string,
    usedInvitationId: string | null = null,
  ): Promise<void> {
    const { round } = input
    const row = { roundId: round.id, householdId: input.householdId, villageId: input.villageId, channel: input.channel, day }
    if (!(await repo.insertParticipation(row, tx))) throw alreadyAnswered()
    await repo.bumpVillageCounters(round.id, input.villageId, { participated: 1, [input.channel]: 1 }, tx)
    await repo.forgetOpenTime(round.id, input.householdId, usedInvitationId, tx)
  }

  /** The ballot side, written at landing (see service.ts `land`). The caller holds the round's lock. */
  async function land(
    tx: Conn,
    round: RoundRow,
    questions: Question[],
    villageId: string,
    channel: Channel,
    receipt: string,
    clientKey: string | null,
    p: PendingPayload,
    counts?: Map<string, { valid: number; satisfied: number }>,
  ) {
    const rows = landedRows(round, questions, { villageId, channel }, receipt, clientKey, p, await repo.lastLedger(round.id, tx))
    await repo.insertLedger(rows.ledger, tx)
    await repo.insertBallot(rows.ballot, tx)
    if (counts) countAnswers(counts, p.answers)
    else await repo.bumpQuestionCounters(round.id, villageId, p.answers, 1, tx)
    await repo.insertFeedback(rows.feedback, tx)
    return { ballotId: rows.ballotId }
  }

  /** Accept a ballot durably inside `tx` (which holds the round's shared lock): participation now, ballot sealed. */
  async function accept(tx: Conn, input: BallotInput, usedInvitationId: string | null = null): Promise<{ receipt: string }> {
    const day = vnDay(clock.now())
    await participate(tx, input, day, usedInvitationId)
    const { receipt, row } = sealedPending(keys, input, day)
    await repo.insertPending(row, tx)
    return { receipt }
  }

  /** Count one ballot at once, bypassing the pending store (seed, bulk fixtures), inside the caller's transaction. */
  async function recordBallot(tx: Conn, input: Omit<BallotInput, 'questions'>): Promise<{ receipt: string; ballotId: string }> {
    const questions = input.round.questionnaireSnapshot as Question[] | null
    if (!questions) throw new Error(`round ${input.round.id} has no questionnaire snapshot (not opened)`)
    await repo.lockRound(input.round.id, tx)
    const day = vnDay(clock.now())
    await participate(tx, input, day)
    const { receipt, payload } = directBallot(input, day)
    const { ballotId } = await land(tx, input.round, questions, input.villageId, input.channel, receipt, input.clientKey, payload)
    return { receipt, ballotId }
  }

  /**
   * Land one group (see service.ts `landGroup`: random order, mixMinBatch kept back while open, one batch; a box
   * that does not open or a ballot landed already stays pending alone, reported). In one transaction under the
   * round's exclusive advisory lock (a savepoint of the closing transaction at close); the rows are read after the
   * lock, so another instance's landing is seen. A batch that still fails rolls back whole and is tried again.
   */
  async function landGroup(round: RoundRow, questions: Question[], g: Group, all: boolean): Promise<number> {
    return db.transaction(async (tx) => {
      await repo.lockRound(round.id, tx)
      const { opened, failed } = openBatch(keys, await repo.pendingGroup(round.id, g.villageId, g.channel, tx))
      const { batch, leftOut } = landingBatch(opened, failed, await repo.landedAmong(round.id, opened, tx), all, mixMinBatch)
      for (const err of leftOut) landingFailed(err)
      if (batch.length === 0) return 0
      const counts = new Map<string, { valid: number; satisfied: number }>()
      // the batch's pending rows go first, in one statement (the WAL then records their deletions in heap order):
      // deleting each beside its ballot would write, in the WAL, which pending row became which ballot
      await repo.deletePendings(
        batch.map((o) => o.row.id),
        tx,
      )
      for (const o of batch) await land(tx, round, questions, g.villageId, g.channel, o.receipt, o.clientKey, o.p, counts)
      await repo.addQuestionCounts(round.id, g.villageId, counts, tx)
      return batch.length
    })
  }

  /** Land every pending ballot of a round (at close, inside the closing transaction). */
  async function landRound(roundId: string): Promise<number> {
    const round = await rounds.findById(roundId)
    if (!round) return 0
    const questions = await rounds.questionsOf(round)
    // the round's exclusive lock before its groups are listed, held to the end of the closing transaction: an
    // acceptance (shared lock) that committed is in the list; one still to come waits, then finds the round closed.
    // Listed first, a ballot accepted meanwhile in a group not listed would stay pending in a closed round, uncounted.
    // A batch that fails here (not a box that does not open) fails the close, which can be tried again.
    return db.transaction(async (tx) => {
      await repo.lockRound(roundId, tx)
      let landed = 0
      for (const g of await repo.pendingGroupsOf(roundId, tx)) landed += await landGroup(round, questions, g, true)
      return landed
    })
  }

  let landingErrors = 0
  let lastLandingError: unknown
  /** A ballot left pending by a landing pass: reported by the worker's next tick (to the log, for the operator). */
  function landingFailed(err: unknown): void {
    landingErrors++
    lastLandingError = err
  }
  let timer: NodeJS.Timeout | undefined
  let soon: NodeJS.Timeout | undefined
  let landingOnError: ((err: unknown) => void) | undefined

  /** Land every group that is ready; the landing worker's tick. Each group is its own transaction. */
  async function landReady(): Promise<number> {
    const ready = await repo.groupsAtLeast(2 * mixMinBatch)
    if (ready.length === 0) return 0
    const roundsOf = new Map<string, { round: RoundRow; questions: Question[] }>()
    for (const g of ready) {
      if (roundsOf.has(g.roundId)) continue
      const round = await rounds.findById(g.roundId)
      if (round) roundsOf.set(g.roundId, { round, questions: await rounds.questionsOf(round) })
    }
    let landed = 0
    for (const g of ready) {
      const found = roundsOf.get(g.roundId)
      if (!found) continue
      try {
        // re-read: a round closed since lands everything under the same lock, so this group then finds no rows
        const status = (await rounds.windowOf(g.roundId))?.status ?? found.round.status
        landed += await landGroup({ ...found.round, status }, found.questions, g, status !== 'open')
      } catch (err) {
        landingFailed(err)
      }
    }
    return landed
  }

  async function tick(onError?: (err: unknown) => void): Promise<void> {
    try {
      await landReady()
    } catch (err) {
      onError?.(err)
    }
    if (landingErrors > 0) {
      onError?.(lastLandingError)
      landingErrors = 0
    }
  }

  /**
   * After an acceptance: if its group is now ready, a landing pass soon (never inside the request). Under a stream of
   * ballots a pass is already due and nothing is counted; one count of the group's index otherwise.
   */
  async function nudge(roundId: string, villageId: string, channel: Channel): Promise<void> {
    if (!timer || soon) return
    if ((await repo.pendingGroupCount(roundId, villageId, channel)) < 2 * mixMinBatch || soon) return
    soon = setTimeout(() => {
      soon = undefined
      void tick(landingOnError)
    }, NUDGE_DELAY_MS)
    soon.unref()
  }

  async function lookupToken(raw: string) {
    const token = cleanLinkToken(raw)
    if (!LINK_TOKEN_RE.test(token)) return undefined
    const inv = await invitationRepo.findByTokenHash(hashLinkToken(token))
    return inv && !inv.revoked ? inv : undefined
  }

  async function submitByLink(
    token: string,
    body: SubmitBallotBody,
    meta: ClientMeta | null,
    assistant: Actor | null,
  ): Promise<{ receipt: string; replay: boolean }> {
    const inv = await lookupToken(token)
    if (!inv) throw linkNotFound()
    const round = await rounds.findById(inv.roundId)
    if (!round) throw linkNotFound()
    const questions = await rounds.questionsOf(round)
    const answers = cleanAnswers(questions, body.answers)
    const comment = body.comment?.trim() || null
    const contentHash = submissionHash(answers, comment)
    const clientKey = clientKeyOf(keys, inv.tokenHash, body.clientId)
    const answered = async (tx: Conn) => {
      // the pending store first: a landing (pending → ballots in one transaction) committing between the two reads
      // then leaves the ballot in the second; read the other way round, a replay would find it in neither (409).
      // A row written before client keys were keyed holds its key in clear.
      const pending = clientKey
        ? await repo.pendingByClientKey(round.id, [pendingKey(keys, 'client', clientKey), clientKey], tx)
        : undefined
      const prior = clientKey && !pending ? await repo.priorByClientKey(round.id, clientKey, tx) : undefined
      return replayOrRefuse(keys, contentHash, prior, pending)
    }
    if (await repo.participated(round.id, inv.householdId)) return answered(db)
    assertAcceptsBallots(round)
    validate(questions, body.answers)
    const fromOpen = secondsSinceOpened(inv.firstOpenedAt, clock.now())
    const channel: Channel = assistant ? 'assisted' : 'link'
    const fingerprint = meta ? deviceFingerprint(keys, meta.ip, meta.userAgent) : null
    let accepted: { receipt: string; replay: boolean }
    try {
      accepted = await db.transaction(async (tx) => {
        await repo.lockRoundShared(round.id, tx)
        // the state may have moved since the reads above (a close, the same link twice)
        const current = await rounds.windowOf(round.id, tx)
        if (!current) throw linkNotFound()
        try {
          assertAcceptsBallots(current)
        } catch (err) {
          // closed since the first read: a household that took part meanwhile still gets its replay
          if (await repo.participated(round.id, inv.householdId, tx)) return answered(tx)
          throw err
        }
        // a household that took part meanwhile (the same link twice, on any instance) is refused by the participation's
        // key inside accept: already_answered, caught below
        const { receipt } = await accept(
          tx,
          {
            round,
            questions,
            householdId: inv.householdId,
            villageId: inv.villageId,
            channel,
            answers,
            comment,
            clientKey,
            contentHash,
            secondsToComplete: fromOpen ?? body.paradata?.secondsToComplete ?? null,
            fingerprint,
            enteredBy: assistant?.id ?? null,
          },
          inv.id,
        )
        return { receipt, replay: false }
      })
    } catch (err) {
      // the household took part since the first read (the same link twice at once, on one or two instances): the
      // loser's insert met the winner's participation; the same content from the same device is a replay
      if (err instanceof AppError && err.code === 'already_answered') return answered(db)
      throw err
    }
    if (!accepted.replay) void nudge(round.id, inv.villageId, channel).catch((err) => landingOnError?.(err))
    return accepted
  }

  function assertAcceptsBallots(r: Parameters<typeof acceptsBallots>[0]) {
    acceptsBallots(r, clock.now())
  }

  return {
    recordBallot,
    iterateRound: repo.iterateRound,
    async participated(roundId: string, householdId: string, tx?: Conn): Promise<boolean> {
      return repo.participated(roundId, householdId, tx)
    },
    async acceptKeyed(input: {
      round: RoundRow
      householdId: string
      villageId: string
      channel: PaperChannel
      answers: Answers
      comment: string | null
      contentHash: string
      enteredBy: string
      paperSerial: string | null
    }): Promise<{ receipt: string }> {
      const questions = await rounds.questionsOf(input.round)
      // a savepoint of the caller's transaction when there is one
      return db.transaction(async (tx) => {
        await repo.lockRoundShared(input.round.id, tx)
        return accept(tx, { ...input, questions, clientKey: null, secondsToComplete: null, fingerprint: null })
      })
    },
    async form(token: string): Promise<BallotForm> {
      const inv = await lookupToken(token)
      if (!inv) throw linkNotFound()
      const round = await rounds.findById(inv.roundId)
      if (!round) throw linkNotFound()
      assertAcceptsBallots(round)
      const now = clock.now().toISOString()
      if (await repo.participated(round.id, inv.householdId)) throw alreadyAnswered()
      if (!inv.firstOpenedAt) {
        // per-village counts per minute feed the burst signal; the household's own open time lives only until it answers
        await db.transaction(async (tx) => {
          if (await repo.markOpened(inv.id, now, tx)) await repo.bumpOpens(round.id, inv.villageId, now.slice(0, 16), tx)
        })
      }
      const commune = await units.findById(round.communeId)
      const village = round.villageIds?.length === 1 ? await units.findById(round.villageIds[0] as string) : undefined
      return ballotFormOf(round, await rounds.questionsOf(round), commune?.name, village?.name)
    },
    async submit(token: string, body: SubmitBallotBody, meta: ClientMeta): Promise<{ receipt: string; replay: boolean }> {
      return submitByLink(token, body, meta, null)
    },
    async submitAssisted(actor: Actor, token: string, body: SubmitBallotBody): Promise<{ receipt: string; replay: boolean }> {
      assertRole(actor, ['front_staff', 'collector'])
      const inv = await lookupToken(token)
      if (!inv) throw linkNotFound()
      const round = await rounds.getVisible(actor, inv.roundId)
      if (actor.role === 'collector' && !(await rounds.collectorVillages(round.id, actor.id)).includes(inv.villageId)) throw linkNotFound()
      return submitByLink(token, body, null, actor)
    },
    async checkReceipt(input: string): Promise<{ included: true; status: 'pending' | 'counted'; roundId: string; day: string }> {
      const receipt = normalizeReceipt(input)
      if (!receipt) throw notFound('receipt')
      // the pending store first: a landing (which moves a ballot from it to ballots in one transaction) committing
      // between the two reads then leaves the ballot in the second; read the other way round, it was in neither (404)
      // a row written before receipts were keyed holds its receipt in clear
      const p = await repo.pendingByReceipt([pendingKey(keys, 'receipt', receipt), receipt])
      const b = await repo.byReceipt(receipt)
      if (b) return { included: true, status: 'counted', roundId: b.roundId, day: b.day }
      if (!p) throw notFound('receipt')
      return { included: true, status: 'pending', roundId: p.roundId, day: openPending(keys, p).day }
    },
    pendingCounts(roundId: string): Promise<{ villageId: string; channel: Channel; n: number }[]> {
      return repo.pendingCounts(roundId)
    },
    landRound,
    landReady,
    forgetFingerprints(roundId: string, tx: Conn): Promise<number> {
      return repo.forgetFingerprints(roundId, tx)
    },
    /** SQLite's WAL truncation: PostgreSQL has nothing to do here. */
    async truncateWal(): Promise<void> {},
    startLanding(onError?: (err: unknown) => void): void {
      if (timer) return
      landingOnError = onError
      timer = setInterval(() => void tick(onError), deps.landingIntervalMs ?? 2_000)
      timer.unref()
    },
    stopLanding(): void {
      if (timer) clearInterval(timer)
      if (soon) clearTimeout(soon)
      timer = undefined
      soon = undefined
    },
    async invalidate(actor: Actor, roundId: string, ballotId: string, body: { reasonCode: InvalidationReason; note?: string | undefined }) {
      const round = await roundToInvalidateIn(actor, roundId, { rounds, units })
      return db.transaction(async (tx) => {
        // the ledger is appended to under the round's lock, as landing does
        await repo.lockRound(round.id, tx)
        const b = await repo.byId(ballotId, tx)
        if (!b || b.roundId !== round.id) throw notFound('ballot')
        if (!b.valid) throw conflict('conflict', 'the ballot is already invalid')
        const rows = invalidationRows(actor, round.id, ballotId, body, vnDay(clock.now()), await repo.lastLedger(round.id, tx))
        await repo.insertLedger(rows.ledger, tx)
        await repo.markInvalid(ballotId, body.reasonCode, tx)
        await repo.bumpQuestionCounters(round.id, b.villageId, b.answers, -1, tx)
        await repo.bumpVillageCounters(round.id, b.villageId, { invalid: 1 }, tx)
        await audit.record(tx, rows.audit)
        return { ballotId, valid: false as const, reasonCode: body.reasonCode }
      })
    },

    async verifyLedger(roundId: string): Promise<LedgerCheck> {
      // ballots and ledger read under the round's shared lock: no landing or invalidation in between
      return db.transaction(async (tx) => {
        await repo.lockRoundShared(roundId, tx)
        const ballotsById = new Map<string, Parameters<typeof verifyChain>[1] extends Map<string, infer V> ? V : never>()
        for await (const b of repo.ballotsIn(roundId, tx)) ballotsById.set(b.id, b)
        return verifyChain(await repo.ledgerRows(roundId, tx), ballotsById)
      })
    },
  }
}
