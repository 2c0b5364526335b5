/**
 * Rule sets as data: which bars a survey result must clear to "đạt", with the legal text they come
 * from. Published plans combine different bars (a coverage floor per village or per commune, the
 * overall question, the average of the content questions, every content question, every question in
 * every village), so a rule set is a list of bars, each an integer number of basis points compared
 * inclusively ("từ … % trở lên") in integer arithmetic. Pure: no I/O, no clock.
 */
import { z } from 'zod'
import { text } from '../schemas/common.js'

export const BarKind = z.enum(['coverage', 'overall', 'content_average', 'every_content', 'every_question_per_village'])
export type BarKind = z.infer<typeof BarKind>

const Bp = z.number().int().min(0).max(10_000)

/** A number not found in a published source is shipped `provisional` until the province confirms it. */
const barBase = { minBp: Bp, provisional: z.boolean().optional() }

export const Bar = z.discriminatedUnion('kind', [
  /** Households that took part ÷ households in the frame, in every village or on the commune total. */
  z.object({ kind: z.literal('coverage'), scope: z.enum(['village', 'commune']), ...barBase }),
  /** Favourable ÷ valid answers to the overall question, commune total. */
  z.object({ kind: z.literal('overall'), ...barBase }),
  /** The mean of the content questions' rates (each favourable ÷ valid answers to that question). */
  z.object({ kind: z.literal('content_average'), ...barBase }),
  /** Each content question's rate on the commune total. */
  z.object({ kind: z.literal('every_content'), ...barBase }),
  /** Each question (content and overall) in each village. */
  z.object({ kind: z.literal('every_question_per_village'), ...barBase }),
])
export type Bar = z.infer<typeof Bar>

const IsoDay = z.string().regex(/^\d{4}-\d{2}-\d{2}$/)

export const LegalBasis = z.object({
  /** The citation as printed: "Hướng dẫn số 90/HD-MTTW-BTT ngày 20/9/2022 của Ban Thường trực UBTW MTTQ Việt Nam". */
  text: text().trim().min(1).max(500),
  /** The document number: "90/HD-MTTW-BTT". */
  number: text().trim().min(1).max(100),
  /** The document's date. */
  date: IsoDay,
  effectiveFrom: IsoDay,
  effectiveTo: IsoDay.nullable(),
})
export type LegalBasis = z.infer<typeof LegalBasis>

export const RuleSetBody = z.object({
  code: z
    .string()
    .trim()
    .min(1)
    .max(40)
    .regex(/^[A-Za-z0-9_]+$/),
  name: text().trim().min(1).max(300),
  legalBasis: LegalBasis,
  /** Levels it applies to (`xa_ntm`, …); at least one. */
  levels: z
    .array(z.string().regex(/^[a-z_]{2,40}$/))
    .min(1)
    .max(20),
  bars: z
    .array(Bar)
    .min(1)
    .max(10)
    .refine((bs) => new Set(bs.map((b) => (b.kind === 'coverage' ? `coverage_${b.scope}` : b.kind))).size === bs.length, 'each bar once'),
  /**
   * Numbers not found in a published source: printed "theo hướng dẫn của tỉnh — cần xác nhận" until
   * the province confirms them.
   */
  provisional: z.boolean().default(false),
  /** Where each number comes from, for people (DOMAIN.md-style citation). */
  note: text().max(2000).nullable().default(null),
})
export type RuleSetBody = z.infer<typeof RuleSetBody>

export const CreateRuleSetBody = RuleSetBody.extend({ provinceId: z.string().min(1).max(64).nullable().optional() })
export type CreateRuleSetBody = z.infer<typeof CreateRuleSetBody>

export const RuleSet = RuleSetBody.extend({
  id: z.string(),
  version: z.number().int(),
  provinceId: z.string().nullable(),
  createdAt: z.string(),
})
export type RuleSet = z.infer<typeof RuleSet>

/** What a round freezes of its rule set when it is created (later edits never reach it). */
export const RuleSetSnapshot = RuleSetBody.extend({ id: z.string().nullable(), version: z.number().int() })
export type RuleSetSnapshot = z.infer<typeof RuleSetSnapshot>

export const BarFailureSchema = z.object({
  unitId: z.string().nullable(),
  unitName: z.string().nullable(),
  questionKey: z.string().nullable(),
  num: z.number().int(),
  den: z.number().int(),
})
export const RuleEvaluationSchema = z.object({
  verdict: z.enum(['meets', 'below_threshold', 'insufficient_coverage', 'no_data']),
  bars: z.array(
    z.object({ bar: Bar, met: z.boolean(), valueHundredths: z.number().int().nullable(), failures: z.array(BarFailureSchema) }),
  ),
  failed: z.array(BarKind),
})

/** The rule set a tally was judged by, as the tally JSON (and so the sealed result) carries it. */
export const TallyRules = z.object({
  ruleSet: z
    .object({
      id: z.string().nullable(),
      code: z.string(),
      version: z.number().int(),
      name: z.string(),
      legalBasis: LegalBasis,
      provisional: z.boolean(),
    })
    .nullable(),
  evaluation: RuleEvaluationSchema,
})
export type TallyRules = z.infer<typeof TallyRules>

export const PROVISIONAL_MARK_VI = 'theo hướng dẫn của tỉnh — cần xác nhận'

/** Favourable and valid answers to one question in one unit. */
export interface AnswerCount {
  valid: number
  favourable: number
}

export interface UnitCounts {
  id: string
  name: string
  households: number
  participated: number
  /** Per question key. */
  answers: Record<string, AnswerCount>
}

export interface RuleInput {
  questions: { key: string; isOverall: boolean }[]
  commune: UnitCounts
  villages: UnitCounts[]
}

/** One check that failed: the unit (village) and question it concerns, and its exact numbers. */
export interface BarFailure {
  unitId: string | null
  unitName: string | null
  questionKey: string | null
  num: number
  den: number
}

export interface BarResult {
  bar: Bar
  met: boolean
  /**
   * The figure compared with the bar, in hundredths of a percent rounded half up (9997 = 99,97 %):
   * commune coverage / overall rate / content average; the lowest figure for the "every …" bars.
   * Null when nothing could be computed.
   */
  valueHundredths: number | null
  failures: BarFailure[]
}

export type RuleVerdictCode = 'meets' | 'below_threshold' | 'insufficient_coverage' | 'no_data'

export interface RuleEvaluation {
  verdict: RuleVerdictCode
  bars: BarResult[]
  /** The kinds of the bars that failed, in the rule set's order. */
  failed: BarKind[]
}

const big = (n: number) => BigInt(n)

/** Inclusive `num/den >= bp/10000` in integers; a zero denominator never meets. */
function meets(num: number, den: number, bp: number): boolean {
  return den > 0 && big(num) * 10_000n >= big(bp) * big(den)
}

/** num/den in hundredths of a percent rounded half up (integers only). */
function hundredths(num: bigint, den: bigint): number {
  return Number((num * 20_000n + den) / (2n * den))
}

/**
 * The mean of per-question rates as an exact fraction (Σ fᵢ/vᵢ) / k = N / D with integers, so the
 * inclusive comparison with a bar has no rounding: N·10000 ≥ bp·D. Null when a question has no valid
 * answer (its rate does not exist, so neither does the mean).
 */
export function meanOfRates(counts: readonly AnswerCount[]): { num: bigint; den: bigint } | null {
  if (counts.length === 0 || counts.some((c) => c.valid === 0)) return null
  let num = 0n
  let den = 1n
  for (const c of counts) {
    // num/den + f/v = (num·v + f·den) / (den·v)
    num = num * big(c.valid) + big(c.favourable) * den
    den *= big(c.valid)
  }
  return { num, den: den * big(counts.length) }
}

const zero: AnswerCount = { valid: 0, favourable: 0 }

function assertCounts(u: UnitCounts): void {
  const ok = (n: number) => Number.isSafeInteger(n) && n >= 0
  if (!ok(u.households) || !ok(u.participated)) throw new RangeError(`counts of ${u.id} must be non-negative integers`)
  for (const a of Object.values(u.answers))
    if (!ok(a.valid) || !ok(a.favourable) || a.favourable > a.valid) throw new RangeError(`answer counts of ${u.id} are inconsistent`)
}

/**
 * Evaluate every bar of a rule set on a round's counts. The verdict: `no_data` without a valid answer
 * to the overall question; else `insufficient_coverage` when a coverage bar fails (the participation
 * requirement comes first); else `below_threshold` when any other bar fails; else `meets`. Every bar
 * is evaluated either way, so the explanation lists each one that failed.
 */
export function evaluateRules(bars: readonly Bar[], input: RuleInput): RuleEvaluation {
  assertCounts(input.commune)
  for (const v of input.villages) assertCounts(v)
  const overall = input.questions.find((q) => q.isOverall)
  const content = input.questions.filter((q) => !q.isOverall)
  const ans = (u: UnitCounts, key: string) => u.answers[key] ?? zero
  const results: BarResult[] = bars.map((bar) => {
    switch (bar.kind) {
      case 'coverage': {
        const units = bar.scope === 'commune' ? [input.commune] : input.villages.filter((v) => v.households > 0)
        const failures = units
          .filter((u) => !meets(u.participated, u.households, bar.minBp))
          .map((u) => ({
            unitId: bar.scope === 'commune' ? null : u.id,
            unitName: bar.scope === 'commune' ? null : u.name,
            questionKey: null,
            num: u.participated,
            den: u.households,
          }))
        const c = input.commune
        const value =
          bar.scope === 'commune'
            ? { num: c.participated, den: c.households }
            : lowest(units.map((u) => ({ num: u.participated, den: u.households })))
        return {
          bar,
          met: units.length > 0 && failures.length === 0,
          valueHundredths: value && value.den > 0 ? hundredths(big(value.num), big(value.den)) : null,
          failures,
        }
      }
      case 'overall': {
        const a = overall ? ans(input.commune, overall.key) : zero
        const met = meets(a.favourable, a.valid, bar.minBp)
        return {
          bar,
          met,
          valueHundredths: a.valid > 0 ? hundredths(big(a.favourable), big(a.valid)) : null,
          failures: met ? [] : [{ unitId: null, unitName: null, questionKey: overall?.key ?? null, num: a.favourable, den: a.valid }],
        }
      }
      case 'content_average': {
        const mean = meanOfRates(content.map((q) => ans(input.commune, q.key)))
        const met = mean !== null && mean.num * 10_000n >= big(bar.minBp) * mean.den
        const failures: BarFailure[] = met
          ? []
          : content
              .filter((q) => !meets(ans(input.commune, q.key).favourable, ans(input.commune, q.key).valid, bar.minBp))
              .map((q) => ({ unitId: null, unitName: null, questionKey: q.key, ...numDen(ans(input.commune, q.key)) }))
        return { bar, met, valueHundredths: mean ? hundredths(mean.num, mean.den) : null, failures }
      }
      case 'every_content': {
        const cells = content.map((q) => ({ q, a: ans(input.commune, q.key) }))
        const failures = cells
          .filter(({ a }) => !meets(a.favourable, a.valid, bar.minBp))
          .map(({ q, a }) => ({ unitId: null, unitName: null, questionKey: q.key, ...numDen(a) }))
        const value = lowest(cells.map(({ a }) => numDen(a)))
        return {
          bar,
          met: cells.length > 0 && failures.length === 0,
          valueHundredths: value ? hundredths(big(value.num), big(value.den)) : null,
          failures,
        }
      }
      case 'every_question_per_village': {
        // a village without any valid ballot has no rate to check (its coverage bar speaks for it)
        const cells = input.villages.flatMap((v) => input.questions.map((q) => ({ v, q, a: ans(v, q.key) })).filter(({ a }) => a.valid > 0))
        const failures = cells
          .filter(({ a }) => !meets(a.favourable, a.valid, bar.minBp))
          .map(({ v, q, a }) => ({ unitId: v.id, unitName: v.name, questionKey: q.key, ...numDen(a) }))
        const value = lowest(cells.map(({ a }) => numDen(a)))
        return {
          bar,
          met: cells.length > 0 && failures.length === 0,
          valueHundredths: value ? hundredths(big(value.num), big(value.den)) : null,
          failures,
        }
      }
      default:
        throw new RangeError(`unknown bar ${(bar as { kind: string }).kind}`)
    }
  })
  const overallValid = overall ? ans(input.commune, overall.key).valid : 0
  const failed = results.filter((r) => !r.met).map((r) => r.bar.kind)
  const coverageFailed = results.some((r) => !r.met && r.bar.kind === 'coverage')
  const verdict: RuleVerdictCode =
    overallValid === 0 ? 'no_data' : coverageFailed ? 'insufficient_coverage' : failed.length > 0 ? 'below_threshold' : 'meets'
  return { verdict, bars: results, failed }
}

function numDen(a: AnswerCount) {
  return { num: a.favourable, den: a.valid }
}

/** The smallest of some fractions (exact cross-multiplication); null without a non-empty one. */
function lowest(fs: { num: number; den: number }[]): { num: number; den: number } | null {
  let best: { num: number; den: number } | null = null
  for (const f of fs) {
    if (f.den === 0) continue
    if (!best || big(f.num) * big(best.den) < big(best.num) * big(f.den)) best = f
  }
  return best
}

/**
 * The two-bar rule every round had before rule sets (coverage floor + overall question), for rounds
 * created without one: their verdict stays what it was.
 */
export function legacyBars(rule: { thresholdBp: number; coverageBp: number; coverageScope: 'village' | 'commune' }): Bar[] {
  return [
    { kind: 'coverage', scope: rule.coverageScope, minBp: rule.coverageBp },
    { kind: 'overall', minBp: rule.thresholdBp },
  ]
}

/** Whether a rule set is in force on a day (YYYY-MM-DD, inclusive at both ends). */
export function inForce(basis: Pick<LegalBasis, 'effectiveFrom' | 'effectiveTo'>, day: string): boolean {
  return basis.effectiveFrom <= day && (basis.effectiveTo === null || day <= basis.effectiveTo)
}
