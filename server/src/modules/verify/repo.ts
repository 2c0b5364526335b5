import { type AppDb, rawAll } from '@app/db'
import { sql } from 'drizzle-orm'

export interface LedgerLine {
  seq: number
  entry: string
  hash: string
}
export interface BallotReceipt {
  id: string
  receipt: string
  ledgerSeq: number
  /** Set for receipts fixed at acceptance (H(nonce ‖ canonical ballot)); null for older ones derived from the entry hash. */
  receiptNonce: string | null
  villageId: string
  channel: string
  answers: string
  comment: string | null
}
export interface GroupCount {
  villageId: string
  channel: string
  n: number
}

/**
 * Read-only queries of the whole-round check; raw SQL since they read every row of a round. Aliases are quoted and
 * counts cast so both engines return the same names and numbers (PostgreSQL folds bare aliases to lower case and
 * returns count(*) as a 64-bit string).
 */
export function createVerifyRepo(db: AppDb) {
  const groupCount = (table: 'participations' | 'pending_ballots' | 'ballots', roundId: string) =>
    rawAll<GroupCount>(
      db,
      sql`SELECT village_id AS "villageId", channel, CAST(count(*) AS INTEGER) AS n FROM ${sql.identifier(table)}
          WHERE round_id = ${roundId} GROUP BY village_id, channel`,
    )
  return {
    ledger(roundId: string): Promise<LedgerLine[]> {
      return rawAll<LedgerLine>(db, sql`SELECT seq, entry, hash FROM ledger WHERE round_id = ${roundId} ORDER BY seq`)
    },
    receipts(roundId: string): Promise<BallotReceipt[]> {
      return rawAll<BallotReceipt>(
        db,
        sql`SELECT id, receipt, ledger_seq AS "ledgerSeq", receipt_nonce AS "receiptNonce", village_id AS "villageId", channel,
              answers, comment
            FROM ballots WHERE round_id = ${roundId} ORDER BY ledger_seq`,
      )
    },
    participationsBy(roundId: string): Promise<GroupCount[]> {
      return groupCount('participations', roundId)
    },
    /** Accepted ballots still waiting to land: counted, never decrypted. */
    pendingBy(roundId: string): Promise<GroupCount[]> {
      return groupCount('pending_ballots', roundId)
    },
    ballotsBy(roundId: string): Promise<GroupCount[]> {
      return groupCount('ballots', roundId)
    },
  }
}
