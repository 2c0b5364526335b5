import { ballots, type DbOrTx, feedback, ledger, paperEntries, participations, tallyCounters, villageCounters } from '@app/db'
import { and, asc, desc, eq, sql } from 'drizzle-orm'

export type BallotRow = typeof ballots.$inferSelect
export type LedgerRow = typeof ledger.$inferSelect
export type PaperEntryRow = typeof paperEntries.$inferSelect

/** Every write that makes up one counted ballot lives here, so the service can run them in one transaction. */
export function createBallotRepo(db: DbOrTx) {
  return {
    participation(roundId: string, householdId: string, tx: DbOrTx = db) {
      return tx
        .select()
        .from(participations)
        .where(and(eq(participations.roundId, roundId), eq(participations.householdId, householdId)))
        .get()
    },
    /** Insert the participation; false when the household already took part (the PK decides). */
    insertParticipation(row: typeof participations.$inferInsert, tx: DbOrTx = db): boolean {
      const res = tx.insert(participations).values(row).onConflictDoNothing().run()
      return res.changes === 1
    },
    lastLedger(roundId: string, tx: DbOrTx = db): LedgerRow | undefined {
      return tx.select().from(ledger).where(eq(ledger.roundId, roundId)).orderBy(desc(ledger.seq)).limit(1).get()
    },
    insertLedger(row: typeof ledger.$inferInsert, tx: DbOrTx = db): void {
      tx.insert(ledger).values(row).run()
    },
    insertBallot(row: typeof ballots.$inferInsert, tx: DbOrTx = db): void {
      tx.insert(ballots).values(row).run()
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
      tx: DbOrTx = db,
    ): void {
      for (const [questionKey, a] of Object.entries(answers)) {
        const s = a.satisfied ? sign : 0
        tx.insert(tallyCounters)
          .values({ roundId, villageId, questionKey, valid: sign, satisfied: s })
          .onConflictDoUpdate({
            target: [tallyCounters.roundId, tallyCounters.villageId, tallyCounters.questionKey],
            set: { valid: sql`${tallyCounters.valid} + ${sign}`, satisfied: sql`${tallyCounters.satisfied} + ${s}` },
          })
          .run()
      }
    },
    bumpVillageCounters(
      roundId: string,
      villageId: string,
      delta: { participated?: number; link?: number; paper?: number; meeting?: number; invalid?: number },
      tx: DbOrTx = db,
    ): void {
      const v = { participated: 0, link: 0, paper: 0, meeting: 0, invalid: 0, ...delta }
      tx.insert(villageCounters)
        .values({ roundId, villageId, ...v })
        .onConflictDoUpdate({
          target: [villageCounters.roundId, villageCounters.villageId],
          set: {
            participated: sql`${villageCounters.participated} + ${v.participated}`,
            link: sql`${villageCounters.link} + ${v.link}`,
            paper: sql`${villageCounters.paper} + ${v.paper}`,
            meeting: sql`${villageCounters.meeting} + ${v.meeting}`,
            invalid: sql`${villageCounters.invalid} + ${v.invalid}`,
          },
        })
        .run()
    },
    insertFeedback(rows: (typeof feedback.$inferInsert)[], tx: DbOrTx = db): void {
      if (rows.length > 0) tx.insert(feedback).values(rows).run()
    },
    ledgerRows(roundId: string, tx: DbOrTx = db): LedgerRow[] {
      return tx.select().from(ledger).where(eq(ledger.roundId, roundId)).orderBy(asc(ledger.seq)).all()
    },
    /** Iterate a round's ballots without loading them all at once. */
    *iterateRound(roundId: string, tx: DbOrTx = db): Generator<BallotRow> {
      let after = 0
      for (;;) {
        const page = tx
          .select()
          .from(ballots)
          .where(and(eq(ballots.roundId, roundId), sql`${ballots.ledgerSeq} > ${after}`))
          .orderBy(asc(ballots.ledgerSeq))
          .limit(5000)
          .all()
        if (page.length === 0) return
        yield* page
        after = (page.at(-1) as BallotRow).ledgerSeq
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
