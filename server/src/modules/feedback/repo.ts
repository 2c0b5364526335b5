import { type Conn, feedback, first, rawAll } from '@app/db'
import { and, asc, eq, isNull, type SQL, sql } from 'drizzle-orm'

export type FeedbackRow = typeof feedback.$inferSelect

export interface FeedbackFilter {
  status?: FeedbackRow['status'] | undefined
  /** A question key, or 'comment' for the free comments (no question). */
  questionKey?: string | undefined
  kind?: FeedbackRow['kind'] | undefined
}

export function createFeedbackRepo(db: Conn) {
  function where(roundId: string, f: FeedbackFilter): SQL | undefined {
    return and(
      eq(feedback.roundId, roundId),
      f.status ? eq(feedback.status, f.status) : undefined,
      f.kind ? eq(feedback.kind, f.kind) : undefined,
      f.questionKey === 'comment' ? isNull(feedback.questionKey) : f.questionKey ? eq(feedback.questionKey, f.questionKey) : undefined,
    )
  }
  return {
    /**
     * One page of a round's feedback. Ordered by question then text, never by time: the insertion
     * time would date the ballot it came from.
     */
    async list(roundId: string, f: FeedbackFilter, page: { page: number; limit: number }, tx: Conn = db) {
      const items = await tx
        .select()
        .from(feedback)
        .where(where(roundId, f))
        .orderBy(asc(feedback.kind), asc(feedback.questionKey), asc(feedback.text), asc(feedback.id))
        .limit(page.limit)
        .offset((page.page - 1) * page.limit)
      const total = (await first(tx.select({ n: sql<number>`CAST(count(*) AS INTEGER)` }).from(feedback).where(where(roundId, f))))?.n ?? 0
      return { items, total }
    },
    async findById(id: string, tx: Conn = db): Promise<FeedbackRow | undefined> {
      return await first(tx.select().from(feedback).where(eq(feedback.id, id)))
    },
    async update(
      id: string,
      patch: Partial<Pick<FeedbackRow, 'status' | 'assigneeAgency' | 'followUp'>>,
      tx: Conn = db,
    ): Promise<FeedbackRow> {
      const row = await first(tx.update(feedback).set(patch).where(eq(feedback.id, id)).returning())
      if (!row) throw new Error(`feedback ${id} vanished`)
      return row
    },
    /** Counts per (kind, question, status): O(questions × 3) rows. */
    async counts(roundId: string, tx: Conn = db) {
      return await tx
        .select({
          kind: feedback.kind,
          questionKey: feedback.questionKey,
          status: feedback.status,
          n: sql<number>`CAST(count(*) AS INTEGER)`,
        })
        .from(feedback)
        .where(eq(feedback.roundId, roundId))
        .groupBy(feedback.kind, feedback.questionKey, feedback.status)
    },
    /**
     * The most frequent texts per question (reasons) or of the comments, at most `perGroup` each,
     * with how often each text occurs. For the minutes.
     */
    async topTexts(roundId: string, kind: FeedbackRow['kind'], perGroup: number, tx: Conn = db) {
      return await rawAll<{ questionKey: string | null; text: string; n: number }>(
        tx,
        sql`
        SELECT question_key AS "questionKey", text, n FROM (
          SELECT question_key, text, CAST(count(*) AS INTEGER) AS n,
                 ROW_NUMBER() OVER (PARTITION BY question_key ORDER BY count(*) DESC, text) AS rn
          FROM feedback WHERE round_id = ${roundId} AND kind = ${kind}
          GROUP BY question_key, text) AS t
        WHERE rn <= ${perGroup}
        ORDER BY question_key, n DESC, text`,
      )
    },
  }
}
export type FeedbackRepo = ReturnType<typeof createFeedbackRepo>
