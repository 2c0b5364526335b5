import type { AppDb, Db } from '@app/db'
import { questionnaireTemplates } from '@app/db'
import type { FastifyInstance } from 'fastify'
import { loginAs } from './build-test-app.js'
import { makeCommune, makeUser } from './factories.js'

/** A small questionnaire: two content questions and the overall question last. */
export function makeTemplate(db: Db, code = 'T3') {
  return db
    .insert(questionnaireTemplates)
    .values({
      code,
      version: 1,
      name: 'Phiếu thử 3 câu',
      questions: [
        { key: 'q1', text: 'Giao thông?', criterionRef: '2', isOverall: false },
        { key: 'q2', text: 'Môi trường?', criterionRef: '17', isOverall: false },
        { key: 'q9', text: 'Hài lòng chung?', criterionRef: null, isOverall: true },
      ],
    })
    .returning()
    .get()
}

export const allSatisfied = { q1: { satisfied: true }, q2: { satisfied: true }, q9: { satisfied: true } }
export const overallNo = { q1: { satisfied: true }, q2: { satisfied: true }, q9: { satisfied: false, reason: 'Đường sá còn lầy lội' } }

/**
 * A province with a commune (2 villages × `perVillage` households), a second commune elsewhere, staff
 * of each, a province officer, a collector and a council member; plus a template. Returns auth headers.
 */
export async function makeWorld(app: FastifyInstance, db: Db, opts: { perVillage?: number } = {}) {
  const world = makeCommune(db, { perVillage: opts.perVillage ?? 5 })
  const other = makeCommune(db, { provinceName: 'Tỉnh Khác', name: 'Xã Khác', code: 'XK', perVillage: 3 })
  const template = makeTemplate(db)
  await makeUser(db, { username: 'xa', role: 'front_staff', unitId: world.commune.id })
  await makeUser(db, { username: 'tinh', role: 'front_staff', unitId: world.province.id })
  await makeUser(db, { username: 'khac', role: 'front_staff', unitId: other.commune.id })
  const collector = await makeUser(db, { username: 'thuky', role: 'collector', unitId: world.commune.id })
  await makeUser(db, { username: 'hoidong', role: 'council', unitId: world.province.id })
  await makeUser(db, { username: 'quantri', role: 'admin', unitId: world.province.id })
  const auth = {
    xa: await loginAs(app, 'xa'),
    tinh: await loginAs(app, 'tinh'),
    khac: await loginAs(app, 'khac'),
    thuky: await loginAs(app, 'thuky'),
    hoidong: await loginAs(app, 'hoidong'),
    admin: await loginAs(app, 'quantri'),
  }
  return { ...world, other, template, collector, auth }
}

export type World = Awaited<ReturnType<typeof makeWorld>>

export async function createRound(app: FastifyInstance, w: World, body: Record<string, unknown> = {}, headers = w.auth.xa) {
  const res = await app.inject({
    method: 'POST',
    url: '/api/rounds',
    headers,
    payload: {
      communeId: w.commune.id,
      level: 'xa_ntm',
      templateId: w.template.id,
      opensAt: '2025-06-01T00:00:00Z',
      closesAt: '2025-06-15T00:00:00Z',
      ...body,
    },
  })
  if (res.statusCode !== 201) throw new Error(`create round: ${res.statusCode} ${res.body}`)
  return res.json() as { id: string; status: string }
}

/** Create and open a round, issue print links; returns the round and the links. */
export async function openRoundWithLinks(app: FastifyInstance, w: World, body: Record<string, unknown> = {}) {
  const round = await createRound(app, w, body)
  const open = await app.inject({ method: 'POST', url: `/api/rounds/${round.id}/open`, headers: w.auth.xa })
  if (open.statusCode !== 200) throw new Error(`open: ${open.statusCode} ${open.body}`)
  const inv = await app.inject({
    method: 'POST',
    url: `/api/rounds/${round.id}/invitations`,
    headers: w.auth.xa,
    payload: { channel: 'print' },
  })
  if (inv.statusCode !== 201) throw new Error(`invitations: ${inv.statusCode} ${inv.body}`)
  const links = inv.json().links as { householdId: string; villageId: string; url: string }[]
  return { round, links, tokens: links.map((l) => l.url.split('/r/')[1] as string) }
}

/**
 * Land every pending ballot of a round now, as closing it would (TRUST.md §2.3): for tests that look at
 * ballots, counters or feedback of an open round without simulating enough residents for a batch.
 */
export function landNow(app: FastifyInstance, roundId: string): Promise<number> {
  return app.services.ballots.landRound(roundId)
}

/**
 * Count ballots in bulk through the same repository code the API uses (no HTTP), for large
 * worked examples: the first `n` households of `householdIds` answer, `satisfied` of them
 * satisfied on every question.
 */
export async function bulkBallots(
  app: FastifyInstance,
  // kept for callers: the ballots go through the app's own asynchronous connection (the same SQLite database)
  _db: Db | AppDb,
  roundId: string,
  householdIds: { id: string; villageId: string }[],
  n: number,
  satisfied: number,
): Promise<void> {
  const round = await app.services.rounds.findById(roundId)
  if (!round) throw new Error('no round')
  await app.db.transaction(async (tx) => {
    for (let i = 0; i < n; i++) {
      const h = householdIds[i]
      if (!h) throw new Error('not enough households')
      const yes = i < satisfied
      const answers = yes ? allSatisfied : overallNo
      await app.services.ballots.recordBallot(tx, {
        round,
        householdId: h.id,
        villageId: h.villageId,
        channel: i % 2 ? 'paper' : 'link',
        answers,
        comment: null,
        clientKey: null,
        contentHash: 'bulk',
        secondsToComplete: null,
        fingerprint: null,
        enteredBy: null,
      })
    }
  })
}

/**
 * Close a round, so its results can be read (TRUST.md §2.2: none while it is open). Pending ballots land.
 * `headers`: Front staff who may manage the round.
 */
export async function closeRound(app: FastifyInstance, roundId: string, headers: { authorization: string }) {
  const res = await app.inject({ method: 'POST', url: `/api/rounds/${roundId}/close`, headers, payload: {} })
  if (res.statusCode !== 200) throw new Error(`close: ${res.statusCode} ${res.body}`)
  return res.json() as { id: string; status: string }
}
