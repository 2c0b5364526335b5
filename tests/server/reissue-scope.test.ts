import { describe, expect, it } from 'vitest'
import { buildTestApp } from '../helpers/build-test-app.js'
import { createRound, makeWorld } from '../helpers/rounds.js'

describe('POST /api/rounds/:id/invitations/:householdId/reissue', () => {
  it("refuses a household outside a targeted round's villages with 422 household_outside_round", async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    const inside = w.villages[0]!
    const outside = w.villages[1]!
    const round = await createRound(app, w, { villageIds: [inside.id] })
    expect((await app.inject({ method: 'POST', url: `/api/rounds/${round.id}/open`, headers: w.auth.xa })).statusCode).toBe(200)
    const hh = (id: string) => db.$client.prepare('SELECT id FROM households WHERE village_id = ? LIMIT 1').pluck().get(id) as string
    const url = (h: string) => `/api/rounds/${round.id}/invitations/${h}/reissue`
    const out = await app.inject({ method: 'POST', url: url(hh(outside.id)), headers: w.auth.xa, payload: { channel: 'print' } })
    expect(out.statusCode).toBe(422)
    expect(out.json().error.code).toBe('household_outside_round')
    const ok = await app.inject({ method: 'POST', url: url(hh(inside.id)), headers: w.auth.xa, payload: { channel: 'print' } })
    expect(ok.statusCode).toBe(201)
  })
})
