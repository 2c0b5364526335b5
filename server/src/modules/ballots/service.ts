import type { AppDb, Conn, Db } from '@app/db'
import { asyncDb, createGroupCommit, rawRun, syncSqliteOf, writeLockOf } from '@app/db'
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
import { sql } from 'drizzle-orm'
import { AppError, conflict, notFound } from '../../lib/app-error.js'
import type { Clock } from '../../lib/clock.js'
import { type LedgerCheck, normalizeReceipt, verifyChain } from '../../lib/ledger.js'
import type { PrivacyKeys } from '../../lib/privacy.js'
import { hashLinkToken, LINK_TOKEN_RE } from '../../lib/tokens.js'
import type { AuditService } from '../audit/service.js'
import { type Actor, assertRole } from '../policy.js'
import type { RoundRow } from '../rounds/repo.js'
import type { RoundService } from '../rounds/service.js'
import type { UnitService } from '../units/service.js'
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
import { type BallotPageRow, createBallotRepo } from './repo.js'
import {
  type Answers,
  assertAcceptsBallots as acceptsBallots,
  alreadyAnswered,
  cleanAnswers,
  submissionHash,
  validateAnswers as validate,
} from './rules.js'
import { createPgBallotService } from './service-pg.js'

type Channel = BallotChannel

export interface ClientMeta {
  ip: string
  userAgent: string | undefined
}

export const linkNotFound = () => new AppError('link_not_found', 'Đường dẫn không đúng hoặc đã hết hiệu lực.', 404)
/** How long a ready group waits before its landing pass (ms): batches the landings (and WAL truncations) of a busy minute. */
export const NUDGE_DELAY_MS = 200
/** Shortest time between two WAL truncations of the landing worker (ms); the worker ticks every LANDING_INTERVAL_MS. */
const CHECKPOINT_MIN_MS = 1_000

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

export type { PendingPayload } from './ballot-rows.js'

export interface BallotDeps {
  clock: Clock
  audit: AuditService
  rounds: RoundService
  units: UnitService
  keys: PrivacyKeys
  /** Land a group while open only with 2 × this many pending, keeping at least this many back. */
  mixMinBatch: number
  landingIntervalMs?: number
}

type SqliteBallotService = ReturnType<typeof createSqliteBallotService>
type RecordInput = Parameters<SqliteBallotService['recordBallot']>[1]

/** The ballot service, whichever the engine: where they differ, the PostgreSQL one is asynchronous. */
export type BallotService = Omit<SqliteBallotService, 'recordBallot' | 'iterateRound'> & {
  /** Synchronous on SQLite (inside the caller's transaction); await it on either engine. */
  recordBallot(tx: Conn, input: RecordInput): { receipt: string; ballotId: string } | Promise<{ receipt: string; ballotId: string }>
  /** A round's ballots in ledger order: a synchronous iterable on SQLite, an asynchronous one on PostgreSQL. */
  iterateRound(roundId: string): Iterable<BallotPageRow> | AsyncIterable<BallotPageRow>
}

/**
 * The ballot service on a SQLite connection (synchronous group commit and landing, service.ts) or on a
 * PostgreSQL AppDb (service-pg.ts): the same behaviour, chosen by the handle.
 */
export function createBallotService(deps: BallotDeps & { db: Db | AppDb }): BallotService {
  const sync = syncSqliteOf(deps.db)
  if (sync) return createSqliteBallotService({ ...deps, db: sync })
  return createPgBallotService({ ...deps, db: deps.db as AppDb })
}

function createSqliteBallotService(deps: BallotDeps & { db: Db }) {
  const { db, clock, audit, rounds, units, keys, mixMinBatch } = deps
  const repo = createBallotRepo(db)
  // resident ballots arriving together share one durable commit (see createGroupCommit)
  const commits = createGroupCommit(db)
  const sqlite = db.$client
  /**
   * The ballot path stays synchronous on SQLite (prepared statements inside the group commit and the landing
   * transactions); from the asynchronous side it runs under the connection's write lock, so it never reads or
   * writes inside another request's open transaction.
   */
  const lock = writeLockOf(db)
  const adb = asyncDb(db)
  type RawLinkInvitation = {
    id: string
    roundId: string
    householdId: string
    villageId: string
    tokenHash: string
    revoked: number
    firstOpenedAt: string | null
  }
  let hot:
    | {
        bumpOpens: ReturnType<typeof sqlite.prepare<[string, string, string]>>
        forgetOpen: ReturnType<typeof sqlite.prepare<[string, string]>>
        byTokenHash: ReturnType<typeof sqlite.prepare<[string], RawLinkInvitation>>
        markUsed: ReturnType<typeof sqlite.prepare<[string]>>
        markOpened: ReturnType<typeof sqlite.prepare<[string, string]>>
        windowOf: ReturnType<typeof sqlite.prepare<[string], Pick<RoundRow, 'status' | 'opensAt' | 'closesAt'>>>
      }
    | undefined
  const st = () => {
    hot ??= {
      // the resident hot path (every link request) reads only the columns the link needs
      byTokenHash: sqlite.prepare(
        `SELECT id, round_id AS roundId, household_id AS householdId, village_id AS villageId, token_hash AS tokenHash,
           revoked, first_opened_at AS firstOpenedAt FROM invitations WHERE token_hash = ?`,
      ),
      // a used link forgets when it was first opened (TRUST.md §2.1): per-village counts keep the signal
      markUsed: sqlite.prepare(`UPDATE invitations SET status = 'used', first_opened_at = NULL WHERE id = ?`),
      markOpened: sqlite.prepare('UPDATE invitations SET first_opened_at = ? WHERE id = ? AND first_opened_at IS NULL'),
      // just what decides whether a round takes ballots now: re-read inside every ballot write
      windowOf: sqlite.prepare('SELECT status, opens_at AS opensAt, closes_at AS closesAt FROM rounds WHERE id = ?'),
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
  rounds.onClosing((roundId) => landRound(roundId))

  function assertAcceptsBallots(r: Parameters<typeof acceptsBallots>[0]) {
    acceptsBallots(r, clock.now())
  }

  /**
   * The household side, written at acceptance: the participation (the one-per-household guarantee, day only)
   * and the coverage counters, which stay live. Throws already_answered when the household took part.
   */
  function participate(input: Omit<BallotInput, 'questions'>, day: string): void {
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
  function land(
    round: RoundRow,
    questions: Question[],
    villageId: string,
    channel: Channel,
    receipt: string,
    clientKey: string | null,
    p: PendingPayload,
    counts?: Map<string, { valid: number; satisfied: number }>,
  ) {
    const rows = landedRows(round, questions, { villageId, channel }, receipt, clientKey, p, repo.lastLedger(round.id))
    repo.insertLedger(rows.ledger)
    repo.insertBallot(rows.ballot)
    if (counts) countAnswers(counts, p.answers)
    else repo.bumpQuestionCounters(round.id, villageId, p.answers, 1)
    repo.insertFeedback(rows.feedback)
    return { ballotId: rows.ballotId }
  }

  /**
   * Accept a ballot durably (inside the caller's transaction): the participation and coverage now, the ballot
   * sealed in the pending store under the round's key, to land later with others of its village and channel.
   * The receipt is fixed here and never changes.
   */
  function accept(input: BallotInput): { receipt: string } {
    const day = vnDay(clock.now())
    participate(input, day)
    const { receipt, row } = sealedPending(keys, input, day)
    repo.insertPending(row)
    return { receipt }
  }

  /**
   * Count one ballot at once, bypassing the pending store (demo seed, bench worlds, bulk test fixtures: no
   * resident is behind them). Runs inside the caller's transaction.
   */
  function recordBallot(tx: Conn, input: Omit<BallotInput, 'questions'>): { receipt: string; ballotId: string } {
    void tx
    const questions = input.round.questionnaireSnapshot as Question[] | null
    if (!questions) throw new Error(`round ${input.round.id} has no questionnaire snapshot (not opened)`)
    const day = vnDay(clock.now())
    participate(input, day)
    const { receipt, payload } = directBallot(input, day)
    const { ballotId } = land(input.round, questions, input.villageId, input.channel, receipt, input.clientKey, payload)
    return { receipt, ballotId }
  }

  /**
   * Land one (round, village, channel) group in an order drawn from crypto.randomInt. While the round is open
   * only a random subset lands, and only when at least 2 × MIX_MIN_BATCH wait, always keeping MIX_MIN_BATCH
   * back; `all` lands everything (close). Runs in its own transaction unless inside one. The boxes are opened
   * first: one that cannot be opened, or a ballot landed already, stays pending alone (reported) and the others land
   * as one batch; a batch that still fails rolls back whole and is tried again (never row by row, see openBatch).
   */
  function landGroup(round: RoundRow, questions: Question[], villageId: string, channel: Channel, all: boolean): number {
    // better-sqlite3's own transaction: BEGIN IMMEDIATE at top level, a savepoint inside the closing transaction
    return sqlite
      .transaction(() => {
        const { opened, failed } = openBatch(keys, repo.pendingGroup(round.id, villageId, channel))
        const { batch, leftOut } = landingBatch(opened, failed, repo.landedAmong(round.id, opened), all, mixMinBatch)
        for (const err of leftOut) landingFailed(err)
        if (batch.length === 0) return 0
        // the answer counts summed over the batch: one upsert per question, not one per ballot
        const counts = new Map<string, { valid: number; satisfied: number }>()
        for (const o of batch) {
          land(round, questions, villageId, channel, o.receipt, o.clientKey, o.p, counts)
          repo.deletePending(o.row.id)
        }
        repo.addQuestionCounts(round.id, villageId, counts)
        return batch.length
      })
      .immediate()
  }

  /** Land every pending ballot of a round (at close, inside the closing transaction). */
  async function landRound(roundId: string): Promise<number> {
    const round = await rounds.findById(roundId)
    if (!round) return 0
    const questions = await rounds.questionsOf(round)
    const n = await lock.exclusive(() => {
      let landed = 0
      for (const g of repo.pendingGroupsOf(roundId)) landed += landGroup(round, questions, g.villageId, g.channel, true)
      return landed
    })
    // the close's landing leaves the same trail in the WAL as the worker's: its next tick truncates it
    if (n > 0) checkpointDue = true
    return n
  }

  let landingErrors = 0
  let lastLandingError: unknown
  /** A ballot left pending by a landing pass: reported by the worker's next tick (to the log, for the operator). */
  function landingFailed(err: unknown): void {
    landingErrors++
    lastLandingError = err
  }
  let checkpointDue = false
  let lastCheckpoint = Number.NEGATIVE_INFINITY
  let timer: NodeJS.Timeout | undefined
  let soon: NodeJS.Timeout | undefined

  /** Land every group that is ready; the landing worker's tick. Returns how many ballots landed. */
  async function landReady(): Promise<number> {
    const ready = await lock.exclusive(() => repo.groupsAtLeast(2 * mixMinBatch))
    if (ready.length === 0) return 0
    const roundsOf = new Map<string, { round: RoundRow; questions: Question[] }>()
    for (const g of ready) {
      if (roundsOf.has(g.roundId)) continue
      const round = await rounds.findById(g.roundId)
      if (round) roundsOf.set(g.roundId, { round, questions: await rounds.questionsOf(round) })
    }
    // every ready group in one write transaction (one commit per pass, each group in a savepoint of its own)
    const n = await lock.exclusive(() =>
      sqlite
        .transaction(() => {
          let landed = 0
          for (const g of ready) {
            const found = roundsOf.get(g.roundId)
            if (!found) continue
            // the status read above may be stale by now: the landing worker re-reads it under the lock
            const round = { ...found.round, status: st().windowOf.get(g.roundId)?.status ?? found.round.status }
            try {
              // a round that is no longer open should have none left (close lands them): land all if some remain
              landed += landGroup(round, found.questions, g.villageId, g.channel, round.status !== 'open')
            } catch (err) {
              // this group's savepoint rolled back; the others land, this one is tried again next tick
              landingFailed(err)
            }
          }
          return landed
        })
        .immediate(),
    )
    if (n > 0) checkpointDue = true
    return n
  }

  /**
   * Fold the WAL back into the file and truncate it, so landed and pending history does not linger in it. Off
   * the request path; when a reader holds the WAL the checkpoint is incomplete and is tried again next tick.
   */
  function checkpoint(force = false): void {
    if (!checkpointDue || sqlite.name === ':memory:' || sqlite.inTransaction) return
    // each truncation copies the WAL's pages into the file and syncs twice: under a stream of ballots, one per
    // CHECKPOINT_MIN_MS folds many landing passes into one (the next tick does it; seal forces it at once)
    if (!force && performance.now() - lastCheckpoint < CHECKPOINT_MIN_MS) return
    lastCheckpoint = performance.now()
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

  async function tick(onError?: (err: unknown) => void): Promise<void> {
    try {
      await landReady()
      await lock.exclusive(() => checkpoint())
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
    if (lock.busy) return // the next tick sees it
    if (repo.pendingGroupCount(roundId, villageId, channel) < 2 * mixMinBatch) return
    // a short wait lets the groups that fill up meanwhile land in the same pass, with one WAL truncation
    soon = setTimeout(() => {
      soon = undefined
      void tick(landingOnError)
    }, NUDGE_DELAY_MS)
    soon.unref()
  }
  let landingOnError: ((err: unknown) => void) | undefined

  async function lookupToken(raw: string) {
    const token = cleanLinkToken(raw)
    if (!LINK_TOKEN_RE.test(token)) return undefined
    const tokenHash = hashLinkToken(token)
    const inv = await lock.exclusive(() => st().byTokenHash.get(tokenHash))
    return inv && inv.revoked !== 1 ? { ...inv, revoked: false } : undefined
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
    /** Answered already: the same submission again is a replay (same receipt), anything else a 409. */
    const answered = () => {
      const prior = clientKey ? repo.priorByClientKey(round.id, clientKey) : undefined
      // a row written before client keys were keyed holds its key in clear
      const pending =
        clientKey && !prior
          ? (repo.pendingByClientKey(round.id, pendingKey(keys, 'client', clientKey)) ?? repo.pendingByClientKey(round.id, clientKey))
          : undefined
      return replayOrRefuse(keys, contentHash, prior, pending)
    }
    const early = await lock.exclusive(() => (repo.participated(round.id, inv.householdId) ? answered() : null))
    if (early) return early
    assertAcceptsBallots(round)
    validate(questions, body.answers)
    const fromOpen = secondsSinceOpened(inv.firstOpenedAt, clock.now())
    const channel: Channel = assistant ? 'assisted' : 'link'
    // the team's tablet is shared by design: no device trace is kept for assisted answers
    const fingerprint = meta ? deviceFingerprint(keys, meta.ip, meta.userAgent) : null
    const accepted = await commits.run(() => {
      // the state may have moved between the reads above and this write (a close, the same link twice)
      const current = st().windowOf.get(round.id)
      if (!current) throw linkNotFound()
      if (repo.participated(round.id, inv.householdId)) return answered()
      assertAcceptsBallots(current)
      const { receipt } = accept({
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
      })
      st().markUsed.run(inv.id)
      return { receipt, replay: false }
    })
    if (!accepted.replay) nudge(round.id, inv.villageId, channel)
    return accepted
  }

  return {
    recordBallot,
    /** A round's ballots in ledger order, page by page (exports and minutes read from here). */
    iterateRound: repo.iterateRound,

    /** Whether the household has taken part in the round (by any channel). */
    async participated(roundId: string, householdId: string, tx?: Conn): Promise<boolean> {
      void tx // the synchronous statement joins the caller's transaction when there is one (it holds the lock)
      return lock.exclusive(() => repo.participated(roundId, householdId))
    },

    /**
     * Accept a paper or meeting ballot keyed by staff (inside the caller's transaction, after the caller's checks):
     * like a link ballot, it lands later with others of its village and channel.
     */
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
      // inside the caller's transaction (it holds the write lock)
      return lock.exclusive(() => accept({ ...input, questions, clientKey: null, secondsToComplete: null, fingerprint: null }))
    },

    /** What a resident's link shows. Records the first opening (paradata). */
    async form(token: string): Promise<BallotForm> {
      const inv = await lookupToken(token)
      if (!inv) throw linkNotFound()
      const round = await rounds.findById(inv.roundId)
      if (!round) throw linkNotFound()
      assertAcceptsBallots(round)
      const now = clock.now().toISOString()
      await lock.exclusive(() => {
        if (repo.participated(round.id, inv.householdId)) throw alreadyAnswered()
        // per-village counts per minute feed the burst signal; the household's own open time lives only until it answers
        if (!inv.firstOpenedAt && st().markOpened.run(now, inv.id).changes === 1)
          st().bumpOpens.run(round.id, inv.villageId, now.slice(0, 16))
      })
      const commune = await units.findById(round.communeId)
      const village = round.villageIds?.length === 1 ? await units.findById(round.villageIds[0] as string) : undefined
      return ballotFormOf(round, await rounds.questionsOf(round), commune?.name, village?.name)
    },

    /**
     * A resident's ballot through the personal link. Returns `replay: true` when the same clientId
     * (and content) was already counted for this link: the same receipt, nothing counted twice.
     * Everything that can be decided by reading (unknown link, answered, replay, closed, invalid
     * answers) is decided before taking the write lock; the write itself joins the next group commit
     * and re-checks the round window and the participation there. Settles only after COMMIT.
     */
    async submit(token: string, body: SubmitBallotBody, meta: ClientMeta): Promise<{ receipt: string; replay: boolean }> {
      return submitByLink(token, body, meta, null)
    },

    /**
     * The same ballot answered with the help of the community digital technology team, on the team's device: the
     * resident's own link (the household's credential) opened in a signed-in staff or collector session. Only such a
     * session can mark a ballot assisted: the resident route has no way to, so nobody can move his own ballot out of
     * the link channel's signals. Front staff see the round in scope; a collector only the villages assigned to him.
     */
    async submitAssisted(actor: Actor, token: string, body: SubmitBallotBody): Promise<{ receipt: string; replay: boolean }> {
      assertRole(actor, ['front_staff', 'collector'])
      const inv = await lookupToken(token)
      if (!inv) throw linkNotFound()
      const round = await rounds.getVisible(actor, inv.roundId)
      if (actor.role === 'collector' && !(await rounds.collectorVillages(round.id, actor.id)).includes(inv.villageId)) throw linkNotFound()
      return submitByLink(token, body, null, actor)
    },

    /** Anyone can confirm a receipt is accepted (pending) or counted (landed), without learning the answer. */
    async checkReceipt(input: string): Promise<{ included: true; status: 'pending' | 'counted'; roundId: string; day: string }> {
      const receipt = normalizeReceipt(input)
      if (!receipt) throw notFound('receipt')
      const [b, p] = await lock.exclusive(() => {
        const counted = repo.byReceipt(receipt)
        const pending = counted
          ? undefined
          : (repo.pendingByReceipt(pendingKey(keys, 'receipt', receipt)) ?? repo.pendingByReceipt(receipt))
        return [counted, pending] as const
      })
      if (b) return { included: true, status: 'counted', roundId: b.roundId, day: b.day }
      if (!p) throw notFound('receipt')
      return { included: true, status: 'pending', roundId: p.roundId, day: openPending(keys, p).day }
    },

    /** Pending ballots per village and channel, counted without opening any (for verification). */
    pendingCounts(roundId: string) {
      return lock.exclusive(() => repo.pendingCounts(roundId))
    },
    landRound,
    landReady,
    /**
     * Delete a round's device fingerprints (at seal, once the integrity signals built on them are frozen):
     * they are paradata of one household's device, kept only as long as a signal may still need them.
     */
    forgetFingerprints(roundId: string, tx: Conn): Promise<number> {
      return rawRun(tx, sql`UPDATE ballots SET device_fingerprint = NULL WHERE round_id = ${roundId} AND device_fingerprint IS NOT NULL`)
    },
    /** Fold the WAL into the file and truncate it now if nobody holds it (else the landing worker retries). */
    async truncateWal(): Promise<void> {
      checkpointDue = true
      await lock.exclusive(() => checkpoint(true))
    },
    /** Start the landing worker (the app's, once): lands ready groups and truncates the WAL off the request path. */
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

    /**
     * Invalidate a ballot: only front_staff of a unit above the commune, or admin, with a reason
     * code. The ballot stays (marked invalid), the counters drop it, the ledger and audit log record it.
     */
    async invalidate(actor: Actor, roundId: string, ballotId: string, body: { reasonCode: InvalidationReason; note?: string | undefined }) {
      const round = await roundToInvalidateIn(actor, roundId, { rounds, units })
      // the ballot repository's statements are synchronous: they join this transaction (it holds the write lock)
      return adb.transaction(async (tx) => {
        const b = repo.byId(ballotId)
        if (!b || b.roundId !== round.id) throw notFound('ballot')
        if (!b.valid) throw conflict('conflict', 'the ballot is already invalid')
        const rows = invalidationRows(actor, round.id, ballotId, body, vnDay(clock.now()), repo.lastLedger(round.id))
        repo.insertLedger(rows.ledger)
        repo.markInvalid(ballotId, body.reasonCode)
        repo.bumpQuestionCounters(round.id, b.villageId, b.answers, -1)
        repo.bumpVillageCounters(round.id, b.villageId, { invalid: 1 })
        await audit.record(tx, rows.audit)
        return { ballotId, valid: false, reasonCode: body.reasonCode }
      })
    },

    /** Recompute a round's hash chain against its stored ballots. */
    verifyLedger(roundId: string): Promise<LedgerCheck> {
      return lock.exclusive(() => {
        const ballotsById = new Map<string, Parameters<typeof verifyChain>[1] extends Map<string, infer V> ? V : never>()
        for (const b of repo.iterateRound(roundId)) ballotsById.set(b.id, b)
        return verifyChain(repo.ledgerRows(roundId), ballotsById)
      })
    },
  }
}
