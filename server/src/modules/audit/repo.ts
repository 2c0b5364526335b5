import { auditLog, type DbOrTx } from '@app/db'
import { and, asc, desc, eq, inArray } from 'drizzle-orm'

export type AuditRow = typeof auditLog.$inferSelect

export function createAuditRepo() {
  return {
    last(tx: DbOrTx): AuditRow | undefined {
      return tx.select().from(auditLog).orderBy(desc(auditLog.seq)).limit(1).get()
    },
    insert(tx: DbOrTx, row: typeof auditLog.$inferInsert): void {
      tx.insert(auditLog).values(row).run()
    },
    /** The entries about one target with one of `actions`, in chain order (audit_log_target_idx). */
    byTarget(tx: DbOrTx, targetType: string, targetId: string, actions: readonly string[]): AuditRow[] {
      return tx
        .select()
        .from(auditLog)
        .where(and(eq(auditLog.targetType, targetType), eq(auditLog.targetId, targetId), inArray(auditLog.action, [...actions])))
        .orderBy(asc(auditLog.seq))
        .all()
    },
    all(tx: DbOrTx): AuditRow[] {
      return tx.select().from(auditLog).orderBy(asc(auditLog.seq)).all()
    },
  }
}
