import { auditLog, questionnaireTemplates } from '@app/db'
import { seedReferenceData } from '@app/server/seed.ts'
import { describe, expect, it } from 'vitest'
import { buildTestApp, loginAs } from '../helpers/build-test-app.js'
import { makeCommune, makeUser } from '../helpers/factories.js'

async function setup() {
  const t = await buildTestApp()
  await seedReferenceData(t.app.services)
  const a = makeCommune(t.db, { code: 'AA' })
  const b = makeCommune(t.db, { code: 'BB', provinceName: 'Tỉnh Khác' })
  await makeUser(t.db, { username: 'root', role: 'admin', unitId: a.province.id })
  await makeUser(t.db, { username: 'staff.a', role: 'front_staff', unitId: a.commune.id })
  await makeUser(t.db, { username: 'staff.b', role: 'front_staff', unitId: b.commune.id })
  return { ...t, a, b }
}

const questions = (n: number) => [
  ...Array.from({ length: n - 1 }, (_, i) => ({ key: `q${i + 1}`, text: `Câu hỏi ${i + 1}?`, isOverall: false })),
  { key: 'overall', text: 'Ông/bà có hài lòng với kết quả xây dựng nông thôn mới của xã không?', isOverall: true },
]

describe('GET /api/questionnaire-templates', () => {
  it('lists the seeded templates to any staff member, the 9-question one ending with the overall question', async () => {
    const { app } = await setup()
    for (const user of ['staff.a', 'staff.b']) {
      const res = await app.inject({ method: 'GET', url: '/api/questionnaire-templates', headers: await loginAs(app, user) })
      expect(res.statusCode).toBe(200)
      const nine = res.json().items.find((t: { questions: unknown[] }) => t.questions.length === 9)
      expect(nine.questions.at(-1)).toMatchObject({ isOverall: true })
    }
  })

  it('answers 401 without a token', async () => {
    const { app } = await setup()
    expect((await app.inject({ method: 'GET', url: '/api/questionnaire-templates' })).statusCode).toBe(401)
  })
})

describe('POST /api/questionnaire-templates', () => {
  it('lets an admin add a new version of a template code (version + 1), audited', async () => {
    const { app, db, a } = await setup()
    const headers = await loginAs(app, 'root')
    const body = { code: 'CAMAU_5Q', name: 'Phiếu 5 câu Cà Mau', provinceId: a.province.id, questions: questions(5) }
    const v1 = await app.inject({ method: 'POST', url: '/api/questionnaire-templates', headers, payload: body })
    expect(v1.statusCode).toBe(201)
    expect(v1.json()).toMatchObject({ code: 'CAMAU_5Q', version: 1 })
    const v2 = await app.inject({
      method: 'POST',
      url: '/api/questionnaire-templates',
      headers,
      payload: { ...body, questions: questions(6) },
    })
    expect(v2.json()).toMatchObject({ code: 'CAMAU_5Q', version: 2 })
    expect(v2.json().questions).toHaveLength(6)
    // the first version is unchanged: a change is a new version, never an edit
    const first = await app.inject({ method: 'GET', url: `/api/questionnaire-templates/${v1.json().id}`, headers })
    expect(first.json().questions).toHaveLength(5)
    expect(db.select().from(auditLog).all().at(-1)).toMatchObject({ action: 'template.create', targetId: v2.json().id })
  })

  it('answers 403 to front staff and creates nothing', async () => {
    const { app, db } = await setup()
    const before = db.select().from(questionnaireTemplates).all().length
    const res = await app.inject({
      method: 'POST',
      url: '/api/questionnaire-templates',
      headers: await loginAs(app, 'staff.a'),
      payload: { code: 'X', name: 'X', questions: questions(3) },
    })
    expect(res.statusCode).toBe(403)
    expect(db.select().from(questionnaireTemplates).all()).toHaveLength(before)
  })

  it.each([
    ['no overall question', questions(3).map((q) => ({ ...q, isOverall: false }))],
    ['the overall question not last', [...questions(3)].reverse()],
    [
      'duplicate keys',
      [
        ...questions(3)
          .slice(0, 2)
          .map((q) => ({ ...q, key: 'same' })),
        questions(3)[2],
      ],
    ],
  ])('answers 400 validation_failed for %s', async (_label, qs) => {
    const { app } = await setup()
    const res = await app.inject({
      method: 'POST',
      url: '/api/questionnaire-templates',
      headers: await loginAs(app, 'root'),
      payload: { code: 'BAD', name: 'Bad', questions: qs },
    })
    expect(res.statusCode).toBe(400)
    expect(res.json().error.code).toBe('validation_failed')
  })

  it('answers 400 for a criterion that is not in the set, and for an unknown province (not 500)', async () => {
    const { app, a } = await setup()
    const headers = await loginAs(app, 'root')
    const sets = (await app.inject({ method: 'GET', url: '/api/criteria-sets', headers })).json().items
    const qd318 = sets.find((s: { code: string }) => s.code === 'QD318_2022')
    expect(qd318.criteria).toHaveLength(19)
    const qs = questions(3)
    const badRef = await app.inject({
      method: 'POST',
      url: '/api/questionnaire-templates',
      headers,
      payload: { code: 'REF', name: 'Ref', criteriaSetId: qd318.id, questions: [{ ...qs[0], criterionRef: '20' }, ...qs.slice(1)] },
    })
    expect(badRef.statusCode).toBe(400)
    expect(JSON.stringify(badRef.json().error.details)).toMatch(/criterionRef/)
    for (const provinceId of ['no-such-unit', a.commune.id]) {
      const res = await app.inject({
        method: 'POST',
        url: '/api/questionnaire-templates',
        headers,
        payload: { code: 'PROV', name: 'Prov', provinceId, questions: qs },
      })
      expect(res.statusCode).toBe(400)
      expect(res.json().error.code).toBe('validation_failed')
    }
  })

  it('answers 404 for an unknown template id', async () => {
    const { app } = await setup()
    const res = await app.inject({ method: 'GET', url: '/api/questionnaire-templates/nope', headers: await loginAs(app, 'staff.a') })
    expect(res.statusCode).toBe(404)
  })
})

describe('a template a round uses stays as it was', () => {
  it('has no route that edits or deletes a version; a new version leaves the round and the old version untouched', async () => {
    const t = await buildTestApp()
    const { makeWorld, createRound } = await import('../helpers/rounds.js')
    const w = await makeWorld(t.app, t.db)
    const round = await createRound(t.app, w)
    const before = (await t.app.inject({ method: 'GET', url: `/api/rounds/${round.id}`, headers: w.auth.xa })).json()
    for (const method of ['PUT', 'PATCH', 'DELETE'] as const) {
      const res = await t.app.inject({
        method,
        url: `/api/questionnaire-templates/${w.template.id}`,
        headers: w.auth.admin,
        payload: { name: 'Đã sửa', questions: questions(2) },
      })
      expect(res.statusCode, method).toBe(404)
    }
    const v2 = await t.app.inject({
      method: 'POST',
      url: '/api/questionnaire-templates',
      headers: w.auth.admin,
      payload: { code: w.template.code, name: 'Phiếu thử, bản sửa', questions: questions(4) },
    })
    expect(v2.json()).toMatchObject({ code: w.template.code, version: 2 })
    const v1 = (await t.app.inject({ method: 'GET', url: `/api/questionnaire-templates/${w.template.id}`, headers: w.auth.xa })).json()
    expect(v1).toMatchObject({ version: 1, name: w.template.name })
    expect(v1.questions.map((q: { key: string }) => q.key)).toEqual(['q1', 'q2', 'q9'])
    const after = (await t.app.inject({ method: 'GET', url: `/api/rounds/${round.id}`, headers: w.auth.xa })).json()
    expect(after.templateId).toBe(w.template.id)
    expect(before.questions).toHaveLength(3)
    expect(after.questions).toEqual(before.questions)
  })

  it('answers 400 for a period that ends before it starts', async () => {
    const { app } = await setup()
    const res = await app.inject({
      method: 'POST',
      url: '/api/questionnaire-templates',
      headers: await loginAs(app, 'root'),
      payload: { code: 'NGUOC', name: 'Phiếu', periodFrom: '2026-01-01', periodTo: '2025-12-31', questions: questions(3) },
    })
    expect(res.statusCode).toBe(400)
    expect(res.json().error.code).toBe('validation_failed')
  })
})
