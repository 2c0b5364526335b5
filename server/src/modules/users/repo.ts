import { type DbOrTx, loginThrottle, users } from '@app/db'
import { asc, eq, inArray, lt, sql } from 'drizzle-orm'

export type UserRow = typeof users.$inferSelect

export function createUserRepo(db: DbOrTx) {
  return {
    findById(id: string, tx: DbOrTx = db): UserRow | undefined {
      return tx.select().from(users).where(eq(users.id, id)).get()
    },
    findByUsername(username: string): UserRow | undefined {
      return db.select().from(users).where(eq(users.username, username)).get()
    },
    list(): UserRow[] {
      return db.select().from(users).orderBy(asc(users.username)).all()
    },
    insert(row: typeof users.$inferInsert, tx: DbOrTx = db): UserRow {
      return tx.insert(users).values(row).returning().get()
    },
    update(id: string, patch: Partial<typeof users.$inferInsert>, tx: DbOrTx = db): UserRow | undefined {
      return tx.update(users).set(patch).where(eq(users.id, id)).returning().get()
    },
    /**
     * Count one login attempt against each key in a single upsert and return the counts. A counter whose
     * window started before `since` starts again at 1. Being one statement on one connection, no two
     * attempts can read the same count.
     */
    countAttempt(keys: readonly string[], now: string, since: string): number[] {
      const rows = db.all<{ key: string; count: number }>(sql`
        INSERT INTO login_throttle (key, window_start, count)
        VALUES ${sql.join(
          keys.map((k) => sql`(${k}, ${now}, 1)`),
          sql`, `,
        )}
        ON CONFLICT (key) DO UPDATE SET
          count = CASE WHEN login_throttle.window_start < ${since} THEN 1 ELSE login_throttle.count + 1 END,
          window_start = CASE WHEN login_throttle.window_start < ${since} THEN excluded.window_start ELSE login_throttle.window_start END
        RETURNING key, count`)
      const byKey = new Map(rows.map((r) => [r.key, r.count]))
      return keys.map((k) => byKey.get(k) ?? 0)
    },
    /** Take an attempt back off the counters (it was refused unchecked, or it succeeded). */
    uncountAttempt(keys: readonly string[]): void {
      db.update(loginThrottle)
        .set({ count: sql`max(${loginThrottle.count} - 1, 0)` })
        .where(inArray(loginThrottle.key, [...keys]))
        .run()
    },
    clearAttempts(key: string): void {
      db.delete(loginThrottle).where(eq(loginThrottle.key, key)).run()
    },
    pruneAttempts(before: string): void {
      db.delete(loginThrottle).where(lt(loginThrottle.windowStart, before)).run()
    },
    /** Every token issued before this call stops working (users.token_version is in each token). */
    bumpTokenVersion(id: string, tx: DbOrTx = db): void {
      tx.update(users)
        .set({ tokenVersion: sql`${users.tokenVersion} + 1` })
        .where(eq(users.id, id))
        .run()
    },
  }
}
