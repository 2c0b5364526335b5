import { asyncDb, councilDecisions, createTestDb, type Db, feedback, rounds } from '@app/db'
import { fixedClock } from '@app/server/lib/clock.ts'
import { seedDemo } from '@app/server/seed.ts'
import { seedDemoRounds } from '@app/server/seed-rounds.ts'
import { createServices } from '@app/server/services.ts'
import { eq } from 'drizzle-orm'
import { describe, expect, it, onTestFinished } from 'vitest'
import { testConfig } from '../helpers/test-config.js'

const NOW = '2026-03-10T08:00:00Z'

async function seeded() {
  const db: Db = createTestDb()
  onTestFinished(() => {
    db.$client.close()
  })
  const services = createServices({ db, config: testConfig(), clock: fixedClock(NOW) })
  await seedDemo(asyncDb(db), services)
  const summary = await seedDemoRounds(asyncDb(db), services, { now: new Date(NOW) })
  return { db, services, summary }
}

describe('seedDemoRounds', () => {
  it('adds a sealed round with a council decision, open rounds with partial coverage and a draft', async () => {
    const { db, services, summary } = await seeded()
    expect(summary.rounds.map((r) => [r.commune, r.level, r.status])).toEqual([
      ['Biển Bạch', 'xa_ntm', 'sealed'],
      ['Biển Bạch', 'xa_ntm', 'open'],
      ['Tân Lộc', 'xa_ntm', 'open'],
      ['Trí Phải', 'xa_ntm', 'draft'],
    ])
    const [sealed, open, open2, draft] = await Promise.all(summary.rounds.map(async (r) => (await services.rounds.findById(r.roundId))!))
    expect([sealed?.status, open?.status, open2?.status, draft?.status]).toEqual(['sealed', 'open', 'open', 'draft'])
    const frozen = (await services.tally.sealedRecord(sealed!.id))!
    expect(frozen.tally.commune.verdict).toBe('meets')
    expect(frozen.tally.commune.participated).toBe(summary.rounds[0]?.ballots)
    expect(db.select().from(councilDecisions).where(eq(councilDecisions.roundId, sealed!.id)).all()).toMatchObject([
      { decision: 'recognise', votesFor: 20, votesAgainst: 0, votesAbstain: 0 },
    ])
    for (const r of [open!, open2!]) {
      const t = await services.tally.live(r)
      expect(t.commune.coverage).toBeGreaterThan(0.2)
      expect(t.commune.coverage).toBeLessThan(0.7)
      expect((await services.tally.recount(null, r.id)).matches).toBe(true)
    }
    // the whole-round check finds nothing to report on an honest history (no false alarm)
    for (const r of [sealed!, open!, open2!, draft!])
      expect(await services.verify.verifyRound(r.id)).toMatchObject({ ok: true, differences: [] })
    expect(db.select().from(feedback).where(eq(feedback.roundId, sealed!.id)).all().length).toBeGreaterThan(10)
  }, 60_000)

  it('is deterministic and runs once', async () => {
    const one = await seeded()
    const two = await seeded()
    expect(one.summary.rounds.map((r) => r.ballots)).toEqual(two.summary.rounds.map((r) => r.ballots))
    const commune = async (s: typeof one) => ({
      ...(await s.services.tally.sealedRecord(s.summary.rounds[0]!.roundId))?.tally.commune,
      unitId: null,
    })
    expect(await commune(one)).toEqual(await commune(two))
    const again = await seedDemoRounds(asyncDb(one.db), one.services, { now: new Date(NOW) })
    expect(again.rounds).toEqual([])
    expect(one.db.select().from(rounds).all()).toHaveLength(4)
  }, 120_000)
})
