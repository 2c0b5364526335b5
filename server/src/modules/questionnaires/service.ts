import type { AppDb } from '@app/db'
import type { CreateCriteriaSetBody, CreateRuleSetBody, CreateTemplateBody, CriteriaSet, QuestionnaireTemplate, RuleSet } from '@app/shared'
import { badRequest, forbidden, notFound } from '../../lib/app-error.js'
import type { AuditService } from '../audit/service.js'
import { type Actor, assertRole } from '../policy.js'
import { createUnitRepo } from '../units/repo.js'
import { type CriteriaSetRow, createQuestionnaireRepo, type RuleSetRow, type TemplateRow } from './repo.js'

export function toTemplateDto(t: TemplateRow): QuestionnaireTemplate {
  return {
    id: t.id,
    code: t.code,
    version: t.version,
    name: t.name,
    criteriaSetId: t.criteriaSetId,
    levels: t.levels,
    legalBasis: t.legalBasis ?? null,
    periodFrom: t.periodFrom,
    periodTo: t.periodTo,
    translations: t.translations,
    questions: t.questions.map((q) => ({
      key: q.key,
      text: q.text,
      criterionRef: q.criterionRef ?? null,
      isOverall: q.isOverall,
      ...(q.answerType ? { answerType: q.answerType } : {}),
      ...(q.favourable ? { favourable: q.favourable } : {}),
    })),
  }
}

export function toCriteriaSetDto(c: CriteriaSetRow): CriteriaSet {
  return { id: c.id, code: c.code, version: c.version, name: c.name, legalBasis: c.legalBasis, criteria: c.criteria }
}

export function toRuleSetDto(r: RuleSetRow): RuleSet {
  return {
    id: r.id,
    code: r.code,
    version: r.version,
    name: r.name,
    legalBasis: r.legalBasis,
    levels: r.levels,
    bars: r.bars as RuleSet['bars'],
    provisional: r.provisional,
    note: r.note,
    provinceId: r.provinceId,
    createdAt: r.createdAt,
  }
}

/**
 * Criteria sets and questionnaire templates are versioned data: a change is a new version, never an
 * edit, so a round's snapshot always names what it asked.
 */
export function createQuestionnaireService(deps: { db: AppDb; audit: AuditService }) {
  const { db, audit } = deps
  const repo = createQuestionnaireRepo(db)
  const units = createUnitRepo(db)
  return {
    // the reads other modules make of the versioned templates, criteria and rule sets (rows, not DTOs)
    templates: repo.templates,
    templateById: repo.templateById,
    criteriaSetById: repo.criteriaSetById,
    ruleSets: repo.ruleSets,
    ruleSetById: repo.ruleSetById,
    async listTemplates(): Promise<QuestionnaireTemplate[]> {
      return (await repo.templates()).map(toTemplateDto)
    },
    async getTemplate(id: string): Promise<QuestionnaireTemplate> {
      const t = await repo.templateById(id)
      if (!t) throw notFound('questionnaire template')
      return toTemplateDto(t)
    },
    async listRuleSets(): Promise<RuleSet[]> {
      return (await repo.ruleSets()).map(toRuleSetDto)
    },
    async getRuleSet(id: string): Promise<RuleSet> {
      const r = await repo.ruleSetById(id)
      if (!r) throw notFound('rule set')
      return toRuleSetDto(r)
    },
    /**
     * A new rule set version (same code → version + 1). Admins add national or provincial ones; the
     * Front staff of a province add their province's (that is how a provisional number is confirmed).
     */
    async createRuleSet(actor: Actor | null, body: CreateRuleSetBody): Promise<RuleSet> {
      let provinceId = body.provinceId ?? null
      if (actor) {
        assertRole(actor, ['admin', 'front_staff'])
        if (actor.role === 'front_staff') {
          const own = await units.findById(actor.unitId)
          if (own?.kind !== 'province') throw forbidden('only the province Front staff or an admin adds rule sets')
          if (provinceId && provinceId !== own.id) throw forbidden('a province adds rule sets for itself only')
          provinceId = own.id
        }
      }
      if (provinceId && (await units.findById(provinceId))?.kind !== 'province')
        throw badRequest('validation_failed', 'provinceId is not a province', {
          issues: [{ path: 'provinceId', message: 'unknown province' }],
        })
      if (body.legalBasis.effectiveTo && body.legalBasis.effectiveTo < body.legalBasis.effectiveFrom)
        throw badRequest('validation_failed', 'effectiveTo is before effectiveFrom', {
          issues: [{ path: 'legalBasis.effectiveTo', message: 'before effectiveFrom' }],
        })
      return await db.transaction(async (tx) => {
        const version = (await repo.latestRuleSetVersion(body.code, tx)) + 1
        const row = await repo.insertRuleSet(
          {
            code: body.code,
            version,
            name: body.name,
            legalBasis: body.legalBasis,
            levels: body.levels,
            bars: body.bars,
            provisional: body.provisional || body.bars.some((b) => b.provisional === true),
            note: body.note,
            provinceId,
            createdBy: actor?.id ?? null,
          },
          tx,
        )
        await audit.record(tx, {
          actorId: actor?.id ?? null,
          action: 'rule_set.create',
          targetType: 'rule_set',
          targetId: row.id,
          data: { code: row.code, version, bars: body.bars },
        })
        return toRuleSetDto(row)
      })
    },
    async listCriteriaSets(): Promise<CriteriaSet[]> {
      return (await repo.criteriaSets()).map(toCriteriaSetDto)
    },
    async createCriteriaSet(actor: Actor | null, body: CreateCriteriaSetBody): Promise<CriteriaSet> {
      if (actor) assertRole(actor, ['admin'])
      return await db.transaction(async (tx) => {
        const version = (await repo.latestCriteriaSetVersion(body.code, tx)) + 1
        const row = await repo.insertCriteriaSet({ ...body, version }, tx)
        await audit.record(tx, {
          actorId: actor?.id ?? null,
          action: 'criteria_set.create',
          targetType: 'criteria_set',
          targetId: row.id,
          data: { code: row.code, version },
        })
        return toCriteriaSetDto(row)
      })
    },
    /** A new version of a template (same code → version + 1). Question refs must exist in the criteria set. */
    async createTemplate(actor: Actor | null, body: CreateTemplateBody): Promise<QuestionnaireTemplate> {
      if (actor) assertRole(actor, ['admin'])
      if (body.periodFrom && body.periodTo && body.periodTo < body.periodFrom)
        throw badRequest('validation_failed', 'periodTo is before periodFrom', {
          issues: [{ path: 'periodTo', message: 'before periodFrom' }],
        })
      return await db.transaction(async (tx) => {
        if (body.criteriaSetId) {
          const cs = await repo.criteriaSetById(body.criteriaSetId, tx)
          if (!cs) throw notFound('criteria set')
          const refs = new Set(cs.criteria.map((c) => c.ref))
          // a question may cover several criteria ("3,4,17": electricity, irrigation and clean water)
          const bad = body.questions.filter((q) => q.criterionRef?.split(',').some((ref) => !refs.has(ref.trim())))
          if (bad.length > 0) {
            throw badRequest('validation_failed', 'a question refers to a criterion that is not in the set', {
              issues: bad.map((q) => ({ path: `questions.${q.key}.criterionRef`, message: `unknown criterion ${q.criterionRef}` })),
            })
          }
        }
        if (body.provinceId && (await units.findById(body.provinceId, tx))?.kind !== 'province') {
          // checked here so an unknown id answers 400 instead of failing the foreign key with a 500
          throw badRequest('validation_failed', 'provinceId is not a province', {
            issues: [{ path: 'provinceId', message: 'unknown province' }],
          })
        }
        const version = (await repo.latestTemplateVersion(body.code, tx)) + 1
        const row = await repo.insertTemplate(
          {
            code: body.code,
            version,
            name: body.name,
            criteriaSetId: body.criteriaSetId ?? null,
            provinceId: body.provinceId ?? null,
            levels: body.levels ?? [],
            legalBasis: body.legalBasis ?? null,
            periodFrom: body.periodFrom ?? null,
            periodTo: body.periodTo ?? null,
            translations: body.translations ?? {},
            questions: body.questions.map((q) => ({
              key: q.key,
              text: q.text,
              criterionRef: q.criterionRef ?? null,
              isOverall: q.isOverall,
              ...(q.answerType ? { answerType: q.answerType } : {}),
              ...(q.favourable ? { favourable: q.favourable } : {}),
            })),
          },
          tx,
        )
        await audit.record(tx, {
          actorId: actor?.id ?? null,
          action: 'template.create',
          targetType: 'questionnaire_template',
          targetId: row.id,
          data: { code: row.code, version },
        })
        return toTemplateDto(row)
      })
    },
  }
}
export type QuestionnaireService = ReturnType<typeof createQuestionnaireService>
