/**
 * Work that must happen once per cluster, with two app instances on one PostgreSQL database: the round sweeper's
 * tick, and the Zalo OA token refresh (Zalo's refresh token is single-use, so a second refresh from the same pair
 * is refused and would send the OA to re-consent).
 */
import { auditLog, zaloTokens } from '@app/db'
import { startFakeZalo } from '@app/fake-zalo'
import { createMessagingRepo } from '@app/server/modules/messaging/repo.ts'
import { createTokenManager } from '@app/server/modules/messaging/token-manager.ts'
import { createZaloClient } from '@app/server/modules/messaging/zalo-client.ts'
import { sweepRounds } from '@app/server/plugins/background.ts'
import { eq } from 'drizzle-orm'
import { describe, expect, it, onTestFinished } from 'vitest'
import { twoPgInstances } from '../helpers/pg-instances.js'
import { PG_SKIP_REASON, testDatabaseUrl } from '../helpers/pg-provision.js'
import { makeWorld, openRoundWithLinks } from '../helpers/rounds.js'

const server = testDatabaseUrl()

describe.skipIf(!server)(`once per cluster on PostgreSQL${server ? '' : ` (skipped: ${PG_SKIP_REASON})`}`, () => {
  it('two sweepers at the same tick close each expired round once (one audit entry)', async () => {
    const { apps, db, clock } = await twoPgInstances()
    const [a, b] = apps
    const w = await makeWorld(a, db)
    const { round } = await openRoundWithLinks(a, w)
    clock.set('2025-06-15T00:00:01Z')
    const results = await Promise.allSettled([sweepRounds(a), sweepRounds(b), sweepRounds(a), sweepRounds(b)])
    expect(results.filter((r) => r.status === 'rejected')).toEqual([])
    expect(results.reduce((n, r) => n + (r.status === 'fulfilled' ? r.value : 0), 0)).toBe(1)
    const closes = db
      .select()
      .from(auditLog)
      .where(eq(auditLog.targetId, round.id))
      .all()
      .filter((e) => e.action.endsWith('close'))
    expect(closes).toHaveLength(1)
    expect((await a.services.rounds.closeExpired()) + (await b.services.rounds.closeExpired())).toBe(0)
  })

  it('both instances refreshing the Zalo token at once: one refresh reaches Zalo, both end with the new token', async () => {
    const { apps, db } = await twoPgInstances()
    const fake = await startFakeZalo({ clock: '2025-06-01T08:00:00Z', timeScale: 0.001 })
    const t = fake.control.tokens()
    const managers = apps.map((app) => {
      const client = createZaloClient({
        znsBaseUrl: fake.url,
        oauthBaseUrl: fake.url,
        appId: fake.control.settings().appId,
        appSecret: fake.control.settings().appSecret,
        timeouts: { connectMs: 500, responseMs: 1000, requestMs: 1000 },
      })
      onTestFinished(() => client.close())
      return createTokenManager({
        db: app.db,
        repo: createMessagingRepo(app.db),
        client,
        clock: app.clock,
        audit: app.services.audit,
        bootstrap: { accessToken: t.accessToken, refreshToken: t.refreshToken },
        retry: { attempts: 1, baseMs: 1, capMs: 5 },
      })
    })
    onTestFinished(() => fake.close())
    await managers[0]!.state()
    const got = await Promise.all(managers.map((m) => m.afterAuthFailure(t.accessToken)))
    const fresh = fake.control.tokens()
    expect(fake.control.requests({ path: '/v4/oa/access_token' })).toHaveLength(1)
    expect(fresh.accessToken).not.toBe(t.accessToken)
    expect(got).toEqual([fresh.accessToken, fresh.accessToken])
    expect(db.select().from(zaloTokens).all()).toMatchObject([
      { state: 'ok', accessToken: fresh.accessToken, refreshToken: fresh.refreshToken },
    ])
    // and the keeper's run right after, on either instance, does not rotate again
    await Promise.all(managers.map((m) => m.keep(3_600_000)))
    expect(fake.control.requests({ path: '/v4/oa/access_token' })).toHaveLength(1)
  })
})
