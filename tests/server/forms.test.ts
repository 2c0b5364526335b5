/**
 * Forms per level and period: the shipped templates carry their levels, period and legal basis, the
 * QĐ 51/2025 form has one question per criterion plus the overall question, a question may cover
 * several criteria, and a yes/no question reaches the resident page as such.
 */
import { seedReferenceData } from '@app/server/seed.ts'
import { describe, expect, it } from 'vitest'
import { buildTestApp } from '../helpers/build-test-app.js'
import { makeWorld } from '../helpers/rounds.js'

describe('questionnaire templates per level and period', () => {
  it('ships the QĐ 51/2025 forms for 2026 and the HD 90 forms for 2021–2025 with their legal basis', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    await seedReferenceData(app.services)
    const items = (await app.inject({ method: 'GET', url: '/api/questionnaire-templates', headers: w.auth.xa })).json().items as {
      code: string
      levels: string[]
      periodFrom: string | null
      periodTo: string | null
      legalBasis: { number: string } | null
      questions: { key: string; criterionRef: string | null; isOverall: boolean; answerType?: string }[]
    }[]
    const byCode = new Map(items.map((t) => [t.code, t]))
    const qd51 = byCode.get('QD51_XA_NTM')
    expect(qd51).toMatchObject({ levels: ['xa_ntm'], periodFrom: '2026-02-15', periodTo: null, legalBasis: { number: '51/2025/QĐ-TTg' } })
    expect(qd51?.questions.map((q) => q.criterionRef)).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', null])
    expect(qd51?.questions.at(-1)?.isOverall).toBe(true)
    expect(byCode.get('QD51_XA_NTM_HIEN_DAI')?.levels).toEqual(['xa_ntm_hien_dai'])
    const hd90 = byCode.get('HD90_9Q')
    expect(hd90).toMatchObject({ periodTo: '2026-02-14', legalBasis: { number: '90/HD-MTTW-BTT' } })
    // household contributions are no criterion; electricity, irrigation and water are three
    expect(hd90?.questions.find((q) => q.key === 'q6')?.criterionRef).toBeNull()
    expect(hd90?.questions.find((q) => q.key === 'q3')?.criterionRef).toBe('3,4,17')
    expect(hd90?.questions.find((q) => q.key === 'q1')?.answerType).toBe('yes_no')
  })

  it('refuses a criterion reference outside the set, also inside a list, and an overall question answered yes/no', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    await seedReferenceData(app.services)
    const sets = (await app.inject({ method: 'GET', url: '/api/criteria-sets', headers: w.auth.admin })).json().items as {
      id: string
      code: string
    }[]
    const qd318 = sets.find((s) => s.code === 'QD318_2022')?.id
    const post = (questions: unknown[]) =>
      app.inject({
        method: 'POST',
        url: '/api/questionnaire-templates',
        headers: w.auth.admin,
        payload: { code: 'X', name: 'X', criteriaSetId: qd318, questions },
      })
    const overall = { key: 'c', text: 'Chung?', isOverall: true }
    expect((await post([{ key: 'a', text: 'A?', criterionRef: '3,4', isOverall: false }, overall])).statusCode).toBe(201)
    expect((await post([{ key: 'a', text: 'A?', criterionRef: '3,99', isOverall: false }, overall])).statusCode).toBe(400)
    expect(
      (
        await post([
          { key: 'a', text: 'A?', isOverall: false },
          { ...overall, answerType: 'yes_no' },
        ])
      ).statusCode,
    ).toBe(400)
  })
})
