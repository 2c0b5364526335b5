import type { AnswerType, CreateTemplateBody, Criterion, QuestionnaireTemplate } from '@app/shared'

/** One question as the admin edits it. */
export interface QuestionDraft {
  key: string
  text: string
  /** One criterion or several, comma-separated ("3,4,17": a question about electricity, irrigation and water). */
  criterionRef: string
  answerType: AnswerType
  favourable: 'yes' | 'no'
  isOverall: boolean
}

/** A template as the admin edits it; `from` is the version it starts from (a new version), null for a new template. */
export interface TemplateDraft {
  code: string
  name: string
  criteriaSetId: string
  levels: string[]
  basisText: string
  basisNumber: string
  basisDate: string
  basisFrom: string
  basisTo: string
  periodFrom: string
  periodTo: string
  questions: QuestionDraft[]
}

export interface Problem {
  /** Where: "code", "questions.2.key", … (the form puts the message next to that field). */
  path: string
  message: string
}

export const CODE_RE = /^[A-Za-z0-9_]{1,32}$/
export const KEY_RE = /^[a-z0-9_]{1,32}$/
const MAX_QUESTIONS = 60

export const blankQuestion = (n: number, isOverall = false): QuestionDraft => ({
  key: isOverall ? 'chung' : `cau${n}`,
  text: '',
  criterionRef: '',
  answerType: 'satisfaction',
  favourable: 'yes',
  isOverall,
})

export function blankDraft(): TemplateDraft {
  return {
    code: '',
    name: '',
    criteriaSetId: '',
    levels: [],
    basisText: '',
    basisNumber: '',
    basisDate: '',
    basisFrom: '',
    basisTo: '',
    periodFrom: '',
    periodTo: '',
    questions: [blankQuestion(1), blankQuestion(0, true)],
  }
}

/** A new version starts as a copy of the version it comes from. */
export function draftFrom(t: QuestionnaireTemplate): TemplateDraft {
  return {
    code: t.code,
    name: t.name,
    criteriaSetId: t.criteriaSetId ?? '',
    levels: [...t.levels],
    basisText: t.legalBasis?.text ?? '',
    basisNumber: t.legalBasis?.number ?? '',
    basisDate: t.legalBasis?.date ?? '',
    basisFrom: t.legalBasis?.effectiveFrom ?? '',
    basisTo: t.legalBasis?.effectiveTo ?? '',
    periodFrom: t.periodFrom ?? '',
    periodTo: t.periodTo ?? '',
    questions: t.questions.map((q) => ({
      key: q.key,
      text: q.text,
      criterionRef: q.criterionRef ?? '',
      answerType: q.answerType ?? 'satisfaction',
      favourable: q.favourable ?? 'yes',
      isOverall: q.isOverall,
    })),
  }
}

const refsOf = (s: string): string[] =>
  s
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean)

/**
 * Everything wrong with a draft, in Vietnamese, each at its field: the same rules the server holds
 * (shared/schemas/questionnaire.ts), said so an officer can fix them without reading an error code.
 * `existingCodes`: codes already used, refused for a new template (same code = a new version of that one).
 */
export function templateProblems(
  d: TemplateDraft,
  opts: { criteria: readonly Criterion[] | null; existingCodes: ReadonlySet<string>; newTemplate: boolean },
): Problem[] {
  const out: Problem[] = []
  const add = (path: string, message: string) => out.push({ path, message })
  const code = d.code.trim()
  if (!code) add('code', 'Hãy nhập mã mẫu phiếu.')
  else if (!CODE_RE.test(code)) add('code', 'Mã mẫu phiếu chỉ gồm chữ không dấu, số và dấu gạch dưới, tối đa 32 ký tự (ví dụ QD51_XA_NTM).')
  else if (opts.newTemplate && opts.existingCodes.has(code))
    add('code', `Mã ${code} đã có. Để sửa mẫu phiếu đó, hãy mở nó và tạo phiên bản mới; mẫu phiếu mới cần một mã khác.`)
  if (!d.name.trim()) add('name', 'Hãy nhập tên mẫu phiếu.')
  else if (d.name.trim().length > 300) add('name', 'Tên mẫu phiếu dài quá 300 ký tự.')
  if (d.levels.length === 0) add('levels', 'Chọn ít nhất một cấp công nhận dùng mẫu phiếu này.')
  if (d.periodFrom && d.periodTo && d.periodTo < d.periodFrom) add('periodTo', 'Ngày kết thúc áp dụng phải sau ngày bắt đầu.')

  const basis = [d.basisText, d.basisNumber, d.basisDate, d.basisFrom, d.basisTo]
  if (basis.some((x) => x.trim() !== '')) {
    if (!d.basisText.trim()) add('basisText', 'Hãy ghi trích dẫn văn bản căn cứ (như in trên văn bản).')
    if (!d.basisNumber.trim()) add('basisNumber', 'Hãy ghi số hiệu văn bản, ví dụ 51/2025/QĐ-TTg.')
    if (!d.basisDate) add('basisDate', 'Hãy nhập ngày ban hành văn bản (ngày/tháng/năm).')
    if (!d.basisFrom) add('basisFrom', 'Hãy nhập ngày văn bản có hiệu lực (ngày/tháng/năm).')
    if (d.basisFrom && d.basisTo && d.basisTo < d.basisFrom) add('basisTo', 'Ngày hết hiệu lực phải sau ngày có hiệu lực.')
  }

  const qs = d.questions
  if (qs.length < 2) add('questions', 'Mẫu phiếu cần ít nhất một câu hỏi theo tiêu chí và câu hỏi chung.')
  if (qs.length > MAX_QUESTIONS) add('questions', `Mẫu phiếu có nhiều nhất ${MAX_QUESTIONS} câu hỏi.`)
  const overall = qs.filter((q) => q.isOverall).length
  if (overall === 0) add('questions', 'Cần đánh dấu một câu hỏi chung (ông/bà có hài lòng chung không).')
  else if (overall > 1) add('questions', 'Chỉ được có một câu hỏi chung.')
  else if (!qs.at(-1)?.isOverall) add('questions', 'Câu hỏi chung phải là câu cuối cùng của phiếu.')
  const known = opts.criteria ? new Set(opts.criteria.map((c) => c.ref)) : null
  const seen = new Map<string, number>()
  qs.forEach((q, i) => {
    const at = (f: string) => `questions.${i}.${f}`
    const n = i + 1
    const key = q.key.trim()
    if (!key) add(at('key'), `Câu ${n}: hãy nhập mã câu hỏi.`)
    else if (!KEY_RE.test(key)) add(at('key'), `Câu ${n}: mã câu hỏi chỉ gồm chữ thường không dấu, số và dấu gạch dưới (ví dụ tc3).`)
    else if (seen.has(key)) add(at('key'), `Câu ${n}: mã “${key}” trùng với câu ${(seen.get(key) ?? 0) + 1}.`)
    else seen.set(key, i)
    if (!q.text.trim()) add(at('text'), `Câu ${n}: hãy nhập nội dung câu hỏi.`)
    else if (q.text.trim().length > 1000) add(at('text'), `Câu ${n}: nội dung dài quá 1.000 ký tự.`)
    const refs = refsOf(q.criterionRef)
    if (q.criterionRef.trim().length > 32) add(at('criterionRef'), `Câu ${n}: phần tiêu chí dài quá 32 ký tự.`)
    else if (known) {
      const bad = refs.filter((r) => !known.has(r))
      if (bad.length > 0) add(at('criterionRef'), `Câu ${n}: bộ tiêu chí đã chọn không có tiêu chí ${bad.join(', ')}.`)
    }
    if (q.isOverall && (q.answerType !== 'satisfaction' || q.favourable !== 'yes'))
      add(at('answerType'), `Câu ${n}: câu hỏi chung luôn trả lời “Hài lòng / Không hài lòng”.`)
  })
  return out
}

/**
 * The request body. A new version keeps the translations of what did not change: the form's name when
 * the name is the same, and a language only when every question still reads as it was translated.
 */
export function toCreateBody(d: TemplateDraft, from: QuestionnaireTemplate | null): CreateTemplateBody {
  const hasBasis = d.basisText.trim() !== ''
  const questions = d.questions.map((q) => {
    const criterionRef = refsOf(q.criterionRef).join(',')
    return {
      key: q.key.trim(),
      text: q.text.trim(),
      criterionRef: criterionRef || null,
      isOverall: q.isOverall,
      ...(q.answerType !== 'satisfaction' ? { answerType: q.answerType } : {}),
      ...(q.favourable !== 'yes' ? { favourable: q.favourable } : {}),
    }
  })
  return {
    code: d.code.trim(),
    name: d.name.trim(),
    criteriaSetId: d.criteriaSetId || null,
    levels: [...d.levels],
    legalBasis: hasBasis
      ? {
          text: d.basisText.trim(),
          number: d.basisNumber.trim(),
          date: d.basisDate,
          effectiveFrom: d.basisFrom,
          effectiveTo: d.basisTo || null,
        }
      : null,
    periodFrom: d.periodFrom || null,
    periodTo: d.periodTo || null,
    translations: from ? keptTranslations(from, d.name.trim(), questions) : {},
    questions,
  }
}

/** The languages of `from` that still fit every question; see toCreateBody. */
export function keptTranslations(
  from: QuestionnaireTemplate,
  name: string,
  questions: readonly { key: string; text: string }[],
): NonNullable<CreateTemplateBody['translations']> {
  const before = new Map(from.questions.map((q) => [q.key, q.text]))
  const out: NonNullable<CreateTemplateBody['translations']> = {}
  for (const [lang, tr] of Object.entries(from.translations)) {
    const all = questions.every((q) => before.get(q.key) === q.text && tr.questions[q.key])
    if (!all) continue
    out[lang] = {
      ...(tr.name && name === from.name ? { name: tr.name } : {}),
      questions: Object.fromEntries(questions.map((q) => [q.key, tr.questions[q.key] as string])),
    }
  }
  return out
}

/** Languages of `from` a new version would drop (a question changed): said before saving. */
export function droppedLanguages(from: QuestionnaireTemplate | null, body: CreateTemplateBody): string[] {
  if (!from) return []
  const kept = new Set(Object.keys(body.translations ?? {}))
  return Object.keys(from.translations).filter((l) => !kept.has(l))
}
