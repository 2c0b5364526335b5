import { type Conn, criteriaSets, first, one, questionnaireTemplates, ruleSets } from '@app/db'
import { and, asc, desc, eq } from 'drizzle-orm'

export type TemplateRow = typeof questionnaireTemplates.$inferSelect
export type CriteriaSetRow = typeof criteriaSets.$inferSelect
export type RuleSetRow = typeof ruleSets.$inferSelect

export function createQuestionnaireRepo(db: Conn) {
  return {
    async templates(): Promise<TemplateRow[]> {
      return await db.select().from(questionnaireTemplates).orderBy(asc(questionnaireTemplates.code), desc(questionnaireTemplates.version))
    },
    async templateById(id: string, tx: Conn = db): Promise<TemplateRow | undefined> {
      return await first(tx.select().from(questionnaireTemplates).where(eq(questionnaireTemplates.id, id)))
    },
    async latestTemplateVersion(code: string, tx: Conn = db): Promise<number> {
      return (
        (
          await first(
            tx
              .select({ v: questionnaireTemplates.version })
              .from(questionnaireTemplates)
              .where(eq(questionnaireTemplates.code, code))
              .orderBy(desc(questionnaireTemplates.version))
              .limit(1),
          )
        )?.v ?? 0
      )
    },
    async insertTemplate(row: typeof questionnaireTemplates.$inferInsert, tx: Conn = db): Promise<TemplateRow> {
      return await one(tx.insert(questionnaireTemplates).values(row).returning())
    },
    async criteriaSets(): Promise<CriteriaSetRow[]> {
      return await db.select().from(criteriaSets).orderBy(asc(criteriaSets.code), desc(criteriaSets.version))
    },
    async criteriaSetById(id: string, tx: Conn = db): Promise<CriteriaSetRow | undefined> {
      return await first(tx.select().from(criteriaSets).where(eq(criteriaSets.id, id)))
    },
    async criteriaSetByCode(code: string, version: number, tx: Conn = db): Promise<CriteriaSetRow | undefined> {
      return await first(
        tx
          .select()
          .from(criteriaSets)
          .where(and(eq(criteriaSets.code, code), eq(criteriaSets.version, version))),
      )
    },
    async latestCriteriaSetVersion(code: string, tx: Conn = db): Promise<number> {
      return (
        (
          await first(
            tx
              .select({ v: criteriaSets.version })
              .from(criteriaSets)
              .where(eq(criteriaSets.code, code))
              .orderBy(desc(criteriaSets.version))
              .limit(1),
          )
        )?.v ?? 0
      )
    },
    async insertCriteriaSet(row: typeof criteriaSets.$inferInsert, tx: Conn = db): Promise<CriteriaSetRow> {
      return await one(tx.insert(criteriaSets).values(row).returning())
    },
    async ruleSets(): Promise<RuleSetRow[]> {
      return await db.select().from(ruleSets).orderBy(asc(ruleSets.code), desc(ruleSets.version))
    },
    async ruleSetById(id: string, tx: Conn = db): Promise<RuleSetRow | undefined> {
      return await first(tx.select().from(ruleSets).where(eq(ruleSets.id, id)))
    },
    async latestRuleSetVersion(code: string, tx: Conn = db): Promise<number> {
      return (
        (
          await first(
            tx.select({ v: ruleSets.version }).from(ruleSets).where(eq(ruleSets.code, code)).orderBy(desc(ruleSets.version)).limit(1),
          )
        )?.v ?? 0
      )
    },
    async insertRuleSet(row: typeof ruleSets.$inferInsert, tx: Conn = db): Promise<RuleSetRow> {
      return await one(tx.insert(ruleSets).values(row).returning())
    },
  }
}
