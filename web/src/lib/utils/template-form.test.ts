import type { QuestionnaireTemplate } from '@app/shared'
import { CreateTemplateBody } from '@app/shared'
import { describe, expect, it } from 'vitest'
import { blankDraft, draftFrom, droppedLanguages, templateProblems, toCreateBody } from './template-form.js'

const tpl: QuestionnaireTemplate = {
  id: 't1',
  code: 'QD51_XA_NTM',
  version: 1,
  name: 'Phiếu 10 tiêu chí',
  criteriaSetId: 'cs',
  levels: ['xa_ntm'],
  legalBasis: {
    text: 'Quyết định số 51/2025/QĐ-TTg',
    number: '51/2025/QĐ-TTg',
    date: '2025-12-29',
    effectiveFrom: '2026-02-15',
    effectiveTo: null,
  },
  periodFrom: '2026-02-15',
  periodTo: null,
  translations: { km: { name: 'ខ្មែរ', questions: { tc1: 'សំណួរ ១', chung: 'សំណួរ រួម' } } },
  questions: [
    { key: 'tc1', text: 'Quy hoạch?', criterionRef: '1', isOverall: false },
    { key: 'chung', text: 'Hài lòng chung?', criterionRef: null, isOverall: true },
  ],
}
const criteria = [
  { ref: '1', name: 'Quy hoạch', group: null },
  { ref: '2', name: 'Giao thông', group: null },
]
const opts = { criteria, existingCodes: new Set(['QD51_XA_NTM']), newTemplate: false }

describe('template form', () => {
  it('a copy of a version has no problem and gives a body the server schema accepts, translations kept', () => {
    const d = draftFrom(tpl)
    expect(templateProblems(d, opts)).toEqual([])
    const body = toCreateBody(d, tpl)
    expect(CreateTemplateBody.safeParse(body).success).toBe(true)
    expect(body.translations).toEqual(tpl.translations)
    expect(droppedLanguages(tpl, body)).toEqual([])
  })

  it('drops a language when a question changed, and says so', () => {
    const d = draftFrom(tpl)
    ;(d.questions[0] as { text: string }).text = 'Quy hoạch xã?'
    const body = toCreateBody(d, tpl)
    expect(body.translations).toEqual({})
    expect(droppedLanguages(tpl, body)).toEqual(['km'])
  })

  it('says in Vietnamese what is wrong, at each field', () => {
    const d = blankDraft()
    d.code = 'QD51_XA_NTM'
    d.questions = [
      { key: 'Tc 1', text: '', criterionRef: '9', answerType: 'satisfaction', favourable: 'yes', isOverall: true },
      { key: 'tc2', text: 'Giao thông?', criterionRef: '2', answerType: 'yes_no', favourable: 'yes', isOverall: false },
    ]
    d.periodFrom = '2026-02-15'
    d.periodTo = '2026-01-01'
    d.basisNumber = '51/2025'
    const problems = templateProblems(d, { ...opts, newTemplate: true })
    const at = (p: string) => problems.filter((x) => x.path === p).map((x) => x.message)
    expect(at('code')[0]).toMatch(/đã có/)
    expect(at('name')[0]).toMatch(/tên mẫu phiếu/)
    expect(at('levels')[0]).toMatch(/cấp công nhận/)
    expect(at('periodTo')[0]).toMatch(/sau ngày bắt đầu/)
    expect(at('basisText')[0]).toMatch(/trích dẫn/)
    expect(at('questions')[0]).toMatch(/câu cuối/)
    expect(at('questions.0.key')[0]).toMatch(/chữ thường không dấu/)
    expect(at('questions.0.text')[0]).toMatch(/nội dung/)
    expect(at('questions.0.criterionRef')[0]).toMatch(/không có tiêu chí 9/)
    // no English anywhere
    for (const p of problems) expect(p.message).not.toMatch(/\b(the|is|must|question)\b/i)
  })

  it('refuses two overall questions and an overall question answered yes/no', () => {
    const d = draftFrom(tpl)
    ;(d.questions[0] as { isOverall: boolean }).isOverall = true
    expect(templateProblems(d, opts).map((p) => p.message)).toContain('Chỉ được có một câu hỏi chung.')
    const e = draftFrom(tpl)
    ;(e.questions[1] as { answerType: string }).answerType = 'yes_no'
    expect(templateProblems(e, opts)[0]?.message).toMatch(/Hài lòng \/ Không hài lòng/)
  })
})
