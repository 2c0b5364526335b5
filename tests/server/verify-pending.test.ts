import { describe, expect, it } from 'vitest'
import { buildTestApp } from '../helpers/build-test-app.js'
import { allSatisfied, makeWorld, openRoundWithLinks } from '../helpers/rounds.js'

describe('ledger verification while ballots wait to land', () => {
  it('counts pending ballots as taken part: an open round with accepted, unlanded ballots verifies ok', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    const { round, tokens } = await openRoundWithLinks(app, w)
    for (const t of tokens.slice(0, 3))
      expect((await app.inject({ method: 'POST', url: `/api/ballots/${t}`, payload: { answers: allSatisfied } })).statusCode).toBe(201)
    expect((await app.services.ballots.pendingCounts(round.id)).reduce((s, g) => s + g.n, 0)).toBe(3)
    const res = await app.inject({ method: 'GET', url: `/api/rounds/${round.id}/ledger/verify`, headers: w.auth.xa })
    expect(res.statusCode).toBe(200)
    expect(res.json().ok).toBe(true)
  })

  it('still catches a phantom participation beside pending ballots', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    const { round, tokens } = await openRoundWithLinks(app, w)
    expect((await app.inject({ method: 'POST', url: `/api/ballots/${tokens[0]}`, payload: { answers: allSatisfied } })).statusCode).toBe(
      201,
    )
    const p = db.$client.prepare('SELECT * FROM participations WHERE round_id = ? LIMIT 1').get(round.id) as Record<string, unknown>
    const other = db.$client
      .prepare('SELECT id FROM households WHERE village_id = ? AND id != ? LIMIT 1')
      .get(p.village_id, p.household_id) as { id: string }
    const cols = Object.keys(p)
    db.$client
      .prepare(`INSERT INTO participations (${cols.join(',')}) VALUES (${cols.map(() => '?').join(',')})`)
      .run(...cols.map((c) => (c === 'household_id' ? other.id : p[c])))
    const res = await app.inject({ method: 'GET', url: `/api/rounds/${round.id}/ledger/verify`, headers: w.auth.xa })
    expect(res.json().ok).toBe(false)
  })
})
