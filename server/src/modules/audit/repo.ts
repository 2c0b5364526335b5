import { auditLog, type DbOrTx } from '@app/db'
import { asc, desc } from 'drizzle-orm'

export type AuditRow = typeof auditLog.$inferSelect

export function createAuditRepo() {
  return {
    last(tx: DbOrTx): AuditRow | undefined {
      return tx.select().from(auditLog).orderBy(desc(auditLog.seq)).limit(1).get()
    },
    insert(tx: DbOrTx, row: typeof auditLog.$inferInsert): void {
      tx.insert(auditLog).values(row).run()
    },
    all(tx: DbOrTx): AuditRow[] {
      return tx.select().from(auditLog).orderBy(asc(auditLog.seq)).all()
    },
  }
}
