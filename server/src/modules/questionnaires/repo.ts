import { criteriaSets, type DbOrTx, questionnaireTemplates, ruleSets } from '@app/db'
import { and, asc, desc, eq } from 'drizzle-orm'

export type TemplateRow = typeof questionnaireTemplates.$inferSelect
export type CriteriaSetRow = typeof criteriaSets.$inferSelect
export type RuleSetRow = typeof ruleSets.$inferSelect

export function createQuestionnaireRepo(db: DbOrTx) {
  return {
    templates(): TemplateRow[] {
      return db.select().from(questionnaireTemplates).orderBy(asc(questionnaireTemplates.code), desc(questionnaireTemplates.version)).all()
    },
    templateById(id: string, tx: DbOrTx = db): TemplateRow | undefined {
      return tx.select().from(questionnaireTemplates).where(eq(questionnaireTemplates.id, id)).get()
    },
    latestTemplateVersion(code: string, tx: DbOrTx = db): number {
      return (
        tx
          .select({ v: questionnaireTemplates.version })
          .from(questionnaireTemplates)
          .where(eq(questionnaireTemplates.code, code))
          .orderBy(desc(questionnaireTemplates.version))
          .limit(1)
          .get()?.v ?? 0
      )
    },
    insertTemplate(row: typeof questionnaireTemplates.$inferInsert, tx: DbOrTx = db): TemplateRow {
      return tx.insert(questionnaireTemplates).values(row).returning().get()
    },
    criteriaSets(): CriteriaSetRow[] {
      return db.select().from(criteriaSets).orderBy(asc(criteriaSets.code), desc(criteriaSets.version)).all()
    },
    criteriaSetById(id: string, tx: DbOrTx = db): CriteriaSetRow | undefined {
      return tx.select().from(criteriaSets).where(eq(criteriaSets.id, id)).get()
    },
    criteriaSetByCode(code: string, version: number, tx: DbOrTx = db): CriteriaSetRow | undefined {
      return tx
        .select()
        .from(criteriaSets)
        .where(and(eq(criteriaSets.code, code), eq(criteriaSets.version, version)))
        .get()
    },
    latestCriteriaSetVersion(code: string, tx: DbOrTx = db): number {
      return (
        tx
          .select({ v: criteriaSets.version })
          .from(criteriaSets)
          .where(eq(criteriaSets.code, code))
          .orderBy(desc(criteriaSets.version))
          .limit(1)
          .get()?.v ?? 0
      )
    },
    insertCriteriaSet(row: typeof criteriaSets.$inferInsert, tx: DbOrTx = db): CriteriaSetRow {
      return tx.insert(criteriaSets).values(row).returning().get()
    },
    ruleSets(): RuleSetRow[] {
      return db.select().from(ruleSets).orderBy(asc(ruleSets.code), desc(ruleSets.version)).all()
    },
    ruleSetById(id: string, tx: DbOrTx = db): RuleSetRow | undefined {
      return tx.select().from(ruleSets).where(eq(ruleSets.id, id)).get()
    },
    latestRuleSetVersion(code: string, tx: DbOrTx = db): number {
      return (
        tx.select({ v: ruleSets.version }).from(ruleSets).where(eq(ruleSets.code, code)).orderBy(desc(ruleSets.version)).limit(1).get()
          ?.v ?? 0
      )
    },
    insertRuleSet(row: typeof ruleSets.$inferInsert, tx: DbOrTx = db): RuleSetRow {
      return tx.insert(ruleSets).values(row).returning().get()
    },
  }
}
