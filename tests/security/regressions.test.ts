import { auditLog, collectorAssignments, users } from '@app/db'
import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { buildTestApp } from '../helpers/build-test-app.js'
import { makeUser } from '../helpers/factories.js'
import { createRound, makeWorld } from '../helpers/rounds.js'

/** Bugs the security suites (fuzzing, matrix, abuse) found, pinned one by one. */
describe('PUT /api/rounds/:id/collectors/:userId (found by fuzzing: an unknown user answered 500)', () => {
  it('answers 404 for an unknown user, a non-collector or a collector outside the caller scope, and assigns nothing', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    const round = await createRound(app, w)
    const council = db.select().from(users).where(eq(users.username, 'hoidong')).get()
    const foreign = await makeUser(db, { username: 'thuky.khac', role: 'collector', unitId: w.other.commune.id })
    const body = { villageIds: [w.villages[0]?.id] }
    for (const userId of ['no-such-user', council?.id, foreign.id]) {
      const res = await app.inject({
        method: 'PUT',
        url: `/api/rounds/${round.id}/collectors/${userId}`,
        headers: w.auth.xa,
        payload: body,
      })
      expect(res.statusCode, String(userId)).toBe(404)
      expect(res.json().error.code).toBe('not_found')
    }
    expect(db.select().from(collectorAssignments).all()).toHaveLength(0)
    const ok = await app.inject({
      method: 'PUT',
      url: `/api/rounds/${round.id}/collectors/${w.collector.id}`,
      headers: w.auth.xa,
      payload: body,
    })
    expect(ok.statusCode).toBe(200)
  })
})

describe('PUT /api/rounds/:id/messaging/policy (found by fuzzing: an empty body answered 500)', () => {
  it('treats an empty body as no change: 200 with the current policy, no audit entry', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    const round = await createRound(app, w)
    const before = db.select().from(auditLog).all().length
    const res = await app.inject({ method: 'PUT', url: `/api/rounds/${round.id}/messaging/policy`, headers: w.auth.xa, payload: {} })
    expect(res.statusCode, res.body).toBe(200)
    expect(db.select().from(auditLog).all()).toHaveLength(before)
    const set = await app.inject({
      method: 'PUT',
      url: `/api/rounds/${round.id}/messaging/policy`,
      headers: w.auth.xa,
      payload: { reminderMax: 1 },
    })
    expect(set.statusCode).toBe(200)
    expect(set.json()).toMatchObject({ reminderMax: 1 })
  })
})
