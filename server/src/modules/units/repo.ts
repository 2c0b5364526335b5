import { type DbOrTx, households, units } from '@app/db'
import type { UnitKind } from '@app/shared'
import { and, eq, inArray, isNull, sql } from 'drizzle-orm'

export type UnitRow = typeof units.$inferSelect

export function createUnitRepo(db: DbOrTx) {
  return {
    findById(id: string, tx: DbOrTx = db): UnitRow | undefined {
      return tx.select().from(units).where(eq(units.id, id)).get()
    },
    findChildByCode(parentId: string | null, code: string, tx: DbOrTx = db): UnitRow | undefined {
      return tx
        .select()
        .from(units)
        .where(and(parentId ? eq(units.parentId, parentId) : isNull(units.parentId), eq(units.code, code)))
        .get()
    },
    /** Units of a kind with this code (codes are unique among siblings only, so there may be several). */
    findByCode(kind: UnitKind, code: string, tx: DbOrTx = db): UnitRow[] {
      return tx
        .select()
        .from(units)
        .where(and(eq(units.kind, kind), eq(units.code, code)))
        .all()
    },
    children(parentId: string, kind?: UnitKind, tx: DbOrTx = db): UnitRow[] {
      return tx
        .select()
        .from(units)
        .where(and(eq(units.parentId, parentId), kind ? eq(units.kind, kind) : undefined))
        .all()
    },
    /** All units of the subtree rooted at rootId (inclusive), or all units when rootId is null. */
    subtree(rootId: string | null, tx: DbOrTx = db): UnitRow[] {
      if (rootId === null) return tx.select().from(units).all()
      const ids = tx.all<{ id: string }>(sql`
        WITH RECURSIVE sub(id) AS (SELECT ${rootId} UNION ALL SELECT u.id FROM units u JOIN sub ON u.parent_id = sub.id)
        SELECT id FROM sub`)
      if (ids.length === 0) return []
      const set = new Set(ids.map((r) => r.id))
      return tx
        .select()
        .from(units)
        .all()
        .filter((u) => set.has(u.id))
    },
    /** Units whose successor is one of these (communes merged into them). */
    predecessorsOf(ids: string[], tx: DbOrTx = db): UnitRow[] {
      if (ids.length === 0) return []
      return tx.select().from(units).where(inArray(units.successorId, ids)).all()
    },
    /** Ids from the unit itself up to the root. */
    ancestorIds(id: string, tx: DbOrTx = db): string[] {
      return tx
        .all<{ id: string }>(sql`
        WITH RECURSIVE up(id, parent_id) AS (
          SELECT id, parent_id FROM units WHERE id = ${id}
          UNION ALL SELECT u.id, u.parent_id FROM units u JOIN up ON u.id = up.parent_id)
        SELECT id FROM up`)
        .map((r) => r.id)
    },
    /** Active households per village id. */
    activeHouseholdCounts(tx: DbOrTx = db): Map<string, number> {
      const rows = tx
        .select({ villageId: households.villageId, n: sql<number>`count(*)` })
        .from(households)
        .where(eq(households.active, true))
        .groupBy(households.villageId)
        .all()
      return new Map(rows.map((r) => [r.villageId, r.n]))
    },
    insert(row: typeof units.$inferInsert, tx: DbOrTx = db): UnitRow {
      return tx.insert(units).values(row).returning().get()
    },
    update(id: string, patch: Partial<typeof units.$inferInsert>, tx: DbOrTx = db): UnitRow | undefined {
      return tx.update(units).set(patch).where(eq(units.id, id)).returning().get()
    },
  }
}
export type UnitRepo = ReturnType<typeof createUnitRepo>
