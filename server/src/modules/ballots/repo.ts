import {
  ballots,
  type Db,
  type DbOrTx,
  feedback,
  ledger,
  newId,
  paperEntries,
  participations,
  tallyCounters,
  villageCounters,
} from '@app/db'
import { and, asc, desc, eq, sql } from 'drizzle-orm'

export type BallotRow = typeof ballots.$inferSelect
export type LedgerRow = typeof ledger.$inferSelect
export type PaperEntryRow = typeof paperEntries.$inferSelect
/** What exports and ledger checks read of a ballot. */
export type BallotPageRow = Pick<
  BallotRow,
  'id' | 'roundId' | 'villageId' | 'channel' | 'answers' | 'comment' | 'day' | 'ledgerSeq' | 'valid' | 'invalidationReason'
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
}

const p = (name: string) => sql.placeholder(name)

/**
 * The statements of the ballot transaction, built and compiled once per connection (profiling the
 * ingestion bench showed that building the SQL and compiling it on every call cost most of a ballot's
 * CPU). A transaction of the same Db runs on the same better-sqlite3 connection, so they join it.
 */
function prepareBallotStatements(db: DbOrTx) {
  return {
    participation: db
      .select()
      .from(participations)
      .where(and(eq(participations.roundId, p('roundId')), eq(participations.householdId, p('householdId'))))
      .prepare(),
    insertParticipation: db
      .insert(participations)
      .values({ roundId: p('roundId'), householdId: p('householdId'), villageId: p('villageId'), channel: p('channel'), day: p('day') })
      .onConflictDoNothing()
      .prepare(),
    lastLedger: db
      .select()
      .from(ledger)
      .where(eq(ledger.roundId, p('roundId')))
      .orderBy(desc(ledger.seq))
      .limit(1)
      .prepare(),
    insertLedger: db
      .insert(ledger)
      .values({ roundId: p('roundId'), seq: p('seq'), kind: p('kind'), entry: p('entry'), prevHash: p('prevHash'), hash: p('hash') })
      .prepare(),
    insertBallot: db
      .insert(ballots)
      .values({
        id: p('id'),
        roundId: p('roundId'),
        villageId: p('villageId'),
        channel: p('channel'),
        answers: p('answers'),
        overallSatisfied: p('overallSatisfied'),
        comment: p('comment'),
        clientId: p('clientId'),
        contentHash: p('contentHash'),
        secondsToComplete: p('secondsToComplete'),
        deviceFingerprint: p('deviceFingerprint'),
        enteredBy: p('enteredBy'),
        day: p('day'),
        valid: p('valid'),
        invalidationReason: p('invalidationReason'),
        paperSerial: p('paperSerial'),
        receipt: p('receipt'),
        ledgerSeq: p('ledgerSeq'),
      })
      .prepare(),
    bumpQuestion: db
      .insert(tallyCounters)
      .values({
        roundId: p('roundId'),
        villageId: p('villageId'),
        questionKey: p('questionKey'),
        valid: p('valid'),
        satisfied: p('satisfied'),
      })
      .onConflictDoUpdate({
        target: [tallyCounters.roundId, tallyCounters.villageId, tallyCounters.questionKey],
        set: { valid: sql`${tallyCounters.valid} + excluded.valid`, satisfied: sql`${tallyCounters.satisfied} + excluded.satisfied` },
      })
      .prepare(),
    bumpVillage: db
      .insert(villageCounters)
      .values({
        roundId: p('roundId'),
        villageId: p('villageId'),
        participated: p('participated'),
        link: p('link'),
        paper: p('paper'),
        meeting: p('meeting'),
        invalid: p('invalid'),
      })
      .onConflictDoUpdate({
        target: [villageCounters.roundId, villageCounters.villageId],
        set: {
          participated: sql`${villageCounters.participated} + excluded.participated`,
          link: sql`${villageCounters.link} + excluded.link`,
          paper: sql`${villageCounters.paper} + excluded.paper`,
          meeting: sql`${villageCounters.meeting} + excluded.meeting`,
          invalid: sql`${villageCounters.invalid} + excluded.invalid`,
        },
      })
      .prepare(),
    insertFeedback: db
      .insert(feedback)
      .values({
        id: p('id'),
        roundId: p('roundId'),
        villageId: p('villageId'),
        questionKey: p('questionKey'),
        kind: p('kind'),
        text: p('text'),
      })
      .prepare(),
  }
}

/** Every write that makes up one counted ballot lives here, so the service can run them in one transaction. */
export function createBallotRepo(db: DbOrTx) {
  const sqlite = (db as Db).$client
  let page: ReturnType<Db['$client']['prepare']> | undefined
  const pageStmt = {
    all: (roundId: string, after: number) => {
      page ??= sqlite.prepare(
        `SELECT id, round_id, village_id, channel, answers, comment, day, ledger_seq, valid, invalidation_reason
         FROM ballots WHERE round_id = @roundId AND ledger_seq > @after ORDER BY ledger_seq LIMIT 5000`,
      )
      return page.all({ roundId, after })
    },
  }
  let stmts: ReturnType<typeof prepareBallotStatements> | undefined
  // Prepared lazily: the repo may be created before the migrations have run.
  const st = () => {
    stmts ??= prepareBallotStatements(db)
    return stmts
  }
  return {
    participation(roundId: string, householdId: string, _tx: DbOrTx = db) {
      return st().participation.get({ roundId, householdId })
    },
    /** Insert the participation; false when the household already took part (the PK decides). */
    insertParticipation(row: typeof participations.$inferInsert, _tx: DbOrTx = db): boolean {
      return st().insertParticipation.run(row).changes === 1
    },
    lastLedger(roundId: string, _tx: DbOrTx = db): LedgerRow | undefined {
      return st().lastLedger.get({ roundId })
    },
    insertLedger(row: typeof ledger.$inferInsert, _tx: DbOrTx = db): void {
      st().insertLedger.run(row)
    },
    insertBallot(row: typeof ballots.$inferInsert, _tx: DbOrTx = db): void {
      st().insertBallot.run({
        comment: null,
        clientId: null,
        secondsToComplete: null,
        deviceFingerprint: null,
        enteredBy: null,
        valid: true,
        invalidationReason: null,
        paperSerial: null,
        ...row,
      })
    },
    byClientKey(roundId: string, clientKey: string, tx: DbOrTx = db): BallotRow | undefined {
      return tx
        .select()
        .from(ballots)
        .where(and(eq(ballots.roundId, roundId), eq(ballots.clientId, clientKey)))
        .get()
    },
    byId(id: string, tx: DbOrTx = db): BallotRow | undefined {
      return tx.select().from(ballots).where(eq(ballots.id, id)).get()
    },
    byReceipt(receipt: string, tx: DbOrTx = db): Pick<BallotRow, 'roundId' | 'day'> | undefined {
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
    bumpVillageCounters(
      roundId: string,
      villageId: string,
      delta: { participated?: number; link?: number; paper?: number; meeting?: number; invalid?: number },
      _tx: DbOrTx = db,
    ): void {
      st().bumpVillage.run({ roundId, villageId, participated: 0, link: 0, paper: 0, meeting: 0, invalid: 0, ...delta })
    },
    insertFeedback(rows: (typeof feedback.$inferInsert)[], _tx: DbOrTx = db): void {
      for (const r of rows) st().insertFeedback.run({ villageId: null, questionKey: null, ...r, id: r.id ?? newId() })
    },
    ledgerRows(roundId: string, tx: DbOrTx = db): LedgerRow[] {
      return tx.select().from(ledger).where(eq(ledger.roundId, roundId)).orderBy(asc(ledger.seq)).all()
    },
    /** Iterate a round's ballots without loading them all at once. */
    /**
     * Walk a round's ballots in ledger order, 5,000 per page by the (round, ledger_seq) index, without
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
          }
        }
        after = (page.at(-1) as RawBallotPageRow).ledger_seq
      }
    },
    paperEntriesFor(roundId: string, serial: string, tx: DbOrTx = db): PaperEntryRow[] {
      return tx
        .select()
        .from(paperEntries)
        .where(and(eq(paperEntries.roundId, roundId), eq(paperEntries.serial, serial)))
        .orderBy(asc(paperEntries.createdAt))
        .all()
    },
    insertPaperEntry(row: typeof paperEntries.$inferInsert, tx: DbOrTx = db): PaperEntryRow {
      return tx.insert(paperEntries).values(row).returning().get()
    },
    markPaperMismatch(roundId: string, serial: string, tx: DbOrTx = db): void {
      tx.update(paperEntries)
        .set({ status: 'mismatch' })
        .where(and(eq(paperEntries.roundId, roundId), eq(paperEntries.serial, serial)))
        .run()
    },
    deletePaperEntries(roundId: string, serial: string, tx: DbOrTx = db): void {
      tx.delete(paperEntries)
        .where(and(eq(paperEntries.roundId, roundId), eq(paperEntries.serial, serial)))
        .run()
    },
    paperQueue(roundId: string, tx: DbOrTx = db): PaperEntryRow[] {
      return tx
        .select()
        .from(paperEntries)
        .where(eq(paperEntries.roundId, roundId))
        .orderBy(asc(paperEntries.serial), asc(paperEntries.createdAt))
        .all()
    },
  }
}
export type BallotRepo = ReturnType<typeof createBallotRepo>
