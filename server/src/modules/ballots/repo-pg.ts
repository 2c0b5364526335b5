import { createHash } from 'node:crypto'
import { type AppDb, ballots, type Conn, feedback, ledger, participations, pendingBallots, rawAll, rawRun } from '@app/db'
import type { BallotChannel } from '@app/shared'
import { and, asc, desc, eq, gt, inArray, or, sql } from 'drizzle-orm'
import { type BallotPageRow, type BallotRow, LANDED_CHUNK, type LedgerRow, type PendingRow } from './repo.js'

type Channel = BallotChannel
type Counts = ReadonlyMap<string, { valid: number; satisfied: number }>

/**
 * The advisory lock key of a round's ballot writes (pg_advisory_xact_lock's bigint, as text). Landing, sealing,
 * invalidation and bulk recording take it exclusively (they append to the round's ledger); an acceptance takes it
 * shared, so a close that lands everything cannot miss a ballot accepted meanwhile: the acceptance either
 * commits before the close takes the lock (and is landed) or waits for the close and finds the round closed.
 */
export function roundLockKey(roundId: string): string {
  return createHash('sha256').update(`hailong-ballots:${roundId}`).digest().readBigInt64BE(0).toString()
}

/** Transactions known to hold a round's exclusive lock already (bulk recording takes it once, not per ballot). */
const lockedRounds = new WeakMap<object, Set<string>>()

const pendingColumns = {
  id: pendingBallots.id,
  roundId: pendingBallots.roundId,
  villageId: pendingBallots.villageId,
  channel: pendingBallots.channel,
  receipt: pendingBallots.receipt,
  clientKey: pendingBallots.clientKey,
  sealed: pendingBallots.sealed,
}

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
  /** json comes back as its text (PG_TYPE_PARSERS), as SQLite's json columns are read */
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
 * Every statement of the ballot path on PostgreSQL (service-pg.ts), as repo.ts holds SQLite's: the same method
 * names, asynchronous, each inside the caller's transaction `tx` when given (a service transaction or savepoint).
 * Besides the ballot tables, the few writes the path makes elsewhere (the link's open time and use, the per-minute
 * open counts) live here too, as the SQLite service keeps them beside its own.
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
  /** Add summed answer counts (a ballot's questions, a landed batch of one village) in one upsert. */
  async function addQuestionCounts(roundId: string, villageId: string, counts: Counts, tx: Conn = db): Promise<void> {
    if (counts.size === 0) return
    const rows = [...counts].map(([questionKey, c]) => sql`(${roundId}, ${villageId}, ${questionKey}, ${c.valid}, ${c.satisfied})`)
    await rawRun(
      tx,
      sql`INSERT INTO tally_counters (round_id, village_id, question_key, valid, satisfied)
        VALUES ${sql.join(rows, sql`, `)}
        ON CONFLICT (round_id, village_id, question_key)
        DO UPDATE SET valid = tally_counters.valid + excluded.valid, satisfied = tally_counters.satisfied + excluded.satisfied`,
    )
  }

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
    /** Take the round's exclusive lock for the rest of `tx` (once per transaction). */
    async lockRound(roundId: string, tx: Conn): Promise<void> {
      const held = lockedRounds.get(tx)
      if (held?.has(roundId)) return
      await rawAll(tx, sql`SELECT pg_advisory_xact_lock(${roundLockKey(roundId)}::bigint)`)
      if (held) held.add(roundId)
      else lockedRounds.set(tx, new Set([roundId]))
    },
    /** Take the round's shared lock for the rest of `tx` (acceptances, the ledger check). */
    async lockRoundShared(roundId: string, tx: Conn): Promise<void> {
      await rawAll(tx, sql`SELECT pg_advisory_xact_lock_shared(${roundLockKey(roundId)}::bigint)`)
    },

    /** Has this household taken part in the round (by any channel)? */
    async participated(roundId: string, householdId: string, tx: Conn = db): Promise<boolean> {
      const rows = await tx
        .select({ one: sql<number>`1` })
        .from(participations)
        .where(and(eq(participations.roundId, roundId), eq(participations.householdId, householdId)))
      return rows.length > 0
    },
    /**
     * Insert the participation; false when the household already took part. The primary key decides, across
     * instances: a concurrent insert of the same household waits, then does nothing.
     */
    async insertParticipation(row: typeof participations.$inferInsert, tx: Conn = db): Promise<boolean> {
      const inserted = await tx.insert(participations).values(row).onConflictDoNothing().returning({ roundId: participations.roundId })
      return inserted.length > 0
    },
    /**
     * A household that took part leaves no open time behind (TRUST.md §2.1, §2.4), and the link it answered through
     * (`usedInvitationId`, none for paper) is used: one statement for both, on the acceptance's path.
     */
    async forgetOpenTime(roundId: string, householdId: string, usedInvitationId: string | null, tx: Conn = db): Promise<void> {
      await rawRun(
        tx,
        sql`UPDATE invitations SET first_opened_at = NULL,
            status = CASE WHEN id = ${usedInvitationId} THEN 'used' ELSE status END
          WHERE round_id = ${roundId} AND household_id = ${householdId}
            AND (id = ${usedInvitationId} OR first_opened_at IS NOT NULL)`,
      )
    },
    /** Record a link's first opening; false when it was opened before. */
    async pendingGroupCount(roundId: string, villageId: string, channel: Channel, tx: Conn = db): Promise<number> {
      const [row] = await rawAll<{ n: number }>(
        tx,
        sql`SELECT count(*)::int AS n FROM pending_ballots WHERE round_id = ${roundId} AND village_id = ${villageId} AND channel = ${channel}`,
      )
      return row?.n ?? 0
    },
    async markOpened(invitationId: string, at: string, tx: Conn = db): Promise<boolean> {
      return (
        (await rawRun(tx, sql`UPDATE invitations SET first_opened_at = ${at} WHERE id = ${invitationId} AND first_opened_at IS NULL`)) === 1
      )
    },
    /** One more first opening in the village's minute (the burst signal). */
    async bumpOpens(roundId: string, villageId: string, bucket: string, tx: Conn = db): Promise<void> {
      await rawRun(
        tx,
        sql`INSERT INTO link_open_counts (round_id, village_id, bucket, n) VALUES (${roundId}, ${villageId}, ${bucket}, 1)
          ON CONFLICT (round_id, village_id, bucket) DO UPDATE SET n = link_open_counts.n + 1`,
      )
    },

    async lastLedger(roundId: string, tx: Conn = db): Promise<Pick<LedgerRow, 'seq' | 'hash'> | undefined> {
      const [last] = await tx
        .select({ seq: ledger.seq, hash: ledger.hash })
        .from(ledger)
        .where(eq(ledger.roundId, roundId))
        .orderBy(desc(ledger.seq))
        .limit(1)
      return last
    },
    async insertLedger(row: Omit<typeof ledger.$inferInsert, 'createdAt'>, tx: Conn = db): Promise<void> {
      await tx.insert(ledger).values(row)
    },
    async insertBallot(row: typeof ballots.$inferInsert, tx: Conn = db): Promise<void> {
      await tx.insert(ballots).values(row)
    },
    async insertFeedback(rows: (typeof feedback.$inferInsert)[], tx: Conn = db): Promise<void> {
      if (rows.length > 0) await tx.insert(feedback).values(rows)
    },
    async bumpVillageCounters(
      roundId: string,
      villageId: string,
      delta: { participated?: number; invalid?: number } & Partial<Record<Channel, number>>,
      tx: Conn = db,
    ): Promise<void> {
      const d = { participated: 0, link: 0, paper: 0, meeting: 0, assisted: 0, invalid: 0, ...delta }
      await rawRun(
        tx,
        sql`INSERT INTO village_counters (round_id, village_id, participated, link, paper, meeting, assisted, invalid)
          VALUES (${roundId}, ${villageId}, ${d.participated}, ${d.link}, ${d.paper}, ${d.meeting}, ${d.assisted}, ${d.invalid})
          ON CONFLICT (round_id, village_id) DO UPDATE SET participated = village_counters.participated + excluded.participated,
            link = village_counters.link + excluded.link, paper = village_counters.paper + excluded.paper,
            meeting = village_counters.meeting + excluded.meeting, assisted = village_counters.assisted + excluded.assisted,
            invalid = village_counters.invalid + excluded.invalid`,
      )
    },
    addQuestionCounts,
    /** Add (+1) or remove (−1) one ballot's answers from the per-question counters. */
    bumpQuestionCounters(
      roundId: string,
      villageId: string,
      answers: Record<string, { satisfied: boolean }>,
      sign: 1 | -1,
      tx: Conn = db,
    ): Promise<void> {
      const counts = new Map(Object.entries(answers).map(([k, a]) => [k, { valid: sign, satisfied: a.satisfied ? sign : 0 }]))
      return addQuestionCounts(roundId, villageId, counts, tx)
    },

    /** The receipt and content hash of the ballot a link already submitted with this client key, if any. */
    async priorByClientKey(
      roundId: string,
      clientKey: string,
      tx: Conn = db,
    ): Promise<{ receipt: string; contentHash: string } | undefined> {
      const [prior] = await tx
        .select({ receipt: ballots.receipt, contentHash: ballots.contentHash })
        .from(ballots)
        .where(and(eq(ballots.roundId, roundId), eq(ballots.clientId, clientKey)))
      return prior
    },
    async insertPending(row: PendingRow, tx: Conn = db): Promise<void> {
      await tx.insert(pendingBallots).values(row)
    },
    /** The pending row of a round whose client key is any of `clientKeys` (its keyed hash, or a clear one of old). */
    async pendingByClientKey(roundId: string, clientKeys: string[], tx: Conn = db): Promise<PendingRow | undefined> {
      const [row] = await tx
        .select(pendingColumns)
        .from(pendingBallots)
        .where(and(eq(pendingBallots.roundId, roundId), inArray(pendingBallots.clientKey, clientKeys)))
      return row
    },
    /** The pending row whose receipt is any of `receipts` (its keyed hash, or a clear one of old). */
    async pendingByReceipt(receipts: string[], tx: Conn = db): Promise<PendingRow | undefined> {
      const [row] = await tx.select(pendingColumns).from(pendingBallots).where(inArray(pendingBallots.receipt, receipts))
      return row
    },
    /** A (round, village, channel) group's pending rows (random ids: no arrival order). */
    async pendingGroup(roundId: string, villageId: string, channel: Channel, tx: Conn = db): Promise<PendingRow[]> {
      return await tx
        .select(pendingColumns)
        .from(pendingBallots)
        .where(and(eq(pendingBallots.roundId, roundId), eq(pendingBallots.villageId, villageId), eq(pendingBallots.channel, channel)))
    },
    /**
     * Pending ballots per village and channel, counted without opening any (verification: participations =
     * ballots + pending per village and channel).
     */
    pendingCounts(roundId: string, tx: Conn = db): Promise<{ villageId: string; channel: Channel; n: number }[]> {
      return rawAll(
        tx,
        sql`SELECT village_id AS "villageId", channel, count(*)::int AS n FROM pending_ballots WHERE round_id = ${roundId}
          GROUP BY village_id, channel ORDER BY village_id, channel`,
      )
    },
    /** Groups of every round with at least `min` pending ballots. */
    groupsAtLeast(min: number, tx: Conn = db): Promise<{ roundId: string; villageId: string; channel: Channel; n: number }[]> {
      return rawAll(
        tx,
        sql`SELECT round_id AS "roundId", village_id AS "villageId", channel, count(*)::int AS n FROM pending_ballots
          GROUP BY round_id, village_id, channel HAVING count(*) >= ${min}`,
      )
    },
    async pendingGroupsOf(roundId: string, tx: Conn = db): Promise<{ villageId: string; channel: Channel }[]> {
      return await tx
        .selectDistinct({ villageId: pendingBallots.villageId, channel: pendingBallots.channel })
        .from(pendingBallots)
        .where(eq(pendingBallots.roundId, roundId))
    },
    /** Several pending rows in one statement (a landing batch: the WAL records the deletions in heap order). */
    /** Delete a batch's pending rows, in statements of at most 10,000 ids (a bind message holds 65,535 parameters). */
    async deletePendings(ids: string[], tx: Conn = db): Promise<void> {
      for (let i = 0; i < ids.length; i += 10_000)
        await tx.delete(pendingBallots).where(inArray(pendingBallots.id, ids.slice(i, i + 10_000)))
    },

    async byId(id: string, tx: Conn = db): Promise<BallotRow | undefined> {
      const [b] = await tx.select().from(ballots).where(eq(ballots.id, id))
      return b
    },
    /** Of a landing batch's receipts and client keys, those a landed ballot already carries (unique in ballots). */
    async landedAmong(
      roundId: string,
      batch: { receipt: string; clientKey: string | null }[],
      tx: Conn = db,
    ): Promise<{ receipt: string; clientId: string | null }[]> {
      const found: { receipt: string; clientId: string | null }[] = []
      for (let i = 0; i < batch.length; i += LANDED_CHUNK) {
        const part = batch.slice(i, i + LANDED_CHUNK)
        const clientKeys = part.flatMap((b) => (b.clientKey ? [b.clientKey] : []))
        const byClient = clientKeys.length > 0 ? and(eq(ballots.roundId, roundId), inArray(ballots.clientId, clientKeys)) : undefined
        found.push(
          ...(await tx
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
            )),
        )
      }
      return found
    },
    async byReceipt(receipt: string, tx: Conn = db): Promise<Pick<BallotRow, 'roundId' | 'day'> | undefined> {
      const [b] = await tx.select({ roundId: ballots.roundId, day: ballots.day }).from(ballots).where(eq(ballots.receipt, receipt))
      return b
    },
    async markInvalid(id: string, reason: string, tx: Conn = db): Promise<void> {
      await tx.update(ballots).set({ valid: false, invalidationReason: reason }).where(eq(ballots.id, id))
    },
    /** Delete a round's device fingerprints; how many ballots had one. */
    forgetFingerprints(roundId: string, tx: Conn = db): Promise<number> {
      return rawRun(tx, sql`UPDATE ballots SET device_fingerprint = NULL WHERE round_id = ${roundId} AND device_fingerprint IS NOT NULL`)
    },
    async ledgerRows(roundId: string, tx: Conn = db): Promise<LedgerRow[]> {
      return await tx.select().from(ledger).where(eq(ledger.roundId, roundId)).orderBy(asc(ledger.seq))
    },

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
