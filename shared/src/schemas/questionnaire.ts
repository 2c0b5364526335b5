import { z } from 'zod'
import { LegalBasis } from '../domain/rules.js'
import { Id, text } from './common.js'

export const QuestionKey = z
  .string()
  .min(1)
  .max(32)
  .regex(/^[a-z0-9_]+$/)

export const AnswerType = z.enum(['satisfaction', 'yes_no'])
export type AnswerType = z.infer<typeof AnswerType>

export const Question = z.object({
  key: QuestionKey,
  text: z.string().min(1).max(1000),
  criterionRef: z.string().max(32).nullable().optional(),
  isOverall: z.boolean(),
  /** How the question is answered: "Hài lòng / Không hài lòng" (default) or "Có / Không". */
  answerType: AnswerType.optional(),
  /** Which answer counts as favourable (stored as `satisfied: true`); default `yes` ("Hài lòng", "Có"). */
  favourable: z.enum(['yes', 'no']).optional(),
})
export type Question = z.infer<typeof Question>

/** A question as staff send it: the same shape, its texts well-formed. */
const QuestionIn = Question.extend({ text: text().min(1).max(1000), criterionRef: text().max(32).nullable().optional() })

export const Criterion = z.object({ ref: z.string(), name: z.string(), group: z.string().nullable() })
export type Criterion = z.infer<typeof Criterion>

export const CriteriaSet = z.object({
  id: Id,
  code: z.string(),
  version: z.number().int(),
  name: z.string(),
  legalBasis: z.string(),
  criteria: z.array(Criterion),
})
export type CriteriaSet = z.infer<typeof CriteriaSet>

/** Exactly one overall question, and it is last (HD 90: Q9 is the overall question). */
export const QuestionList = z
  .array(QuestionIn)
  .min(2)
  .max(60)
  .refine((qs) => qs.filter((q) => q.isOverall).length === 1, 'exactly one overall question')
  .refine((qs) => qs.at(-1)?.isOverall === true, 'the overall question comes last')
  .refine(
    (qs) => qs.every((q) => !q.isOverall || ((q.answerType ?? 'satisfaction') === 'satisfaction' && (q.favourable ?? 'yes') === 'yes')),
    'the overall question is always answered "hài lòng / không hài lòng"',
  )
  .refine((qs) => new Set(qs.map((q) => q.key)).size === qs.length, 'question keys must be unique')

const IsoDayStr = z.string().regex(/^\d{4}-\d{2}-\d{2}$/)
const Translations = z.record(
  z.string().regex(/^[a-z]{2,3}$/),
  z.object({ name: text().max(300).optional(), questions: z.record(QuestionKey, text().min(1).max(1000)) }),
)

export const QuestionnaireTemplate = z.object({
  id: Id,
  code: z.string(),
  version: z.number().int(),
  name: z.string(),
  criteriaSetId: Id.nullable(),
  /** Levels the form is made for (empty: any, for older custom templates). */
  levels: z.array(z.string()),
  legalBasis: LegalBasis.nullable(),
  periodFrom: z.string().nullable(),
  periodTo: z.string().nullable(),
  translations: z.record(z.string(), z.object({ name: z.string().optional(), questions: z.record(z.string(), z.string()) })),
  questions: z.array(Question),
})
export type QuestionnaireTemplate = z.infer<typeof QuestionnaireTemplate>

export const CreateCriteriaSetBody = z.object({
  code: z
    .string()
    .trim()
    .min(1)
    .max(32)
    .regex(/^[A-Za-z0-9_]+$/),
  name: text().trim().min(1).max(300),
  legalBasis: text().trim().min(1).max(300),
  criteria: z
    .array(z.object({ ref: text().trim().min(1).max(32), name: text().trim().min(1).max(300), group: text().max(200).nullable() }))
    .min(1)
    .max(200)
    .refine((cs) => new Set(cs.map((c) => c.ref)).size === cs.length, 'criterion refs must be unique'),
})
export type CreateCriteriaSetBody = z.infer<typeof CreateCriteriaSetBody>

export const CreateTemplateBody = z.object({
  code: z
    .string()
    .trim()
    .min(1)
    .max(32)
    .regex(/^[A-Za-z0-9_]+$/),
  name: text().trim().min(1).max(300),
  criteriaSetId: Id.nullable().optional(),
  provinceId: Id.nullable().optional(),
  levels: z.array(text().max(40)).max(10).optional(),
  /** The legal text the form comes from and the period it is made for (YYYY-MM-DD, inclusive). */
  legalBasis: LegalBasis.nullable().optional(),
  periodFrom: IsoDayStr.nullable().optional(),
  periodTo: IsoDayStr.nullable().optional(),
  /** The form's texts per language (data, offered by the resident page): { "km": { name, questions: { key: text } } }. */
  translations: Translations.optional(),
  questions: QuestionList,
})
export type CreateTemplateBody = z.infer<typeof CreateTemplateBody>

/** A recognition level with its configured default threshold and coverage floor (GET /api/levels). */
export const LevelDefaults = z.object({ key: z.string(), name: z.string(), thresholdBp: z.number().int(), coverageBp: z.number().int() })
export type LevelDefaults = z.infer<typeof LevelDefaults>
