import { type Conn, first, isPostgres, loginThrottle, one, rawAll, users } from '@app/db'
import { asc, eq, inArray, lt, sql } from 'drizzle-orm'

export type UserRow = typeof users.$inferSelect

export function createUserRepo(db: Conn) {
  return {
    async findById(id: string, tx: Conn = db): Promise<UserRow | undefined> {
      return await first(tx.select().from(users).where(eq(users.id, id)))
    },
    async findByUsername(username: string): Promise<UserRow | undefined> {
      return await first(db.select().from(users).where(eq(users.username, username)))
    },
    async list(): Promise<UserRow[]> {
      return await db.select().from(users).orderBy(asc(users.username))
    },
    async insert(row: typeof users.$inferInsert, tx: Conn = db): Promise<UserRow> {
      return await one(tx.insert(users).values(row).returning())
    },
    async update(id: string, patch: Partial<typeof users.$inferInsert>, tx: Conn = db): Promise<UserRow | undefined> {
      return await first(tx.update(users).set(patch).where(eq(users.id, id)).returning())
    },
    /**
     * Count one login attempt against each key in a single upsert and return the counts. A counter whose
     * window started before `since` starts again at 1. Being one statement on one connection, no two
     * attempts can read the same count.
     */
    async countAttempt(keys: readonly string[], now: string, since: string): Promise<number[]> {
      const rows = await rawAll<{ key: string; count: number }>(
        db,
        sql`
        INSERT INTO login_throttle (key, window_start, count)
        VALUES ${sql.join(
          keys.map((k) => sql`(${k}, ${now}, 1)`),
          sql`, `,
        )}
        ON CONFLICT (key) DO UPDATE SET
          count = CASE WHEN login_throttle.window_start < ${since} THEN 1 ELSE login_throttle.count + 1 END,
          window_start = CASE WHEN login_throttle.window_start < ${since} THEN excluded.window_start ELSE login_throttle.window_start END
        RETURNING key, count`,
      )
      const byKey = new Map(rows.map((r) => [r.key, r.count]))
      return keys.map((k) => byKey.get(k) ?? 0)
    },
    /** Take an attempt back off the counters (it was refused unchecked, or it succeeded). */
    async uncountAttempt(keys: readonly string[]): Promise<void> {
      await db
        .update(loginThrottle)
        .set({ count: isPostgres(db) ? sql`greatest(${loginThrottle.count} - 1, 0)` : sql`max(${loginThrottle.count} - 1, 0)` })
        .where(inArray(loginThrottle.key, [...keys]))
    },
    async clearAttempts(key: string): Promise<void> {
      await db.delete(loginThrottle).where(eq(loginThrottle.key, key))
    },
    async pruneAttempts(before: string): Promise<void> {
      await db.delete(loginThrottle).where(lt(loginThrottle.windowStart, before))
    },
    /** Every token issued before this call stops working (users.token_version is in each token). */
    async bumpTokenVersion(id: string, tx: Conn = db): Promise<void> {
      await tx
        .update(users)
        .set({ tokenVersion: sql`${users.tokenVersion} + 1` })
        .where(eq(users.id, id))
    },
  }
}
