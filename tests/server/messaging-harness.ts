/**
 * Shared set-up for the messaging tests: the fake Zalo server and the fake SMS gateway on 127.0.0.1, our app
 * listening on a real port (the fake posts receipts to it), one FakeClock shared by both sides (it runs in real
 * time from a chosen instant, and can be set or advanced), and the outbox worker built from config.
 */
import { asyncDb, createTestDb, invitations, outbox } from '@app/db'
import { FakeClock, type FakeZaloOptions, startFakeZalo } from '@app/fake-zalo'
import { startFakeSmsGateway } from '@app/fake-zalo/sms-gateway'
import { buildApp } from '@app/server'
import { createMessagingRuntime } from '@app/server/modules/messaging/runtime.ts'
import { allSmsTemplates, DEFAULT_SMS_TEMPLATES } from '@app/server/modules/messaging/sms-templates.ts'
import { eq } from 'drizzle-orm'
import { onTestFinished } from 'vitest'
import { loginAs } from '../helpers/build-test-app.js'
import { makeCommune, makeUser } from '../helpers/factories.js'
import { createRound, makeTemplate, type World } from '../helpers/rounds.js'
import { testConfig } from '../helpers/test-config.js'

/** 10:00 in Vietnam (03:00 UTC): inside the 07:00–21:00 sending window. */
export const MORNING_VN = '2025-06-02T03:00:00Z'

export const silentLog = { info() {}, warn() {}, error() {} }

export async function startMessaging(
  opts: {
    now?: string
    env?: Record<string, string>
    fake?: FakeZaloOptions
    perVillage?: number
    concurrency?: number
    /** Also create a second commune with its own staff ("khac") and a collector ("thuky") for authorisation tests. */
    others?: boolean
    /** Collect the app's log lines (JSON) here instead of silencing them. */
    logs?: string[]
    /** The texts registered at the fake SMS gateway; default: the server's default templates. */
    smsRegistered?: string[]
  } = {},
) {
  const clock = new FakeClock()
  clock.set(Date.parse(opts.now ?? MORNING_VN))
  // timeScale 0.001: a 2 s receipt delay becomes 2 ms; the webhook ladder 30 s → 30 ms
  const fake = await startFakeZalo({ clock, timeScale: 0.001, rateLimit: { perSecond: 1000, burst: 1000 }, ...opts.fake })
  const gw = await startFakeSmsGateway({
    now: () => clock.now(),
    templates: opts.smsRegistered ?? allSmsTemplates(DEFAULT_SMS_TEMPLATES),
  })
  const db = createTestDb()
  const serverClock = { now: () => new Date(clock.now()) }
  const t = fake.control.tokens()
  const config = testConfig({
    ZALO_MODE: 'fake',
    ZALO_ZNS_BASE_URL: fake.url,
    SMS_BASE_URL: gw.url,
    ZALO_REFRESH_TOKEN: t.refreshToken,
    ZALO_ACCESS_TOKEN: t.accessToken,
    ZALO_RATE_PER_SEC: '500',
    ZALO_REQUEST_TIMEOUT_MS: '400',
    ZALO_BACKOFF_BASE_MS: '5',
    ZALO_BACKOFF_CAP_MS: '20',
    ZALO_WORKER_POLL_MS: '15',
    PUBLIC_BASE_URL: 'https://hailong.example.vn',
    ...opts.env,
  })
  const logs = opts.logs
  const app = await buildApp({
    config,
    db,
    clock: serverClock,
    ...(logs ? { logStream: { write: (line: string) => void logs.push(line) } } : { logger: false }),
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const port = (app.server.address() as { port: number }).port
  const webhookUrl = `http://127.0.0.1:${port}/api/webhooks/zalo`
  fake.control.configure({ webhook: { url: webhookUrl } })
  const makeRuntime = () =>
    createMessagingRuntime({
      db: asyncDb(db),
      clock: serverClock,
      config,
      audit: app.services.audit,
      log: silentLog,
      sweepInbox: () => app.services.messaging.processPending(),
      limitsStore: app.services.messaging.templateLimits,
      concurrency: opts.concurrency ?? 4,
      random: () => 0.5,
    })
  const runtimes: ReturnType<typeof makeRuntime>[] = []
  const runtime = () => {
    const r = makeRuntime()
    runtimes.push(r)
    return r
  }
  onTestFinished(async () => {
    for (const r of runtimes) await r.worker.kill().then(() => r.close())
    await app.close()
    await fake.close()
    await gw.close()
    db.$client.close()
  })
  const world = await makeLightWorld(app, db, opts.perVillage ?? 3, opts.others ?? false)
  return { app, db, clock, fake, gw, config, world, runtime, webhookUrl }
}
export type MessagingWorld = Awaited<ReturnType<typeof startMessaging>>

/** makeWorld without the six logins (scrypt makes each one slow): staff "xa" of the commune, optionally "khac" and "thuky". */
async function makeLightWorld(
  app: Parameters<typeof loginAs>[0],
  db: ReturnType<typeof createTestDb>,
  perVillage: number,
  others: boolean,
) {
  const w = makeCommune(db, { perVillage })
  const template = makeTemplate(db)
  await makeUser(db, { username: 'xa', role: 'front_staff', unitId: w.commune.id })
  const auth: Record<string, { authorization: string }> = { xa: await loginAs(app, 'xa') }
  if (others) {
    const other = makeCommune(db, { provinceName: 'Tỉnh Khác', name: 'Xã Khác', code: 'XK', perVillage: 1 })
    await makeUser(db, { username: 'khac', role: 'front_staff', unitId: other.commune.id })
    await makeUser(db, { username: 'thuky', role: 'collector', unitId: w.commune.id })
    auth.khac = await loginAs(app, 'khac')
    auth.thuky = await loginAs(app, 'thuky')
  }
  return { ...w, template, auth } as unknown as World
}

/** Create and open a round, then queue Zalo (or SMS) invitations for every household with a phone. */
export async function openRoundWithZalo(m: MessagingWorld, channel: 'zalo' | 'sms' = 'zalo', body: Record<string, unknown> = {}) {
  const round = await createRound(m.app, m.world, { opensAt: '2025-06-01T00:00:00Z', closesAt: '2025-06-20T00:00:00Z', ...body })
  const open = await m.app.inject({ method: 'POST', url: `/api/rounds/${round.id}/open`, headers: m.world.auth.xa })
  if (open.statusCode !== 200) throw new Error(`open: ${open.body}`)
  const inv = await m.app.inject({
    method: 'POST',
    url: `/api/rounds/${round.id}/invitations`,
    headers: m.world.auth.xa,
    payload: { channel },
  })
  if (inv.statusCode !== 201) throw new Error(`invitations: ${inv.body}`)
  return round
}

export function outboxRows(m: MessagingWorld) {
  return m.db.select().from(outbox).all()
}
export function invitationRows(m: MessagingWorld) {
  return m.db.select().from(invitations).all()
}
export function invitation(m: MessagingWorld, id: string) {
  return m.db.select().from(invitations).where(eq(invitations.id, id)).get()
}

/** Poll until `fn` is truthy (real time), or throw with the last value. */
export async function waitFor<T>(fn: () => T | Promise<T>, timeoutMs = 5_000, what = 'condition'): Promise<NonNullable<T>> {
  const start = Date.now()
  let last: T = await fn()
  while (!last) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
    last = await fn()
  }
  return last as NonNullable<T>
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
