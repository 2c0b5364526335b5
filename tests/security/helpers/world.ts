import { ballots, type Db, feedback, householdRequests, households, users } from '@app/db'
import { and, eq } from 'drizzle-orm'
import type { FastifyInstance } from 'fastify'
import { loginAs } from '../../helpers/build-test-app.js'
import { makeUser } from '../../helpers/factories.js'
import { allSatisfied, landNow, makeWorld, overallNo, type World } from '../../helpers/rounds.js'

export type RoundStatus = 'draft' | 'open' | 'closed' | 'sealed' | 'returned'
/** A round in each status, plus `doubleEntry`: an open double-entry round of one village holding a mismatch. */
export type RoundFixture = RoundStatus | 'doubleEntry'
type Headers = { authorization: string }

/** Everything one commune offers as a request target: a round in each status, a ballot, a feedback row… */
export interface ScopeFixtures {
  province: { id: string }
  commune: { id: string }
  villages: { id: string }[]
  /** A staff user of this scope (target of PATCH /api/users/:id). */
  staffUserId: string
  /** A user nobody signs in as (target of POST /api/users/:id/password, which ends the user's sessions). */
  spareUserId: string
  /** A collector of this scope (target of PUT /collectors/:userId). */
  collectorId: string
  templateId: string
  ruleSetId: string
  rounds: Record<RoundFixture, string>
  /** In the open round: a household with an unused print link, its token, a counted ballot and its receipt. */
  invitedHouseholdId: string
  /** A household of villages[0] (target of the one-household edit under /api/units/:villageId/households). */
  villageHouseholdId: string
  freeHouseholdId: string
  unusedToken: string
  ballotId: string
  receipt: string
  feedbackId: string
  /** A double-entry serial of the `doubleEntry` round whose two entries disagree. */
  mismatchSerial: string
  /** The household the mismatched form is about (in the `doubleEntry` round's village). */
  mismatchHouseholdId: string
  /** A "my household was not asked" request on the open round. */
  requestId: string
  /** The council decision in force on the returned round (target of its amendments). */
  decisionId: string
}

export type RoleName = 'admin' | 'provinceStaff' | 'communeStaff' | 'collector' | 'council'
export const ROLES: readonly RoleName[] = ['admin', 'provinceStaff', 'communeStaff', 'collector', 'council']

export interface AuthzWorld {
  world: World
  own: ScopeFixtures
  foreign: ScopeFixtures
  /** Bearer headers per role; every role's "own" scope is `own`, `foreign` is another province. */
  auth: Record<RoleName, Headers>
}

async function ok(app: FastifyInstance, method: 'GET' | 'POST' | 'PUT', url: string, headers: Headers | undefined, payload?: unknown) {
  const res = await app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as object }) })
  if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`)
  return res.json() as Record<string, unknown>
}

/**
 * One commune's fixtures, built through the HTTP API by its own staff (`staff`), council (`council`)
 * and collector: rounds in every status, print links, ballots with reasons (→ feedback) and a
 * double-entry mismatch.
 */
async function buildScope(
  app: FastifyInstance,
  db: Db,
  s: { province: { id: string }; commune: { id: string }; villages: { id: string }[]; templateId: string },
  who: { staff: Headers; council: Headers; collector: Headers; collectorId: string; staffUserId: string; spareUserId: string },
): Promise<ScopeFixtures> {
  const create = async (extra: Record<string, unknown> = {}) =>
    (
      await ok(app, 'POST', '/api/rounds', who.staff, {
        communeId: s.commune.id,
        level: 'xa_ntm',
        templateId: s.templateId,
        opensAt: '2025-06-01T00:00:00Z',
        closesAt: '2025-06-15T00:00:00Z',
        ...extra,
      })
    ).id as string
  const villageIds = s.villages.map((v) => v.id)
  const assign = (id: string, ids: unknown = villageIds) =>
    ok(app, 'PUT', `/api/rounds/${id}/collectors/${who.collectorId}`, who.staff, { villageIds: ids })
  const openWithBallots = async (extra: Record<string, unknown> = {}) => {
    const id = await create(extra)
    await assign(id, extra.villageIds)
    await ok(app, 'POST', `/api/rounds/${id}/open`, who.staff)
    const inv = await ok(app, 'POST', `/api/rounds/${id}/invitations`, who.staff, { channel: 'print' })
    const links = inv.links as { householdId: string; url: string }[]
    const tokens = links.map((l) => l.url.split('/r/')[1] as string)
    const r1 = await ok(app, 'POST', `/api/ballots/${tokens[0]}`, undefined, {
      answers: overallNo,
      comment: 'Cần sửa đường',
    })
    await ok(app, 'POST', `/api/ballots/${tokens[1]}`, undefined, { answers: allSatisfied })
    return { id, links, tokens, receipt: r1.receipt as string }
  }

  // the draft covers one village, so it can be opened beside the open whole-commune round (one open round per
  // commune, purpose and scope)
  const draft = await create({ villageIds: [s.villages[0]?.id] })
  await assign(draft, [s.villages[0]?.id])
  // One open round per commune, purpose and scope: the rounds that end closed, sealed or returned are opened
  // and closed one after the other; the closed one covers one village, so it can be reopened beside the open one.
  const closed = await openWithBallots({ villageIds: [s.villages[0]?.id] })
  await ok(app, 'POST', `/api/rounds/${closed.id}/close`, who.staff, {})
  const sealed = await openWithBallots()
  await ok(app, 'POST', `/api/rounds/${sealed.id}/close`, who.staff, {})
  await ok(app, 'POST', `/api/rounds/${sealed.id}/seal`, who.staff)
  const returned = await openWithBallots()
  await ok(app, 'POST', `/api/rounds/${returned.id}/close`, who.staff, {})
  await ok(app, 'POST', `/api/rounds/${returned.id}/seal`, who.staff)
  const decision = await ok(app, 'POST', `/api/rounds/${returned.id}/council-decisions`, who.council, {
    votesFor: 5,
    votesAgainst: 10,
    votesAbstain: 0,
    decision: 'return_for_resurvey',
    decidedAt: '2025-06-01',
    reason: 'Cần lấy ý kiến lại ở các ấp còn thiếu',
  })
  const open = await openWithBallots()
  // A double-entry mismatch, in a round of its own (one village): the same serial keyed twice with different
  // answers, by two people neither of whom is the scope's staff account, since a mismatch is resolved by
  // someone who keyed neither entry (TRUST.md §2.8). The open round itself can then close.
  const paper = await openWithBallots({ doubleEntry: true, villageIds: [s.villages[1]?.id] })
  const paperHh = paper.links[2]?.householdId as string
  const serial = 'S-0001'
  const keyer = await makeUser(db, { username: `nhap-${s.commune.id.slice(-8)}`, role: 'front_staff', unitId: s.commune.id })
  for (const [headers, answers] of [
    [await loginAs(app, keyer.username), allSatisfied],
    [who.collector, overallNo],
  ] as const)
    await ok(app, 'POST', `/api/rounds/${paper.id}/paper-ballots`, headers, { householdId: paperHh, channel: 'paper', answers, serial })

  await ok(app, 'POST', `/api/public/communes/${s.commune.id}/requests`, undefined, {
    villageId: s.villages[0]?.id,
    headName: 'Trần Thị Hỏi',
  })
  const request = db.select().from(householdRequests).where(eq(householdRequests.roundId, open.id)).get()
  if (!request) throw new Error('fixtures: no household request')

  // the open round's ballots land now, as a full batch would, so its ballot routes have targets; feedback is read
  // (and moved on) once its round has closed (TRUST.md §2.2), so its target is in the closed round
  await landNow(app, open.id)
  const ballot = db.select().from(ballots).where(eq(ballots.roundId, open.id)).all()[0]
  const fb = db
    .select()
    .from(feedback)
    .where(and(eq(feedback.roundId, closed.id)))
    .all()[0]
  if (!ballot || !fb) throw new Error('fixtures: no ballot in the open round or no feedback in the closed one')
  const invitedHouseholdId = open.links[3]?.householdId as string
  return {
    province: s.province,
    commune: s.commune,
    villages: s.villages,
    staffUserId: who.staffUserId,
    spareUserId: who.spareUserId,
    collectorId: who.collectorId,
    templateId: s.templateId,
    ruleSetId: (
      await app.services.questionnaires.createRuleSet(null, {
        code: 'AUTHZ',
        name: 'Bộ quy tắc thử',
        legalBasis: { text: 'Văn bản thử', number: '1/HD', date: '2025-01-01', effectiveFrom: '2025-01-01', effectiveTo: null },
        levels: ['xa_ntm'],
        bars: [{ kind: 'overall', minBp: 9000 }],
        provisional: false,
        note: null,
      })
    ).id,
    rounds: { draft, open: open.id, closed: closed.id, sealed: sealed.id, returned: returned.id, doubleEntry: paper.id },
    invitedHouseholdId,
    villageHouseholdId: db
      .select()
      .from(households)
      .where(eq(households.villageId, s.villages[0]?.id as string))
      .all()[0]?.id as string,
    freeHouseholdId: open.links[4]?.householdId as string,
    unusedToken: open.tokens[3] as string,
    ballotId: ballot.id,
    receipt: open.receipt,
    feedbackId: fb.id,
    mismatchSerial: serial,
    mismatchHouseholdId: paperHh,
    requestId: request.id,
    decisionId: decision.id as string,
  }
}

/**
 * makeWorld (a commune with 2 villages × 6 households, a foreign commune in another province, staff of
 * every role) plus a full set of request targets in both communes.
 */
export async function makeAuthzWorld(app: FastifyInstance, db: Db): Promise<AuthzWorld> {
  const w = await makeWorld(app, db, { perVillage: 6 })
  // The foreign commune gets its own council and collector, and enough households for 5 rounds' fixtures.
  const { makeHouseholds } = await import('../../helpers/factories.js')
  const otherVillages = w.other.villages
  for (const v of otherVillages) makeHouseholds(db, v.id, 3, 'F')
  const council2 = await makeUser(db, { username: 'hoidong2', role: 'council', unitId: w.other.province.id })
  const collector2 = await makeUser(db, { username: 'thuky2', role: 'collector', unitId: w.other.commune.id })
  const userId = (name: string) => db.select().from(users).where(eq(users.username, name)).get()?.id as string
  const own = await buildScope(
    app,
    db,
    { province: w.province, commune: w.commune, villages: w.villages, templateId: w.template.id },
    {
      staff: w.auth.xa,
      council: w.auth.hoidong,
      collector: w.auth.thuky,
      collectorId: w.collector.id,
      staffUserId: userId('xa'),
      spareUserId: (await makeUser(db, { username: 'du.phong', role: 'council', unitId: w.province.id })).id,
    },
  )
  const foreign = await buildScope(
    app,
    db,
    { province: w.other.province, commune: w.other.commune, villages: otherVillages, templateId: w.template.id },
    {
      staff: w.auth.khac,
      council: await loginAs(app, council2.username),
      collector: await loginAs(app, collector2.username),
      collectorId: collector2.id,
      staffUserId: userId('khac'),
      spareUserId: (await makeUser(db, { username: 'du.phong2', role: 'council', unitId: w.other.province.id })).id,
    },
  )
  return {
    world: w,
    own,
    foreign,
    auth: { admin: w.auth.admin, provinceStaff: w.auth.tinh, communeStaff: w.auth.xa, collector: w.auth.thuky, council: w.auth.hoidong },
  }
}
