/**
 * Two instances draining one outbox on one PostgreSQL database: every row is sent exactly once, and the fake Zalo
 * server sees every tracking_id once. The second worker starts while the first is mid-drain, as a rolling restart
 * or a scale-out would, so its start-up recovery meets rows the first one holds.
 */
import { outbox } from '@app/db'
import { FakeClock, startFakeZalo } from '@app/fake-zalo'
import { createMessagingRepo } from '@app/server/modules/messaging/repo.ts'
import { createMessagingRuntime } from '@app/server/modules/messaging/runtime.ts'
import { describe, expect, it, onTestFinished } from 'vitest'
import { loginAs } from '../helpers/build-test-app.js'
import { makeCommune, makeUser } from '../helpers/factories.js'
import { twoPgInstances } from '../helpers/pg-instances.js'
import { PG_SKIP_REASON, testDatabaseUrl } from '../helpers/pg-provision.js'
import { createRound, makeTemplate, type World } from '../helpers/rounds.js'
import { testConfig } from '../helpers/test-config.js'
import { MORNING_VN, silentLog, waitFor } from './messaging-harness.js'

const server = testDatabaseUrl()

async function cluster() {
  const clock = new FakeClock()
  clock.set(Date.parse(MORNING_VN))
  const fake = await startFakeZalo({ clock, timeScale: 0.001, rateLimit: { perSecond: 1000, burst: 1000 } })
  const t = fake.control.tokens()
  const env = {
    ZALO_MODE: 'fake',
    ZALO_ZNS_BASE_URL: fake.url,
    ZALO_REFRESH_TOKEN: t.refreshToken,
    ZALO_ACCESS_TOKEN: t.accessToken,
    // slow enough that the second worker joins mid-drain
    ZALO_RATE_PER_SEC: '100',
    ZALO_REQUEST_TIMEOUT_MS: '2000',
    ZALO_BACKOFF_BASE_MS: '5',
    ZALO_BACKOFF_CAP_MS: '20',
    ZALO_WORKER_POLL_MS: '15',
    PUBLIC_BASE_URL: 'https://hailong.example.vn',
  }
  const config = testConfig(env)
  const serverClock = { now: () => new Date(clock.now()) }
  const { apps, appDbs, db } = await twoPgInstances({ env, clock: serverClock })
  const runtimes = apps.map((app, i) =>
    createMessagingRuntime({
      db: appDbs[i]!,
      clock: serverClock,
      config,
      audit: app.services.audit,
      log: silentLog,
      sweepInbox: () => app.services.messaging.processPending(),
      limitsStore: app.services.messaging.templateLimits,
      concurrency: 4,
      random: () => 0.5,
    }),
  )
  onTestFinished(async () => {
    for (const r of runtimes) await r.worker.kill().then(() => r.close())
    await fake.close()
  })

  const w = makeCommune(db, { villages: 4, perVillage: 50 })
  const template = makeTemplate(db)
  await makeUser(db, { username: 'xa', role: 'front_staff', unitId: w.commune.id })
  const world = { ...w, template, auth: { xa: await loginAs(apps[0], 'xa') } } as unknown as World
  const round = await createRound(apps[0], world, { opensAt: '2025-06-01T00:00:00Z', closesAt: '2025-06-20T00:00:00Z' })
  expect((await apps[0].inject({ method: 'POST', url: `/api/rounds/${round.id}/open`, headers: world.auth.xa })).statusCode).toBe(200)
  const inv = await apps[1].inject({
    method: 'POST',
    url: `/api/rounds/${round.id}/invitations`,
    headers: world.auth.xa,
    payload: { channel: 'zalo' },
  })
  expect(inv.statusCode).toBe(201)
  expect(db.select().from(outbox).all()).toHaveLength(200)

  return { clock, fake, db, appDbs, runtimes: runtimes as [(typeof runtimes)[0], (typeof runtimes)[0]] }
}

describe.skipIf(!server)(`outbox on PostgreSQL with two instances${server ? '' : ` (skipped: ${PG_SKIP_REASON})`}`, () => {
  it('sends each of 200 queued invitations exactly once when both instances drain the same outbox', async () => {
    const { fake, db, runtimes } = await cluster()
    const [a, b] = runtimes
    await a.worker.start()
    await waitFor(() => fake.control.messages().length >= 20, 10_000, 'the first worker under way')
    await b.worker.start()
    const settled = () =>
      db
        .select()
        .from(outbox)
        .all()
        .every((r) => r.status !== 'pending' && r.status !== 'sending')
    await waitFor(settled, 20_000, 'the outbox drained')
    await Promise.all(runtimes.map((r) => r.worker.stop()))

    const rows = db.select().from(outbox).all()
    const byStatus: Record<string, number> = {}
    for (const r of rows) byStatus[r.status] = (byStatus[r.status] ?? 0) + 1
    expect(byStatus).toEqual({ sent: 200 })
    expect(fake.control.stats().duplicateTrackingIds).toEqual([])
    expect(fake.control.messages()).toHaveLength(200)
    expect(new Set(fake.control.messages().map((m) => m.trackingId))).toEqual(new Set(rows.map((r) => r.trackingId)))
  }, 60_000)

  it('leaves a row another instance holds alone until its lease runs out, then treats it as crashed (unknown)', async () => {
    const { clock, fake, db, appDbs, runtimes } = await cluster()
    // instance A claims one row with the default lease (10 min) and then dies before sending it
    const first = db.select().from(outbox).all()[0]!
    const held = await createMessagingRepo(appDbs[0]).claim(first.id, new Date(clock.now() + 10 * 60_000).toISOString())
    expect(held?.status).toBe('sending')
    const b = runtimes[1]
    await b.worker.start()
    await waitFor(() => fake.control.messages().length === 199, 20_000, 'B sent the other rows')
    const row = () =>
      db
        .select()
        .from(outbox)
        .all()
        .find((r) => r.id === first.id)!
    // B's start-up recovery and its passes leave A's leased row alone
    expect(row().status).toBe('sending')
    clock.advance(11 * 60_000)
    await waitFor(() => row().status === 'unknown', 5_000, 'the expired lease recovered')
    expect(fake.control.messages().some((m) => m.trackingId === first.trackingId)).toBe(false)
    expect(fake.control.stats().duplicateTrackingIds).toEqual([])
  }, 60_000)
})
