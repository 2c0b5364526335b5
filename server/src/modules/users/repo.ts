import { type DbOrTx, loginAttempts, users } from '@app/db'
import { and, asc, count, eq, gte, lt } from 'drizzle-orm'

export type UserRow = typeof users.$inferSelect

export function createUserRepo(db: DbOrTx) {
  return {
    findById(id: string): UserRow | undefined {
      return db.select().from(users).where(eq(users.id, id)).get()
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
    recordFailure(username: string, ip: string, at: string): void {
      db.insert(loginAttempts).values({ username, ip, at }).run()
    },
    failuresSince(username: string, ip: string, since: string): number {
      return (
        db
          .select({ n: count() })
          .from(loginAttempts)
          .where(and(eq(loginAttempts.username, username), eq(loginAttempts.ip, ip), gte(loginAttempts.at, since)))
          .get()?.n ?? 0
      )
    },
    ipFailuresSince(ip: string, since: string): number {
      return (
        db
          .select({ n: count() })
          .from(loginAttempts)
          .where(and(eq(loginAttempts.ip, ip), gte(loginAttempts.at, since)))
          .get()?.n ?? 0
      )
    },
    clearFailures(username: string, ip: string): void {
      db.delete(loginAttempts)
        .where(and(eq(loginAttempts.username, username), eq(loginAttempts.ip, ip)))
        .run()
    },
    pruneFailures(before: string): void {
      db.delete(loginAttempts).where(lt(loginAttempts.at, before)).run()
    },
  }
}
