import { auditLog, type Conn, first } from '@app/db'
import { and, asc, desc, eq, inArray } from 'drizzle-orm'

export type AuditRow = typeof auditLog.$inferSelect

export function createAuditRepo() {
  return {
    async last(tx: Conn): Promise<AuditRow | undefined> {
      return await first(tx.select().from(auditLog).orderBy(desc(auditLog.seq)).limit(1))
    },
    async insert(tx: Conn, row: typeof auditLog.$inferInsert): Promise<void> {
      await tx.insert(auditLog).values(row)
    },
    /** The entries about one target with one of `actions`, in chain order (audit_log_target_idx). */
    async byTarget(tx: Conn, targetType: string, targetId: string, actions: readonly string[]): Promise<AuditRow[]> {
      return await tx
        .select()
        .from(auditLog)
        .where(and(eq(auditLog.targetType, targetType), eq(auditLog.targetId, targetId), inArray(auditLog.action, [...actions])))
        .orderBy(asc(auditLog.seq))
    },
    async all(tx: Conn): Promise<AuditRow[]> {
      return await tx.select().from(auditLog).orderBy(asc(auditLog.seq))
    },
  }
}
