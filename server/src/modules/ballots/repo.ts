import { ballots, type Db, type DbOrTx, type feedback, ledger, newId, type participations } from '@app/db'
import type { BallotChannel } from '@app/shared'
import { and, asc, eq, inArray, or } from 'drizzle-orm'

/** How many of a batch's ballots one duplicate check asks about (bound parameters stay well under either engine's limit). */
export const LANDED_CHUNK = 500

export type BallotRow = typeof ballots.$inferSelect
export type LedgerRow = typeof ledger.$inferSelect
/** What exports and ledger checks read of a ballot. */
export type BallotPageRow = Pick<
  BallotRow,
  'id' | 'roundId' | 'villageId' | 'channel' | 'answers' | 'comment' | 'day' | 'ledgerSeq' | 'valid' | 'invalidationReason' | 'receipt'
>
interface RawBallotPageRow {
  id: string
  round_id: string
  village_id: string
  channel: string
  answers: string
  comment: string | null
  day: string
  ledger_seq: number
  valid: number
  invalidation_reason: string | null
  receipt: string
}

/** A ballot waiting to land: everything but the sealed box is what a database holder can read. */
export interface PendingRow {
  id: string
  roundId: string
  villageId: string
  channel: BallotChannel
  receipt: string
  clientKey: string | null
  sealed: string
}

type Sqlite = Db['$client']

/**
 * The statements of the ballot transaction, raw SQL compiled once per connection. Profiling the
 * ingestion bench showed the ORM layer (query building, then parameter and row mapping through
 * drizzle) costing more CPU than SQLite itself on this path, so the hot statements skip it. A
 * transaction of the same Db runs on the same better-sqlite3 connection, so they join it.
 */
function prepareBallotStatements(sqlite: Sqlite) {
  return {
    participated: sqlite.prepare<[string, string], number>('SELECT 1 FROM participations WHERE round_id = ? AND household_id = ?').pluck(),
    insertParticipation: sqlite.prepare(
      `INSERT INTO participations (round_id, household_id, village_id, channel, day)
       VALUES (@roundId, @householdId, @villageId, @channel, @day) ON CONFLICT DO NOTHING`,
    ),
    lastLedger: sqlite.prepare<[string], { seq: number; hash: string }>(
      'SELECT seq, hash FROM ledger WHERE round_id = ? ORDER BY seq DESC LIMIT 1',
    ),
    insertLedger: sqlite.prepare(
      `INSERT INTO ledger (round_id, seq, kind, entry, prev_hash, hash)
       VALUES (@roundId, @seq, @kind, @entry, @prevHash, @hash)`,
    ),
    insertBallot: sqlite.prepare(
      `INSERT INTO ballots (id, round_id, village_id, channel, answers, overall_satisfied, comment, client_id, content_hash,
         seconds_to_complete, device_fingerprint, entered_by, day, valid, invalidation_reason, paper_serial, receipt, receipt_nonce, ledger_seq)
       VALUES (@id, @roundId, @villageId, @channel, @answers, @overallSatisfied, @comment, @clientId, @contentHash,
         @secondsToComplete, @deviceFingerprint, @enteredBy, @day, @valid, @invalidationReason, @paperSerial, @receipt, @receiptNonce, @ledgerSeq)`,
    ),
    priorByClientKey: sqlite.prepare<[string, string], { receipt: string; contentHash: string }>(
      'SELECT receipt, content_hash AS contentHash FROM ballots WHERE round_id = ? AND client_id = ?',
    ),
    insertPending: sqlite.prepare(
      `INSERT INTO pending_ballots (id, round_id, village_id, channel, receipt, client_key, sealed)
       VALUES (@id, @roundId, @villageId, @channel, @receipt, @clientKey, @sealed)`,
    ),
    pendingByClientKey: sqlite.prepare<[string, string], PendingRow>(
      `SELECT id, round_id AS roundId, village_id AS villageId, channel, receipt, client_key AS clientKey, sealed
       FROM pending_ballots WHERE round_id = ? AND client_key = ?`,
    ),
    pendingByReceipt: sqlite.prepare<[string], PendingRow>(
      `SELECT id, round_id AS roundId, village_id AS villageId, channel, receipt, client_key AS clientKey, sealed
       FROM pending_ballots WHERE receipt = ?`,
    ),
    pendingGroup: sqlite.prepare<[string, string, string], PendingRow>(
      `SELECT id, round_id AS roundId, village_id AS villageId, channel, receipt, client_key AS clientKey, sealed
       FROM pending_ballots WHERE round_id = ? AND village_id = ? AND channel = ?`,
    ),
    pendingGroupCount: sqlite
      .prepare<[string, string, string], number>(
        'SELECT count(*) FROM pending_ballots WHERE round_id = ? AND village_id = ? AND channel = ?',
      )
      .pluck(),
    pendingCounts: sqlite.prepare<[string], { villageId: string; channel: PendingRow['channel']; n: number }>(
      `SELECT village_id AS villageId, channel, count(*) AS n FROM pending_ballots WHERE round_id = ?
       GROUP BY village_id, channel ORDER BY village_id, channel`,
    ),
    groupsAtLeast: sqlite.prepare<[number], { roundId: string; villageId: string; channel: PendingRow['channel']; n: number }>(
      `SELECT round_id AS roundId, village_id AS villageId, channel, count(*) AS n FROM pending_ballots
       GROUP BY round_id, village_id, channel HAVING count(*) >= ?`,
    ),
    pendingGroupsOf: sqlite.prepare<[string], { villageId: string; channel: PendingRow['channel'] }>(
      'SELECT DISTINCT village_id AS villageId, channel FROM pending_ballots WHERE round_id = ?',
    ),
    deletePending: sqlite.prepare<[string]>('DELETE FROM pending_ballots WHERE id = ?'),
    bumpQuestion: sqlite.prepare(
      `INSERT INTO tally_counters (round_id, village_id, question_key, valid, satisfied)
       VALUES (@roundId, @villageId, @questionKey, @valid, @satisfied)
       ON CONFLICT (round_id, village_id, question_key)
       DO UPDATE SET valid = valid + excluded.valid, satisfied = satisfied + excluded.satisfied`,
    ),
    bumpVillage: sqlite.prepare(
      `INSERT INTO village_counters (round_id, village_id, participated, link, paper, meeting, assisted, invalid)
       VALUES (@roundId, @villageId, @participated, @link, @paper, @meeting, @assisted, @invalid)
       ON CONFLICT (round_id, village_id) DO UPDATE SET participated = participated + excluded.participated,
         link = link + excluded.link, paper = paper + excluded.paper, meeting = meeting + excluded.meeting,
         assisted = assisted + excluded.assisted, invalid = invalid + excluded.invalid`,
    ),
    insertFeedback: sqlite.prepare(
      `INSERT INTO feedback (id, round_id, village_id, question_key, kind, text)
       VALUES (@id, @roundId, @villageId, @questionKey, @kind, @text)`,
    ),
  }
}

/** Every write that makes up one counted ballot lives here, so the service can run them in one transaction. */
export function createBallotRepo(db: DbOrTx) {
  const sqlite = (db as Db).$client
  let page: ReturnType<Db['$client']['prepare']> | undefined
  const pageStmt = {
    all: (roundId: string, after: number) => {
      page ??= sqlite.prepare(
        `SELECT id, round_id, village_id, channel, answers, comment, day, ledger_seq, valid, invalidation_reason, receipt
         FROM ballots WHERE round_id = @roundId AND ledger_seq > @after ORDER BY ledger_seq LIMIT 1000`,
      )
      return page.all({ roundId, after })
    },
  }
  let stmts: ReturnType<typeof prepareBallotStatements> | undefined
  // Prepared lazily: the repo may be created before the migrations have run.
  const st = () => {
    stmts ??= prepareBallotStatements(sqlite)
    return stmts
  }
  return {
    /** Has this household taken part in the round (by any channel)? */
    participated(roundId: string, householdId: string, _tx: DbOrTx = db): boolean {
      return st().participated.get(roundId, householdId) === 1
    },
    /** Insert the participation; false when the household already took part (the PK decides). */
    insertParticipation(row: typeof participations.$inferInsert, _tx: DbOrTx = db): boolean {
      const { roundId, householdId, villageId, channel, day } = row
      return st().insertParticipation.run({ roundId, householdId, villageId, channel, day }).changes === 1
    },
    lastLedger(roundId: string, _tx: DbOrTx = db): Pick<LedgerRow, 'seq' | 'hash'> | undefined {
      return st().lastLedger.get(roundId)
    },
    insertLedger(row: Omit<typeof ledger.$inferInsert, 'createdAt'>, _tx: DbOrTx = db): void {
      const { roundId, seq, kind, entry, prevHash, hash } = row
      st().insertLedger.run({ roundId, seq, kind, entry, prevHash, hash })
    },
    insertBallot(row: typeof ballots.$inferInsert, _tx: DbOrTx = db): void {
      st().insertBallot.run({
        id: row.id ?? newId(),
        roundId: row.roundId,
        villageId: row.villageId,
        channel: row.channel,
        answers: JSON.stringify(row.answers),
        overallSatisfied: row.overallSatisfied ? 1 : 0,
        comment: row.comment ?? null,
        clientId: row.clientId ?? null,
        contentHash: row.contentHash,
        secondsToComplete: row.secondsToComplete ?? null,
        deviceFingerprint: row.deviceFingerprint ?? null,
        enteredBy: row.enteredBy ?? null,
        day: row.day,
        valid: row.valid === false ? 0 : 1,
        invalidationReason: row.invalidationReason ?? null,
        paperSerial: row.paperSerial ?? null,
        receipt: row.receipt,
        receiptNonce: row.receiptNonce ?? null,
        ledgerSeq: row.ledgerSeq,
      })
    },
    /** The receipt and content hash of the ballot a link already submitted with this client key, if any. */
    priorByClientKey(roundId: string, clientKey: string): { receipt: string; contentHash: string } | undefined {
      return st().priorByClientKey.get(roundId, clientKey)
    },
    insertPending(row: PendingRow): void {
      st().insertPending.run(row)
    },
    pendingByClientKey(roundId: string, clientKey: string): PendingRow | undefined {
      return st().pendingByClientKey.get(roundId, clientKey)
    },
    pendingByReceipt(receipt: string): PendingRow | undefined {
      return st().pendingByReceipt.get(receipt)
    },
    /** A (round, village, channel) group's pending rows, in key order (random ids: no arrival order). */
    pendingGroup(roundId: string, villageId: string, channel: string): PendingRow[] {
      return st().pendingGroup.all(roundId, villageId, channel)
    },
    pendingGroupCount(roundId: string, villageId: string, channel: string): number {
      return st().pendingGroupCount.get(roundId, villageId, channel) ?? 0
    },
    /**
     * Pending ballots per village and channel, counted without opening any (verification: participations =
     * ballots + pending per village and channel).
     */
    pendingCounts(roundId: string): { villageId: string; channel: PendingRow['channel']; n: number }[] {
      return st().pendingCounts.all(roundId)
    },
    /** Groups of every round with at least `min` pending ballots. */
    groupsAtLeast(min: number): { roundId: string; villageId: string; channel: PendingRow['channel']; n: number }[] {
      return st().groupsAtLeast.all(min)
    },
    pendingGroupsOf(roundId: string): { villageId: string; channel: PendingRow['channel'] }[] {
      return st().pendingGroupsOf.all(roundId)
    },
    deletePending(id: string): void {
      st().deletePending.run(id)
    },
    byId(id: string, tx: DbOrTx = db): BallotRow | undefined {
      return tx.select().from(ballots).where(eq(ballots.id, id)).get()
    },
    /** Of a landing batch's receipts and client keys, those a landed ballot already carries (unique in ballots). */
    landedAmong(
      roundId: string,
      batch: { receipt: string; clientKey: string | null }[],
      tx: DbOrTx = db,
    ): { receipt: string; clientId: string | null }[] {
      const found: { receipt: string; clientId: string | null }[] = []
      for (let i = 0; i < batch.length; i += LANDED_CHUNK) {
        const part = batch.slice(i, i + LANDED_CHUNK)
        const clientKeys = part.flatMap((b) => (b.clientKey ? [b.clientKey] : []))
        const byClient = clientKeys.length > 0 ? and(eq(ballots.roundId, roundId), inArray(ballots.clientId, clientKeys)) : undefined
        found.push(
          ...tx
            .select({ receipt: ballots.receipt, clientId: ballots.clientId })
            .from(ballots)
            .where(
              or(
                inArray(
                  ballots.receipt,
                  part.map((b) => b.receipt),
                ),
                byClient,
              ),
            )
            .all(),
        )
      }
      return found
    },
    byReceipt(receipt: string, tx: DbOrTx = db): Pick<BallotRow, 'roundId' | 'day'> | undefined {
      // resident receipts are checked against landed ballots first, then the pending store
      return tx.select({ roundId: ballots.roundId, day: ballots.day }).from(ballots).where(eq(ballots.receipt, receipt)).get()
    },
    markInvalid(id: string, reason: string, tx: DbOrTx = db): void {
      tx.update(ballots).set({ valid: false, invalidationReason: reason }).where(eq(ballots.id, id)).run()
    },
    /** Add (+1) or remove (−1) one ballot's answers from the per-question counters. */
    bumpQuestionCounters(
      roundId: string,
      villageId: string,
      answers: Record<string, { satisfied: boolean }>,
      sign: 1 | -1,
      _tx: DbOrTx = db,
    ): void {
      const bump = st().bumpQuestion
      for (const [questionKey, a] of Object.entries(answers))
        bump.run({ roundId, villageId, questionKey, valid: sign, satisfied: a.satisfied ? sign : 0 })
    },
    /** Add summed answer counts (a landed batch of one village) in one upsert per question. */
    addQuestionCounts(roundId: string, villageId: string, counts: ReadonlyMap<string, { valid: number; satisfied: number }>): void {
      const bump = st().bumpQuestion
      for (const [questionKey, c] of counts) bump.run({ roundId, villageId, questionKey, valid: c.valid, satisfied: c.satisfied })
    },
    bumpVillageCounters(
      roundId: string,
      villageId: string,
      delta: { participated?: number; invalid?: number } & Partial<Record<BallotChannel, number>>,
      _tx: DbOrTx = db,
    ): void {
      st().bumpVillage.run({ roundId, villageId, participated: 0, link: 0, paper: 0, meeting: 0, assisted: 0, invalid: 0, ...delta })
    },
    insertFeedback(rows: (typeof feedback.$inferInsert)[], _tx: DbOrTx = db): void {
      for (const r of rows)
        st().insertFeedback.run({
          id: r.id ?? newId(),
          roundId: r.roundId,
          villageId: r.villageId ?? null,
          questionKey: r.questionKey ?? null,
          kind: r.kind,
          text: r.text,
        })
    },
    ledgerRows(roundId: string, tx: DbOrTx = db): LedgerRow[] {
      return tx.select().from(ledger).where(eq(ledger.roundId, roundId)).orderBy(asc(ledger.seq)).all()
    },
    /**
     * Walk a round's ballots in ledger order, 1,000 per page by the (round, ledger_seq) index, without
     * holding a statement open between pages (other requests keep using the connection meanwhile).
     * Raw rows, mapped by hand: exports and ledger checks read a million of them.
     */
    *iterateRound(roundId: string): Generator<BallotPageRow> {
      let after = 0
      for (;;) {
        const page = pageStmt.all(roundId, after) as RawBallotPageRow[]
        if (page.length === 0) return
        for (const r of page) {
          yield {
            id: r.id,
            roundId: r.round_id,
            villageId: r.village_id,
            channel: r.channel as BallotRow['channel'],
            answers: JSON.parse(r.answers) as BallotRow['answers'],
            comment: r.comment,
            day: r.day,
            ledgerSeq: r.ledger_seq,
            valid: r.valid === 1,
            invalidationReason: r.invalidation_reason,
            receipt: r.receipt,
          }
        }
        after = (page.at(-1) as RawBallotPageRow).ledger_seq
      }
    },
  }
}
export type BallotRepo = ReturnType<typeof createBallotRepo>
