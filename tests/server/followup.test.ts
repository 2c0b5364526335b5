import { criteriaSets, questionnaireTemplates } from '@app/db'
import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { buildTestApp } from '../helpers/build-test-app.js'
import { allSatisfied, closeRound, createRound, makeWorld, openRoundWithLinks } from '../helpers/rounds.js'

type Answers = Record<string, { satisfied: boolean; reason?: string }>
const roadNo: Answers = { q1: { satisfied: false, reason: 'Đường lầy' }, q2: { satisfied: true }, q9: { satisfied: true } }

async function setup(env: Record<string, string> = {}) {
  const t = await buildTestApp({ env })
  const w = await makeWorld(t.app, t.db, { perVillage: 12 })
  return { ...t, w }
}

async function answer(
  t: Awaited<ReturnType<typeof setup>>,
  roundId: string,
  hhs: { id: string; villageId: string }[],
  pick: (i: number) => Answers,
) {
  const round = await t.app.services.rounds.findById(roundId)
  if (!round) throw new Error('no round')
  await t.app.db.transaction(async (tx) => {
    // each awaited: on PostgreSQL recordBallot is asynchronous, and a dropped call would outlive the transaction
    for (const [i, h] of hhs.entries()) {
      await t.app.services.ballots.recordBallot(tx, {
        round,
        householdId: h.id,
        villageId: h.villageId,
        channel: 'paper',
        answers: pick(i),
        comment: null,
        clientKey: null,
        contentHash: 'x',
        secondsToComplete: null,
        fingerprint: null,
        enteredBy: null,
      })
    }
  })
}

describe('GET /api/rounds/:id/follow-up-candidates', () => {
  it('lists villages mostly dissatisfied on a question with ≥ 5 ballots, with the criterion ref from the snapshot', async () => {
    const t = await setup()
    const { w } = t
    const { round } = await openRoundWithLinks(t.app, w)
    const [a, b] = [w.villages[0]?.id, w.villages[1]?.id]
    // Ấp 1: 10 ballots, 6 dissatisfied on q1 (criterion 2) → 60 % ≥ 50 %
    await answer(t, round.id, w.households.filter((h) => h.villageId === a).slice(0, 10), (i) => (i < 6 ? roadNo : allSatisfied))
    // Ấp 2: 4 ballots all dissatisfied → fewer than 5: not listed, and neither is Ấp 1, its complement (the
    // commune's figure minus Ấp 1's would give Ấp 2's back)
    await answer(t, round.id, w.households.filter((h) => h.villageId === b).slice(0, 4), () => roadNo)
    // results of an open round are served to nobody (TRUST.md §2.2)
    const early = await t.app.inject({ method: 'GET', url: `/api/rounds/${round.id}/follow-up-candidates`, headers: w.auth.xa })
    expect(early.statusCode).toBe(409)
    expect(early.json().error.code).toBe('results_not_disclosed')
    // two more in Ấp 2 (6 ballots, 4 dissatisfied of 6 = 67 %): both villages are shown once closed
    await answer(t, round.id, w.households.filter((h) => h.villageId === b).slice(4, 6), () => allSatisfied)
    await closeRound(t.app, round.id, w.auth.xa)
    const res = await t.app.inject({ method: 'GET', url: `/api/rounds/${round.id}/follow-up-candidates`, headers: w.auth.xa })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({
      roundId: round.id,
      thresholdBp: 5000,
      minBallots: 5,
      villages: [
        {
          villageId: a,
          villageName: 'Ấp 1',
          questions: [{ key: 'q1', text: 'Giao thông?', criterionRef: '2', valid: 10, notSatisfied: 6, dissatisfiedShare: 0.6 }],
        },
        {
          villageId: b,
          villageName: 'Ấp 2',
          questions: [{ key: 'q1', text: 'Giao thông?', criterionRef: '2', valid: 6, notSatisfied: 4, dissatisfiedShare: 4 / 6 }],
        },
      ],
    })
    // the threshold is configuration
    const strict = await t.app.inject({ method: 'GET', url: `/api/rounds/${round.id}/follow-up-candidates`, headers: w.auth.tinh })
    expect(strict.json().villages).toHaveLength(2)
    expect(
      (await t.app.inject({ method: 'GET', url: `/api/rounds/${round.id}/follow-up-candidates`, headers: w.auth.khac })).statusCode,
    ).toBe(404)
    expect(
      (await t.app.inject({ method: 'GET', url: `/api/rounds/${round.id}/follow-up-candidates`, headers: w.auth.hoidong })).statusCode,
    ).toBe(403)
  })

  it('takes the threshold from FOLLOWUP_DISSATISFIED_BP (exact at the boundary)', async () => {
    const t = await setup({ FOLLOWUP_DISSATISFIED_BP: '7000' })
    const { round } = await openRoundWithLinks(t.app, t.w)
    const a = t.w.villages[0]?.id
    await answer(t, round.id, t.w.households.filter((h) => h.villageId === a).slice(0, 10), (i) => (i < 7 ? roadNo : allSatisfied))
    await closeRound(t.app, round.id, t.w.auth.xa)
    const res = (await t.app.inject({ method: 'GET', url: `/api/rounds/${round.id}/follow-up-candidates`, headers: t.w.auth.xa })).json()
    expect(res.thresholdBp).toBe(7000)
    expect(res.villages[0].questions[0]).toMatchObject({ notSatisfied: 7, valid: 10 })
  })
})

describe('GET /api/units/:communeId/criteria-trend', () => {
  it("gives each criterion's rate per disclosed round over time, including a follow-up round, and skips open or undisclosed ones", async () => {
    const t = await setup()
    const { w } = t
    // the form refers to a criteria set: the trend names each criterion from it
    const set = t.db
      .insert(criteriaSets)
      .values({
        code: 'TEST_TC',
        name: 'Bộ tiêu chí quốc gia (thử)',
        legalBasis: 'Quyết định thử',
        criteria: [
          { ref: '2', name: 'Giao thông', group: null },
          { ref: '17', name: 'Môi trường và an toàn thực phẩm', group: null },
        ],
      })
      .returning()
      .get()
    t.db.update(questionnaireTemplates).set({ criteriaSetId: set.id }).where(eq(questionnaireTemplates.id, w.template.id)).run()
    const first = await openRoundWithLinks(t.app, w)
    const a = w.villages[0]?.id as string
    const inA = w.households.filter((h) => h.villageId === a)
    await answer(t, first.round.id, inA.slice(0, 10), (i) => (i < 6 ? roadNo : allSatisfied))
    expect(
      (await t.app.inject({ method: 'POST', url: `/api/rounds/${first.round.id}/close`, headers: w.auth.xa, payload: {} })).statusCode,
    ).toBe(200)
    // closed, but nobody has read its result yet: a list does not disclose it
    const undisclosed = await t.app.inject({ method: 'GET', url: `/api/units/${w.commune.id}/criteria-trend`, headers: w.auth.xa })
    expect(undisclosed.json().criteria).toEqual([])
    expect((await t.app.inject({ method: 'GET', url: `/api/rounds/${first.round.id}/tally`, headers: w.auth.xa })).statusCode).toBe(200)

    t.clock.set('2025-07-01T08:00:00Z')
    const follow = await createRound(t.app, w, {
      purpose: 'follow_up',
      villageIds: [a],
      opensAt: '2025-07-01T00:00:00Z',
      closesAt: '2025-07-10T00:00:00Z',
    })
    expect((await t.app.inject({ method: 'POST', url: `/api/rounds/${follow.id}/open`, headers: w.auth.xa })).statusCode).toBe(200)
    await answer(t, follow.id, inA.slice(0, 10), (i) => (i < 1 ? roadNo : allSatisfied))
    const open = await t.app.inject({ method: 'GET', url: `/api/units/${w.commune.id}/criteria-trend`, headers: w.auth.xa })
    expect(open.json().criteria.find((c: { criterionRef: string }) => c.criterionRef === '2').points).toHaveLength(1)
    await t.app.inject({ method: 'POST', url: `/api/rounds/${follow.id}/close`, headers: w.auth.xa, payload: {} })
    expect((await t.app.inject({ method: 'GET', url: `/api/rounds/${follow.id}/tally`, headers: w.auth.xa })).statusCode).toBe(200)

    const res = await t.app.inject({ method: 'GET', url: `/api/units/${w.commune.id}/criteria-trend`, headers: w.auth.xa })
    expect(res.statusCode).toBe(200)
    const body = res.json()
    expect(body.criteria.map((c: { criterionRef: string }) => c.criterionRef)).toEqual(['2', '17'])
    // each criterion named from the criteria set of the round's form, not only by its number
    expect(body.criteria.map((c: { name: string | null }) => c.name)).toEqual(['Giao thông', 'Môi trường và an toàn thực phẩm'])
    expect(body.criteria[0].criteriaSet).toMatch(/^Bộ tiêu chí quốc gia/)
    expect(body.criteria[0].points.map((p: { closedAt: string }) => p.closedAt)).toEqual([expect.any(String), expect.any(String)])
    expect(body.criteria[0].points.map((p: any) => [p.purpose, p.questionKey, p.valid, p.satisfied, p.rate])).toEqual([
      ['recognition', 'q1', 10, 4, 0.4],
      ['follow_up', 'q1', 10, 9, 0.9],
    ])
    expect((await t.app.inject({ method: 'GET', url: `/api/units/${w.commune.id}/criteria-trend`, headers: w.auth.khac })).statusCode).toBe(
      404,
    )
    // the council reads sealed rounds only: nothing sealed yet
    const council = await t.app.inject({ method: 'GET', url: `/api/units/${w.commune.id}/criteria-trend`, headers: w.auth.hoidong })
    expect(council.json().criteria).toEqual([])
  })
})
