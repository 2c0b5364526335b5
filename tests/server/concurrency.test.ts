import { ballots, participations } from '@app/db'
import { describe, expect, it } from 'vitest'
import { buildTestApp } from '../helpers/build-test-app.js'
import { allSatisfied, landNow, makeWorld, openRoundWithLinks } from '../helpers/rounds.js'

/** Real concurrency: a real socket and 50 simultaneous HTTP requests. */
describe('one ballot per household under concurrency', () => {
  it('50 parallel submits on one token give exactly one 201 (or 200 replays) and one ballot', async () => {
    const { app, db } = await buildTestApp({ env: { LINK_RATE_LIMIT_PER_MIN: '100000' } })
    const w = await makeWorld(app, db)
    const { round, tokens } = await openRoundWithLinks(app, w)
    await app.listen({ port: 0, host: '127.0.0.1' })
    const addr = app.server.address() as { port: number }
    const url = `http://127.0.0.1:${addr.port}/api/ballots/${tokens[0]}`
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ answers: allSatisfied, clientId: `client-${String(i).padStart(4, '0')}` }),
        }).then(async (r) => ({
          status: r.status,
          body: (await r.json()) as { error: { code: string } },
        })),
      ),
    )
    const statuses = results.map((r) => r.status).sort()
    expect(statuses.filter((s) => s === 201)).toHaveLength(1)
    expect(statuses.filter((s) => s === 409)).toHaveLength(49)
    expect(results.filter((r) => r.status === 409).every((r) => r.body.error.code === 'already_answered')).toBe(true)
    await landNow(app, round.id)
    expect(db.select().from(ballots).all()).toHaveLength(1)
  })

  it('a link submit racing a paper entry for the same household: one ballot, one 409', async () => {
    const { app, db } = await buildTestApp({ env: { LINK_RATE_LIMIT_PER_MIN: '100000' } })
    const w = await makeWorld(app, db)
    const { round, tokens, links } = await openRoundWithLinks(app, w)
    await app.listen({ port: 0, host: '127.0.0.1' })
    const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`
    const results = await Promise.all(
      links.slice(0, 5).flatMap((l, i) => [
        fetch(`${base}/api/ballots/${tokens[i]}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ answers: allSatisfied }),
        }).then((r) => r.status),
        fetch(`${base}/api/rounds/${round.id}/paper-ballots`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...w.auth.xa },
          body: JSON.stringify({ householdId: l.householdId, channel: 'paper', answers: allSatisfied }),
        }).then((r) => r.status),
      ]),
    )
    expect(results.filter((s) => s === 201)).toHaveLength(5)
    expect(results.filter((s) => s === 409)).toHaveLength(5)
    await landNow(app, round.id)
    expect(db.select().from(ballots).all()).toHaveLength(5)
    expect(db.select().from(participations).all()).toHaveLength(5)
  })
})
