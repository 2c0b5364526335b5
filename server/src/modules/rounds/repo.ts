import { collectorAssignments, type Db, type DbOrTx, rounds, users } from '@app/db'
import { and, desc, eq, inArray, lte, sql } from 'drizzle-orm'

export type RoundRow = typeof rounds.$inferSelect
export type RoundWindow = Pick<RoundRow, 'status' | 'opensAt' | 'closesAt'>

export function createRoundRepo(db: DbOrTx) {
  // read on every resident request: compiled once per connection (a transaction of the same Db shares it)
  const byId = db
    .select()
    .from(rounds)
    .where(eq(rounds.id, sql.placeholder('id')))
    .prepare()
  const sqlite = (db as Db).$client
  let windowStmt: ReturnType<typeof sqlite.prepare<[string], RoundWindow>> | undefined
  return {
    findById(id: string, _tx?: DbOrTx): RoundRow | undefined {
      return byId.get({ id })
    },
    /** Just what decides whether a round takes ballots now: re-read inside every ballot write. */
    windowOf(id: string): RoundWindow | undefined {
      windowStmt ??= sqlite.prepare('SELECT status, opens_at AS opensAt, closes_at AS closesAt FROM rounds WHERE id = ?')
      return windowStmt.get(id)
    },
    list(filter: { communeIds?: string[]; status?: RoundRow['status'] }): RoundRow[] {
      if (filter.communeIds && filter.communeIds.length === 0) return []
      return db
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
        .all()
    },
    insert(row: typeof rounds.$inferInsert, tx: DbOrTx = db): RoundRow {
      return tx.insert(rounds).values(row).returning().get()
    },
    update(id: string, patch: Partial<typeof rounds.$inferInsert>, tx: DbOrTx = db): RoundRow {
      const row = tx.update(rounds).set(patch).where(eq(rounds.id, id)).returning().get()
      if (!row) throw new Error(`round ${id} vanished`)
      return row
    },
    /** Open rounds whose window has ended. */
    expiredOpen(nowIso: string, tx: DbOrTx = db): RoundRow[] {
      return tx
        .select()
        .from(rounds)
        .where(and(eq(rounds.status, 'open'), lte(rounds.closesAt, nowIso)))
        .all()
    },
    assignCollector(roundId: string, userId: string, villageIds: string[], tx: DbOrTx = db): void {
      tx.delete(collectorAssignments)
        .where(and(eq(collectorAssignments.roundId, roundId), eq(collectorAssignments.userId, userId)))
        .run()
      if (villageIds.length > 0)
        tx.insert(collectorAssignments)
          .values(villageIds.map((villageId) => ({ roundId, userId, villageId })))
          .run()
    },
    collectorVillages(roundId: string, userId: string, tx: DbOrTx = db): string[] {
      return tx
        .select({ v: collectorAssignments.villageId })
        .from(collectorAssignments)
        .where(and(eq(collectorAssignments.roundId, roundId), eq(collectorAssignments.userId, userId)))
        .all()
        .map((r) => r.v)
    },
    /** Every collector assignment of a round, with the collector's username. */
    assignments(roundId: string, tx: DbOrTx = db): { userId: string; username: string; villageId: string }[] {
      return tx
        .select({ userId: collectorAssignments.userId, username: users.username, villageId: collectorAssignments.villageId })
        .from(collectorAssignments)
        .innerJoin(users, eq(users.id, collectorAssignments.userId))
        .where(eq(collectorAssignments.roundId, roundId))
        .all()
    },
    userById(id: string, tx: DbOrTx = db) {
      return tx
        .select({ id: users.id, role: users.role, unitId: users.unitId, disabled: users.disabled })
        .from(users)
        .where(eq(users.id, id))
        .get()
    },
    collectorRoundIds(userId: string): string[] {
      return [
        ...new Set(
          db
            .select({ r: collectorAssignments.roundId })
            .from(collectorAssignments)
            .where(eq(collectorAssignments.userId, userId))
            .all()
            .map((r) => r.r),
        ),
      ]
    },
  }
}
export type RoundRepo = ReturnType<typeof createRoundRepo>
