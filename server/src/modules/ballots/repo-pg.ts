import { type AppDb, ballots, type Conn } from '@app/db'
import { and, asc, eq, gt } from 'drizzle-orm'
import type { BallotPageRow, BallotRow } from './repo.js'

/** How many ballots one FETCH of an export's cursor brings: a few MB of rows at a time, whatever the round's size. */
export const EXPORT_BATCH = 2_000

/** What the export cursor uses of a node-postgres pool (server/src never imports the driver itself). */
interface PgPoolClient {
  query<R>(text: string, values?: unknown[]): Promise<{ rows: R[] }>
  release(destroy?: Error | boolean): void
}
interface PgPool {
  connect(): Promise<PgPoolClient>
  idleCount: number
}

/** The node-postgres pool behind a PostgreSQL AppDb; undefined on PGlite (one connection, no pool). */
function poolOf(db: AppDb): PgPool | undefined {
  const client = (db as unknown as { $client?: Partial<PgPool> }).$client
  return client && typeof client.connect === 'function' && typeof client.idleCount === 'number' ? (client as PgPool) : undefined
}

interface RawBallotPageRow {
  id: string
  roundId: string
  villageId: string
  channel: BallotRow['channel']
  /** jsonb comes back as its text (PG_TYPE_PARSERS), as SQLite's json columns are read */
  answers: string
  comment: string | null
  day: string
  ledgerSeq: number
  valid: boolean
  invalidationReason: string | null
  receipt: string
}

/** A round's ballots in ledger order, by the (round_id, ledger_seq) index. */
const ROUND_BALLOTS = `SELECT id, round_id AS "roundId", village_id AS "villageId", channel, answers, comment, day,
  ledger_seq AS "ledgerSeq", valid, invalidation_reason AS "invalidationReason", receipt
  FROM ballots WHERE round_id = $1 ORDER BY ledger_seq`

const pageRow = (r: RawBallotPageRow): BallotPageRow => ({
  ...r,
  answers: (typeof r.answers === 'string' ? JSON.parse(r.answers) : r.answers) as BallotRow['answers'],
})

const pageColumns = {
  id: ballots.id,
  roundId: ballots.roundId,
  villageId: ballots.villageId,
  channel: ballots.channel,
  answers: ballots.answers,
  comment: ballots.comment,
  day: ballots.day,
  ledgerSeq: ballots.ledgerSeq,
  valid: ballots.valid,
  invalidationReason: ballots.invalidationReason,
  receipt: ballots.receipt,
}

/**
 * The ballot repository's PostgreSQL side: what service-pg.ts reads and writes that differs from the SQLite
 * repository (repo.ts), whose hot paths are prepared better-sqlite3 statements.
 */
export function createPgBallotRepo(db: AppDb) {
  /** Keyset pages of a round's ballots inside `tx` (a transaction's own snapshot and locks). */
  async function* pages(roundId: string, tx: Conn, size: number): AsyncGenerator<BallotPageRow[]> {
    let after = 0
    for (;;) {
      const page = await tx
        .select(pageColumns)
        .from(ballots)
        .where(and(eq(ballots.roundId, roundId), gt(ballots.ledgerSeq, after)))
        .orderBy(asc(ballots.ledgerSeq))
        .limit(size)
      if (page.length === 0) return
      yield page
      after = (page.at(-1) as BallotPageRow).ledgerSeq
    }
  }

  /**
   * A round's ballots in ledger order, EXPORT_BATCH at a time, from a server-side cursor: one pooled connection, in
   * a read-only REPEATABLE READ transaction (one snapshot for the whole export), taken at the first read. The
   * connection goes back to the pool when the walk ends, fails, or is abandoned (`return()`, as a destroyed export
   * stream does); one whose rollback fails is discarded rather than handed to the next request mid-transaction.
   * Without a pool (PGlite, tests only: one connection a held transaction would block) it pages by the index.
   */
  async function* roundBatches(roundId: string, size = EXPORT_BATCH): AsyncGenerator<BallotPageRow[]> {
    const pool = poolOf(db)
    if (!pool) {
      yield* pages(roundId, db, size)
      return
    }
    const n = Math.max(1, Math.floor(size))
    const client = await pool.connect()
    let broken: Error | undefined
    let begun = false
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY')
      begun = true
      await client.query(`DECLARE round_ballots NO SCROLL CURSOR FOR ${ROUND_BALLOTS}`, [roundId])
      for (;;) {
        const { rows } = await client.query<RawBallotPageRow>(`FETCH ${n} FROM round_ballots`)
        if (rows.length > 0) yield rows.map(pageRow)
        if (rows.length < n) return
      }
    } catch (err) {
      broken = err as Error
      throw err
    } finally {
      // the transaction only read: ROLLBACK ends it and closes the cursor
      if (begun)
        await client.query('ROLLBACK').catch((err: Error) => {
          broken ??= err
        })
      client.release(broken)
    }
  }

  return {
    roundBatches,
    /** roundBatches, ballot by ballot (what the export writers consume). */
    async *iterateRound(roundId: string): AsyncGenerator<BallotPageRow> {
      for await (const batch of roundBatches(roundId)) yield* batch
    },
    /** A round's ballots inside `tx` (the ledger check, under the round's lock), 1,000 per page. */
    async *ballotsIn(roundId: string, tx: Conn): AsyncGenerator<BallotPageRow> {
      for await (const page of pages(roundId, tx, 1_000)) yield* page
    },
  }
}
export type PgBallotRepo = ReturnType<typeof createPgBallotRepo>
