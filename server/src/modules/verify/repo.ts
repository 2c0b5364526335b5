import type { Db } from '@app/db'

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

/** Read-only queries of the whole-round check; raw SQL since they read every row of a round. */
export function createVerifyRepo(db: Db) {
  const sqlite = db.$client
  return {
    ledger(roundId: string): LedgerLine[] {
      return sqlite.prepare('SELECT seq, entry, hash FROM ledger WHERE round_id = ? ORDER BY seq').all(roundId) as LedgerLine[]
    },
    receipts(roundId: string): BallotReceipt[] {
      return sqlite
        .prepare(`SELECT id, receipt, ledger_seq AS ledgerSeq, receipt_nonce AS receiptNonce, village_id AS villageId, channel, answers, comment
           FROM ballots WHERE round_id = ? ORDER BY ledger_seq`)
        .all(roundId) as BallotReceipt[]
    },
    participationsBy(roundId: string): GroupCount[] {
      return sqlite
        .prepare(
          'SELECT village_id AS villageId, channel, count(*) AS n FROM participations WHERE round_id = ? GROUP BY village_id, channel',
        )
        .all(roundId) as GroupCount[]
    },
    /** Accepted ballots still waiting to land: counted, never decrypted. */
    pendingBy(roundId: string): GroupCount[] {
      return sqlite
        .prepare(
          'SELECT village_id AS villageId, channel, count(*) AS n FROM pending_ballots WHERE round_id = ? GROUP BY village_id, channel',
        )
        .all(roundId) as GroupCount[]
    },
    ballotsBy(roundId: string): GroupCount[] {
      return sqlite
        .prepare('SELECT village_id AS villageId, channel, count(*) AS n FROM ballots WHERE round_id = ? GROUP BY village_id, channel')
        .all(roundId) as GroupCount[]
    },
  }
}
