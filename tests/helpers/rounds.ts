import type { AppDb, Db } from '@app/db'
import { ballots, feedback, ledger, participations, questionnaireTemplates, rawRun } from '@app/db'
import { canonicalBallot, newReceipt } from '@app/server/lib/privacy.ts'
import { countAnswers, landedRows, payloadOf } from '@app/server/modules/ballots/ballot-rows.ts'
import type { BallotChannel, Question } from '@app/shared'
import { vnDay } from '@app/shared'
import { desc, eq, sql } from 'drizzle-orm'
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

/** One ballot for `recordBallots`: whose it is and what it says, with the paradata `recordBallot` takes. */
export interface BulkBallot {
  householdId: string
  villageId: string
  channel: BallotChannel
  answers: Record<string, { satisfied: boolean; reason?: string }>
  comment?: string | null
  contentHash?: string
  secondsToComplete?: number | null
  fingerprint?: string | null
  enteredBy?: string | null
}

/**
 * Count many ballots at once (the large worked examples: 11,683 ballots), as `recordBallot` would one by one:
 * the same rows (participation, ledger entry chained after the round's last, ballot, feedback) built by the ballot
 * service's own row builders (ballot-rows.ts), the coverage and answer counters summed per village, all written in
 * multi-row statements in one transaction. `recordBallot` costs about eight statements a ballot, which on
 * PostgreSQL is minutes for eleven thousand; this is a few dozen. No link was opened, so no open time is forgotten.
 */
export async function recordBallots(app: FastifyInstance, roundId: string, items: BulkBallot[]): Promise<void> {
  const round = await app.services.rounds.findById(roundId)
  if (!round) throw new Error('no round')
  const questions = round.questionnaireSnapshot as Question[] | null
  if (!questions) throw new Error(`round ${roundId} has no questionnaire snapshot (not opened)`)
  const day = vnDay(app.clock.now())
  await app.db.transaction(async (tx) => {
    const [tail] = await tx
      .select({ seq: ledger.seq, hash: ledger.hash })
      .from(ledger)
      .where(eq(ledger.roundId, roundId))
      .orderBy(desc(ledger.seq))
      .limit(1)
    let last: { seq: number; hash: string } | undefined = tail
    const rows = { participations: [] as (typeof participations.$inferInsert)[], ledger: [] as (typeof ledger.$inferInsert)[] }
    const ballotRows: (typeof ballots.$inferInsert)[] = []
    const feedbackRows: (typeof feedback.$inferInsert)[] = []
    const villages = new Map<string, Record<'participated' | BallotChannel, number>>()
    const answerCounts = new Map<string, Map<string, { valid: number; satisfied: number }>>()
    for (const b of items) {
      const input = {
        answers: b.answers,
        comment: b.comment ?? null,
        contentHash: b.contentHash ?? 'bulk',
        secondsToComplete: b.secondsToComplete ?? null,
        fingerprint: b.fingerprint ?? null,
        enteredBy: b.enteredBy ?? null,
      }
      const { receipt, nonce } = newReceipt(canonicalBallot(roundId, b.villageId, b.channel, b.answers, input.comment))
      const landed = landedRows(round, questions, b, receipt, null, payloadOf(input, day, nonce), last)
      last = { seq: landed.ledger.seq, hash: landed.ledger.hash }
      rows.participations.push({ roundId, householdId: b.householdId, villageId: b.villageId, channel: b.channel, day })
      rows.ledger.push(landed.ledger)
      ballotRows.push(landed.ballot)
      feedbackRows.push(...landed.feedback)
      const v = villages.get(b.villageId) ?? { participated: 0, link: 0, paper: 0, meeting: 0, assisted: 0 }
      v.participated++
      v[b.channel]++
      villages.set(b.villageId, v)
      const counts = answerCounts.get(b.villageId) ?? new Map()
      countAnswers(counts, b.answers)
      answerCounts.set(b.villageId, counts)
    }
    // a household answers once: the primary key refuses a second participation, as recordBallot's insert does
    for (let i = 0; i < items.length; i += CHUNK) {
      await tx.insert(participations).values(rows.participations.slice(i, i + CHUNK))
      await tx.insert(ledger).values(rows.ledger.slice(i, i + CHUNK))
      await tx.insert(ballots).values(ballotRows.slice(i, i + CHUNK))
    }
    for (let i = 0; i < feedbackRows.length; i += CHUNK) await tx.insert(feedback).values(feedbackRows.slice(i, i + CHUNK))
    for (const [villageId, d] of villages)
      await rawRun(
        tx,
        sql`INSERT INTO village_counters (round_id, village_id, participated, link, paper, meeting, assisted, invalid)
          VALUES (${roundId}, ${villageId}, ${d.participated}, ${d.link}, ${d.paper}, ${d.meeting}, ${d.assisted}, 0)
          ON CONFLICT (round_id, village_id) DO UPDATE SET participated = village_counters.participated + excluded.participated,
            link = village_counters.link + excluded.link, paper = village_counters.paper + excluded.paper,
            meeting = village_counters.meeting + excluded.meeting, assisted = village_counters.assisted + excluded.assisted`,
      )
    for (const [villageId, counts] of answerCounts)
      for (const [questionKey, c] of counts)
        await rawRun(
          tx,
          sql`INSERT INTO tally_counters (round_id, village_id, question_key, valid, satisfied)
            VALUES (${roundId}, ${villageId}, ${questionKey}, ${c.valid}, ${c.satisfied})
            ON CONFLICT (round_id, village_id, question_key)
            DO UPDATE SET valid = tally_counters.valid + excluded.valid, satisfied = tally_counters.satisfied + excluded.satisfied`,
        )
  })
}
/** Rows per multi-row insert: a ballot row has about twenty columns, within both engines' parameter limits. */
const CHUNK = 500

/**
 * Count ballots in bulk (no HTTP), for large worked examples: the first `n` households of `householdIds` answer,
 * `satisfied` of them satisfied on every question, alternately by link and on paper.
 */
export async function bulkBallots(
  app: FastifyInstance,
  // kept for callers: the ballots go through the app's own asynchronous connection (the same database)
  _db: Db | AppDb,
  roundId: string,
  householdIds: { id: string; villageId: string }[],
  n: number,
  satisfied: number,
): Promise<void> {
  if (householdIds.length < n) throw new Error('not enough households')
  await recordBallots(
    app,
    roundId,
    householdIds.slice(0, n).map((h, i) => ({
      householdId: h.id,
      villageId: h.villageId,
      channel: i % 2 ? 'paper' : 'link',
      answers: i < satisfied ? allSatisfied : overallNo,
    })),
  )
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
