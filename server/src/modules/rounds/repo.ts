import { type Conn, collectorAssignments, first, isPostgres, one, rawAll, rounds, users } from '@app/db'
import { and, desc, eq, inArray, lte, sql } from 'drizzle-orm'

export type RoundRow = typeof rounds.$inferSelect
export type RoundWindow = Pick<RoundRow, 'status' | 'opensAt' | 'closesAt'>

export function createRoundRepo(db: Conn) {
  // read on every resident request: on SQLite compiled once per connection (building the query costs ~50 times
  // running it); a transaction of the same connection runs it inside itself (the write lock sees to that)
  const byId = isPostgres(db)
    ? undefined
    : db
        .select()
        .from(rounds)
        .where(eq(rounds.id, sql.placeholder('id')))
        .prepare()
  return {
    async findById(id: string, tx: Conn = db): Promise<RoundRow | undefined> {
      if (byId) return await byId.get({ id })
      return await first(tx.select().from(rounds).where(eq(rounds.id, id)))
    },
    /**
     * Take the round's row for a status transition, inside `tx`. PostgreSQL: a row lock (NO KEY, so the foreign-key
     * checks of ballots accepted meanwhile are not held up); SQLite's write lock already serialises transactions.
     */
    async lockForTransition(id: string, tx: Conn): Promise<void> {
      if (isPostgres(tx)) await rawAll(tx, sql`SELECT id FROM rounds WHERE id = ${id} FOR NO KEY UPDATE`)
    },
    /** Just what decides whether a round takes ballots now. */
    async windowOf(id: string, tx: Conn = db): Promise<RoundWindow | undefined> {
      return await first(
        tx.select({ status: rounds.status, opensAt: rounds.opensAt, closesAt: rounds.closesAt }).from(rounds).where(eq(rounds.id, id)),
      )
    },
    async list(filter: { communeIds?: string[]; status?: RoundRow['status'] }): Promise<RoundRow[]> {
      if (filter.communeIds && filter.communeIds.length === 0) return []
      return await db
        .select()
        .from(rounds)
        .where(
          and(
            filter.communeIds ? inArray(rounds.communeId, filter.communeIds) : undefined,
            filter.status ? eq(rounds.status, filter.status) : undefined,
          ),
        )
        .orderBy(desc(rounds.createdAt))
        .limit(500)
    },
    async insert(row: typeof rounds.$inferInsert, tx: Conn = db): Promise<RoundRow> {
      return await one(tx.insert(rounds).values(row).returning())
    },
    async update(id: string, patch: Partial<typeof rounds.$inferInsert>, tx: Conn = db): Promise<RoundRow> {
      const row = await first(tx.update(rounds).set(patch).where(eq(rounds.id, id)).returning())
      if (!row) throw new Error(`round ${id} vanished`)
      return row
    },
    /** Open rounds whose window has ended. */
    async expiredOpen(nowIso: string, tx: Conn = db): Promise<RoundRow[]> {
      return await tx
        .select()
        .from(rounds)
        .where(and(eq(rounds.status, 'open'), lte(rounds.closesAt, nowIso)))
    },
    async assignCollector(roundId: string, userId: string, villageIds: string[], tx: Conn = db): Promise<void> {
      await tx.delete(collectorAssignments).where(and(eq(collectorAssignments.roundId, roundId), eq(collectorAssignments.userId, userId)))
      if (villageIds.length > 0)
        await tx.insert(collectorAssignments).values(villageIds.map((villageId) => ({ roundId, userId, villageId })))
    },
    async collectorVillages(roundId: string, userId: string, tx: Conn = db): Promise<string[]> {
      return (
        await tx
          .select({ v: collectorAssignments.villageId })
          .from(collectorAssignments)
          .where(and(eq(collectorAssignments.roundId, roundId), eq(collectorAssignments.userId, userId)))
      ).map((r) => r.v)
    },
    /** Every collector assignment of a round, with the collector's username. */
    async assignments(roundId: string, tx: Conn = db): Promise<{ userId: string; username: string; villageId: string }[]> {
      return await tx
        .select({ userId: collectorAssignments.userId, username: users.username, villageId: collectorAssignments.villageId })
        .from(collectorAssignments)
        .innerJoin(users, eq(users.id, collectorAssignments.userId))
        .where(eq(collectorAssignments.roundId, roundId))
    },
    async userById(id: string, tx: Conn = db) {
      return await first(
        tx.select({ id: users.id, role: users.role, unitId: users.unitId, disabled: users.disabled }).from(users).where(eq(users.id, id)),
      )
    },
    async collectorRoundIds(userId: string): Promise<string[]> {
      return [
        ...new Set(
          (
            await db.select({ r: collectorAssignments.roundId }).from(collectorAssignments).where(eq(collectorAssignments.userId, userId))
          ).map((r) => r.r),
        ),
      ]
    },
  }
}
export type RoundRepo = ReturnType<typeof createRoundRepo>
