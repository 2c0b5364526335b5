/**
 * Rule sets as versioned data through the API: adding one (who may), a round snapshotting it, the
 * verdict naming each failed bar, and worked examples with published figures (Tân Phước; the
 * Triệu Sơn-shaped 92 / 95 / 98 rule).
 */
import type { FastifyInstance } from 'fastify'
import { describe, expect, it } from 'vitest'
import { buildTestApp } from '../helpers/build-test-app.js'
import { createRound, makeWorld, recordBallots, type World } from '../helpers/rounds.js'

const basis = {
  text: 'Hướng dẫn số 90/HD-MTTW-BTT ngày 20/9/2022 của Ban Thường trực UBTW MTTQ Việt Nam',
  number: '90/HD-MTTW-BTT',
  date: '2022-09-20',
  effectiveFrom: '2022-09-20',
  effectiveTo: null,
}

async function addRuleSet(app: FastifyInstance, headers: Record<string, string>, body: Record<string, unknown>) {
  return app.inject({ method: 'POST', url: '/api/rule-sets', headers, payload: { name: 'Bộ quy tắc thử', legalBasis: basis, ...body } })
}

type Answers = Record<string, { satisfied: boolean; reason?: string }>

/**
 * Record ballots with the ballot service's own row builders (rounds.ts `recordBallots`), one per household, alternately
 * by link and on paper: eleven thousand in a few statements, on either engine.
 */
async function cast(app: FastifyInstance, roundId: string, w: World, answers: Answers[]) {
  if (answers.length > w.households.length) throw new Error('not enough households')
  await recordBallots(
    app,
    roundId,
    answers.map((a, i) => {
      const h = w.households[i] as { id: string; villageId: string }
      return { householdId: h.id, villageId: h.villageId, channel: i % 2 ? 'paper' : 'link', answers: a, contentHash: 'rules' }
    }),
  )
}

async function sealAndTally(app: FastifyInstance, w: World, roundId: string) {
  expect((await app.inject({ method: 'POST', url: `/api/rounds/${roundId}/close`, headers: w.auth.tinh, payload: {} })).statusCode).toBe(
    200,
  )
  const seal = await app.inject({ method: 'POST', url: `/api/rounds/${roundId}/seal`, headers: w.auth.tinh })
  expect(seal.statusCode, seal.body).toBe(200)
  const res = await app.inject({ method: 'GET', url: `/api/rounds/${roundId}/tally`, headers: w.auth.hoidong })
  expect(res.statusCode).toBe(200)
  return res.json()
}

async function openRound(app: FastifyInstance, w: World, body: Record<string, unknown>) {
  const round = await createRound(app, w, body, w.auth.tinh)
  const open = await app.inject({ method: 'POST', url: `/api/rounds/${round.id}/open`, headers: w.auth.tinh })
  expect(open.statusCode, open.body).toBe(200)
  return round
}

const yes = { satisfied: true }
const no = { satisfied: false, reason: 'chưa tốt' }

describe('rule sets', () => {
  it('are added by an admin or a province, never by a commune; each change is a new version', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    const bars = [
      { kind: 'coverage', scope: 'village', minBp: 7000 },
      { kind: 'overall', minBp: 9000 },
    ]
    expect((await addRuleSet(app, w.auth.xa, { code: 'CM_XA', levels: ['xa_ntm'], bars })).statusCode).toBe(403)
    const byProvince = await addRuleSet(app, w.auth.tinh, { code: 'CM_XA', levels: ['xa_ntm'], bars })
    expect(byProvince.statusCode, byProvince.body).toBe(201)
    expect(byProvince.json()).toMatchObject({ code: 'CM_XA', version: 1, provinceId: w.province.id, provisional: false })
    const again = await addRuleSet(app, w.auth.admin, {
      code: 'CM_XA',
      levels: ['xa_ntm'],
      bars: [{ ...bars[0], provisional: true }, bars[1]],
    })
    expect(again.json()).toMatchObject({ version: 2, provinceId: null, provisional: true })
    // a province cannot add one for another province
    expect((await addRuleSet(app, w.auth.tinh, { code: 'X', levels: ['xa_ntm'], bars, provinceId: w.other.province.id })).statusCode).toBe(
      403,
    )
    // bad input answers 400 with the envelope
    for (const bad of [
      { code: 'B1', levels: ['xa_ntm'], bars: [] },
      { code: 'B2', levels: ['xa_ntm'], bars: [{ kind: 'overall', minBp: 10_001 }] },
      { code: 'B3', levels: ['xa_ntm'], bars: [{ kind: 'overall', minBp: 90.5 }] },
      { code: 'B4', levels: ['xa_ntm'], bars: [bars[1], bars[1]] },
      { code: 'B5', levels: [], bars },
      { code: 'B6', levels: ['xa_ntm'], bars: [{ kind: 'median', minBp: 9000 }] },
      { code: 'B7', levels: ['xa_ntm'], bars, legalBasis: { ...basis, effectiveTo: '2020-01-01' } },
    ]) {
      const res = await addRuleSet(app, w.auth.admin, bad)
      expect(res.statusCode, JSON.stringify(bad)).toBe(400)
      expect(res.json().error.code).toBe('validation_failed')
    }
    const list = await app.inject({ method: 'GET', url: '/api/rule-sets', headers: w.auth.xa })
    expect(list.json().items.map((r: { version: number }) => r.version)).toEqual([2, 1])
  })

  it('a round refuses a rule set or a template not made for its level, and explicit numbers beside a rule set', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    const rs = (
      await addRuleSet(app, w.auth.admin, { code: 'NC', levels: ['xa_ntm_nang_cao'], bars: [{ kind: 'overall', minBp: 9500 }] })
    ).json()
    const post = (body: Record<string, unknown>) =>
      app.inject({
        method: 'POST',
        url: '/api/rounds',
        headers: w.auth.tinh,
        payload: {
          communeId: w.commune.id,
          templateId: w.template.id,
          opensAt: '2025-06-01T00:00:00Z',
          closesAt: '2025-06-15T00:00:00Z',
          ...body,
        },
      })
    const wrongLevel = await post({ level: 'xa_ntm', ruleSetId: rs.id })
    expect(wrongLevel.statusCode).toBe(400)
    expect(wrongLevel.json().error.code).toBe('rule_set_level_mismatch')
    const both = await post({ level: 'xa_ntm_nang_cao', ruleSetId: rs.id, thresholdBp: 8000 })
    expect(both.statusCode).toBe(400)
    const tpl = await app.inject({
      method: 'POST',
      url: '/api/questionnaire-templates',
      headers: w.auth.admin,
      payload: {
        code: 'HD_KM',
        name: 'Phiếu xã kiểu mẫu',
        levels: ['xa_ntm_kieu_mau'],
        questions: [
          { key: 'q1', text: 'Có được thông tin không?', isOverall: false, answerType: 'yes_no' },
          { key: 'q2', text: 'Hài lòng chung?', isOverall: true },
        ],
      },
    })
    expect(tpl.statusCode, tpl.body).toBe(201)
    const mismatch = await post({ level: 'xa_ntm', templateId: tpl.json().id })
    expect(mismatch.statusCode).toBe(400)
    expect(mismatch.json().error).toMatchObject({ code: 'template_level_mismatch' })
    expect(mismatch.json().error.message).toContain('Mẫu phiếu HD_KM không dùng cho cấp xa_ntm')
    expect((await post({ level: 'xa_ntm_kieu_mau', templateId: tpl.json().id })).statusCode).toBe(201)
  })

  it('Tân Phước (Tiền Giang): 11,683 of 16,226 households, 11,679 satisfied: coverage 72,00 %, rate 99,97 %, đạt', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db, { perVillage: 8113 })
    expect(w.households).toHaveLength(16_226)
    const rs = await addRuleSet(app, w.auth.admin, {
      code: 'HD90_HUYEN_NTM',
      levels: ['xa_ntm'],
      bars: [
        { kind: 'coverage', scope: 'commune', minBp: 7000 },
        { kind: 'overall', minBp: 9000 },
      ],
    })
    const round = await openRound(app, w, { ruleSetId: rs.json().id })
    await cast(app, round.id, w, [
      ...Array.from({ length: 11_679 }, () => ({ q1: yes, q2: yes, q9: yes })),
      ...Array.from({ length: 4 }, () => ({ q1: yes, q2: yes, q9: no })),
    ])
    const t = await sealAndTally(app, w, round.id)
    expect(t.commune).toMatchObject({ households: 16_226, participated: 11_683, valid: 11_683, satisfied: 11_679, verdict: 'meets' })
    expect(t.rules.evaluation.bars.map((b: { valueHundredths: number }) => b.valueHundredths)).toEqual([7200, 9997])
    expect(t.rules.ruleSet).toMatchObject({ code: 'HD90_HUYEN_NTM', version: 1, legalBasis: { number: '90/HD-MTTW-BTT' } })
  }, 60_000)

  it('Triệu Sơn shape (92 / 95 / 98): the content average fails alone and is named; the sealed round keeps its rule set', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db, { perVillage: 50 })
    const bars = [
      { kind: 'coverage', scope: 'commune', minBp: 9200 },
      { kind: 'content_average', minBp: 9500 },
      { kind: 'overall', minBp: 9800 },
    ]
    const rs = (await addRuleSet(app, w.auth.tinh, { code: 'TRIEU_SON', levels: ['xa_ntm_nang_cao'], bars })).json()

    // 93 of 100 households; q1 80/93 (86,02 %), q2 93/93: average 93,01 % < 95 %; overall 93/93
    const failing = await openRound(app, w, { level: 'xa_ntm_nang_cao', ruleSetId: rs.id })
    expect((await app.inject({ method: 'GET', url: `/api/rounds/${failing.id}`, headers: w.auth.tinh })).json()).toMatchObject({
      thresholdBp: 9800,
      coverageBp: 9200,
      coverageScope: 'commune',
      ruleSet: { code: 'TRIEU_SON', version: 1 },
    })
    await cast(
      app,
      failing.id,
      w,
      Array.from({ length: 93 }, (_, i) => ({ q1: i < 80 ? yes : no, q2: yes, q9: yes })),
    )
    const t = await sealAndTally(app, w, failing.id)
    expect(t.commune.verdict).toBe('below_threshold')
    expect(t.rules.evaluation.failed).toEqual(['content_average'])
    expect(t.rules.evaluation.bars.map((b: { valueHundredths: number; met: boolean }) => [b.valueHundredths, b.met])).toEqual([
      [9300, true],
      [9301, false],
      [10000, true],
    ])
    expect(t.rules.evaluation.bars[1].failures).toEqual([{ unitId: null, unitName: null, questionKey: 'q1', num: 80, den: 93 }])

    // the province tightens its rule: a new version; the sealed round still reads version 1
    const v2 = await addRuleSet(app, w.auth.tinh, {
      code: 'TRIEU_SON',
      levels: ['xa_ntm_nang_cao'],
      bars: bars.map((b) => ({ ...b, minBp: 9900 })),
    })
    expect(v2.json().version).toBe(2)
    const after = await app.inject({ method: 'GET', url: `/api/rounds/${failing.id}/tally`, headers: w.auth.hoidong })
    expect(after.json().rules).toEqual(t.rules)
    expect((await app.inject({ method: 'GET', url: `/api/rounds/${failing.id}`, headers: w.auth.tinh })).json().ruleSet.version).toBe(1)
  })

  it('Triệu Sơn shape: 92 % surveyed, 95 % average and 98 % overall pass exactly at the bars', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db, { perVillage: 50 })
    const rs = (
      await addRuleSet(app, w.auth.admin, {
        code: 'TRIEU_SON',
        levels: ['xa_ntm_nang_cao'],
        bars: [
          { kind: 'coverage', scope: 'commune', minBp: 9200 },
          { kind: 'content_average', minBp: 9500 },
          { kind: 'overall', minBp: 9800 },
        ],
      })
    ).json()
    const round = await openRound(app, w, { level: 'xa_ntm_nang_cao', ruleSetId: rs.id })
    // 92 households: q1 all, q2 83/92 (90,22 %) → average 95,11 %; q9 91/92 (98,91 %)
    await cast(
      app,
      round.id,
      w,
      Array.from({ length: 92 }, (_, i) => ({ q1: yes, q2: i < 83 ? yes : no, q9: i < 91 ? yes : no })),
    )
    const t = await sealAndTally(app, w, round.id)
    expect(t.rules.evaluation.bars.map((b: { valueHundredths: number }) => b.valueHundredths)).toEqual([9200, 9511, 9891])
    expect(t.commune.verdict).toBe('meets')
    expect(t.rules.evaluation.failed).toEqual([])
  })
})
