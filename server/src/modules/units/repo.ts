import { type Conn, first, households, insertionOrder, one, rawAll, units } from '@app/db'
import type { UnitKind } from '@app/shared'
import { and, eq, inArray, isNull, sql } from 'drizzle-orm'

export type UnitRow = typeof units.$inferSelect

export function createUnitRepo(db: Conn) {
  return {
    async findById(id: string, tx: Conn = db): Promise<UnitRow | undefined> {
      return await first(tx.select().from(units).where(eq(units.id, id)))
    },
    async findChildByCode(parentId: string | null, code: string, tx: Conn = db): Promise<UnitRow | undefined> {
      return await first(
        tx
          .select()
          .from(units)
          .where(and(parentId ? eq(units.parentId, parentId) : isNull(units.parentId), eq(units.code, code))),
      )
    },
    /** Units of a kind with this code (codes are unique among siblings only, so there may be several). */
    async findByCode(kind: UnitKind, code: string, tx: Conn = db): Promise<UnitRow[]> {
      return await tx
        .select()
        .from(units)
        .where(and(eq(units.kind, kind), eq(units.code, code)))
    },
    /** In the order they were created (SQLite's scan gives that by itself; PostgreSQL's heap order need not). */
    async children(parentId: string, kind?: UnitKind, tx: Conn = db): Promise<UnitRow[]> {
      return await tx
        .select()
        .from(units)
        .where(and(eq(units.parentId, parentId), kind ? eq(units.kind, kind) : undefined))
        .orderBy(...insertionOrder(tx, units))
    },
    /** All units of the subtree rooted at rootId (inclusive), or all units when rootId is null. */
    async subtree(rootId: string | null, tx: Conn = db): Promise<UnitRow[]> {
      if (rootId === null) return await tx.select().from(units)
      const ids = await rawAll<{ id: string }>(
        tx,
        sql`
        WITH RECURSIVE sub(id) AS (SELECT CAST(${rootId} AS TEXT) UNION ALL SELECT u.id FROM units u JOIN sub ON u.parent_id = sub.id)
        SELECT id FROM sub`,
      )
      if (ids.length === 0) return []
      const set = new Set(ids.map((r) => r.id))
      return (await tx.select().from(units)).filter((u) => set.has(u.id))
    },
    /** Units whose successor is one of these (communes merged into them). */
    async predecessorsOf(ids: string[], tx: Conn = db): Promise<UnitRow[]> {
      if (ids.length === 0) return []
      return await tx.select().from(units).where(inArray(units.successorId, ids))
    },
    /** Ids from the unit itself up to the root. */
    async ancestorIds(id: string, tx: Conn = db): Promise<string[]> {
      return (
        await rawAll<{ id: string }>(
          tx,
          sql`
        WITH RECURSIVE up(id, parent_id) AS (
          SELECT id, parent_id FROM units WHERE id = ${id}
          UNION ALL SELECT u.id, u.parent_id FROM units u JOIN up ON u.id = up.parent_id)
        SELECT id FROM up`,
        )
      ).map((r) => r.id)
    },
    /** Active households per village id. */
    async activeHouseholdCounts(tx: Conn = db): Promise<Map<string, number>> {
      const rows = await tx
        .select({ villageId: households.villageId, n: sql<number>`count(*)` })
        .from(households)
        .where(eq(households.active, true))
        .groupBy(households.villageId)
      return new Map(rows.map((r) => [r.villageId, r.n]))
    },
    async insert(row: typeof units.$inferInsert, tx: Conn = db): Promise<UnitRow> {
      return await one(tx.insert(units).values(row).returning())
    },
    async update(id: string, patch: Partial<typeof units.$inferInsert>, tx: Conn = db): Promise<UnitRow | undefined> {
      return await first(tx.update(units).set(patch).where(eq(units.id, id)).returning())
    },
  }
}
export type UnitRepo = ReturnType<typeof createUnitRepo>
