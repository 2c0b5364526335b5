import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { closeDb, createDb, migrateDb, seedData } from '@app/db'
import closeWithGrace from 'close-with-grace'
import { buildApp } from './app.js'
import { type Config, ConfigError, loadConfig } from './config.js'
import { systemClock } from './lib/clock.js'
import { warmDocumentLibraries } from './lib/lazy-deps.js'
import { createMessagingRepo } from './modules/messaging/repo.js'
import { createMessagingRuntime } from './modules/messaging/runtime.js'
import { isEmpty, seedDemo, seedReferenceData } from './seed.js'
import { seedDemoRounds } from './seed-rounds.js'
import { createServices } from './services.js'

/** Delay from listening to warming the document libraries (lib/lazy-deps.ts). */
const WARM_DOCUMENTS_AFTER_MS = 2_000

/** Use JWT_SECRET, or a secret generated once and kept beside the database (0600). */
function jwtSecretFor(dbPath: string, configured: string | undefined): { secret: string; generated: boolean } {
  if (configured) return { secret: configured, generated: false }
  const file = join(dirname(resolve(dbPath)), 'jwt-secret')
  if (existsSync(file)) return { secret: readFileSync(file, 'utf8').trim(), generated: false }
  mkdirSync(dirname(file), { recursive: true })
  const secret = randomBytes(48).toString('base64url')
  writeFileSync(file, `${secret}\n`, { mode: 0o600 })
  return { secret, generated: true }
}

/**
 * ZALO_MODE=fake (the default) with no ZALO_ZNS_BASE_URL: run the fake Zalo server and the fake SMS gateway in this
 * process (issue 8 item 7) and point the config at them. The fakes live in scripts/fake-zalo and are imported
 * dynamically here only, so the server package takes no dependency on scripts/ and live mode never loads them.
 * The fake is seeded with the token pair stored in our database, so rotations survive restarts.
 */
async function startFakes(config: Config, db: ReturnType<typeof createDb>) {
  const closers: (() => Promise<void>)[] = []
  let zalo = config.zalo
  let sms = config.sms
  let setWebhookUrl = (_url: string) => {}
  if (config.zalo.inProcessFake) {
    const { startFakeZalo } = await import('../../scripts/fake-zalo/app.ts')
    const stored = createMessagingRepo(db).token('oa')
    const f = config.zalo.fake
    const fake = await startFakeZalo({
      appId: zalo.appId,
      appSecret: zalo.appSecret,
      oaSecretKey: zalo.oaSecretKey,
      timeScale: f.timeScale,
      dailyQuota: f.dailyQuota,
      rateLimit: { perSecond: f.ratePerSec, burst: f.ratePerSec },
      // a demo run with ZALO_SEND_HOURS reaching into the night (e.g. 0-24) means "send now": lift the fake's night ban
      ...(zalo.sendHours.start < 6 || zalo.sendHours.end > 22 ? { nightWindow: null } : {}),
      tokens: stored ? { accessToken: stored.accessToken || undefined, refreshToken: stored.refreshToken } : undefined,
    })
    closers.push(() => fake.close())
    const t = fake.control.tokens()
    zalo = {
      ...zalo,
      znsBaseUrl: fake.url,
      oaBaseUrl: fake.url,
      oauthBaseUrl: fake.url,
      bootstrapTokens: { accessToken: t.accessToken, refreshToken: t.refreshToken },
    }
    setWebhookUrl = (url) => fake.control.configure({ webhook: { url } })
  }
  if (config.sms.inProcessFake) {
    const { startFakeSmsGateway } = await import('../../scripts/fake-zalo/sms-gateway.ts')
    const gw = await startFakeSmsGateway({ apiKey: sms.apiKey, secretKey: sms.secretKey, brandnames: [sms.brandname] })
    closers.push(() => gw.close())
    sms = { ...sms, baseUrl: gw.url }
  }
  return {
    config: { ...config, zalo, sms } as Config,
    setWebhookUrl,
    close: async () => {
      for (const c of closers) await c()
    },
  }
}

async function main() {
  let config: ReturnType<typeof loadConfig>
  try {
    config = loadConfig(process.env)
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message)
      process.exit(1)
    }
    throw e
  }
  const db = createDb(config.db.path)
  migrateDb(db)
  const { secret, generated } = jwtSecretFor(config.db.path, config.auth.jwtSecret)
  const fakes = await startFakes(config, db)
  config = fakes.config
  const app = await buildApp({ config, db, jwtSecret: secret, clock: systemClock })
  if (generated) app.log.warn('JWT_SECRET not set: generated one and stored it beside the database; set JWT_SECRET in production')

  const services = createServices({ db, config, clock: systemClock })
  let seeded = false
  if (config.db.seedDemo && isEmpty(services)) {
    const s = await seedDemo(db, services)
    const { rounds } = seedDemoRounds(db, services)
    app.log.info({ units: s.units, households: s.households, rounds: rounds.length }, 'seeded the demo data (Cà Mau / Thới Bình)')
    seeded = true
  } else {
    seedReferenceData(services)
  }

  // Close rounds whose collection window has ended (also checked on every ballot).
  const sweeper = setInterval(() => {
    try {
      const n = services.rounds.closeExpired()
      if (n > 0) app.log.info({ closed: n }, 'closed rounds at the end of their window')
    } catch (err) {
      app.log.error({ err }, 'round sweeper failed')
    }
  }, 30_000)
  sweeper.unref()

  closeWithGrace({ delay: 10_000 }, async ({ err }) => {
    if (err) app.log.error({ err }, 'closing after error')
    await app.close()
    closeDb(db)
  })
  // Zalo/SMS outbox worker (issue 8): stops before the database closes
  const messaging = createMessagingRuntime({
    db,
    clock: systemClock,
    config,
    audit: app.services.audit,
    log: app.log,
    sweepInbox: () => app.services.messaging.processPending(),
  })
  app.addHook('onClose', async () => {
    await messaging.close()
    await fakes.close()
  })
  app.addHook('onClose', async () => closeDb(db))

  await app.listen({ port: config.http.port, host: config.http.host })
  const addr = app.server.address()
  const port = typeof addr === 'object' && addr ? addr.port : config.http.port
  const local = config.http.host === '0.0.0.0' || config.http.host === '::' ? '127.0.0.1' : config.http.host
  fakes.setWebhookUrl(`http://${local.includes(':') ? `[${local}]` : local}:${port}/api/webhooks/zalo`)
  messaging.worker.start()
  // Import pdfkit/exceljs once the first requests after a (re)start are served: the import blocks the event loop
  // for ~0.5 s, and a health check or resident arriving meanwhile would wait behind it.
  setTimeout(() => {
    warmDocumentLibraries().catch((err) => app.log.error({ err }, 'could not load the document libraries'))
  }, WARM_DOCUMENTS_AFTER_MS).unref()
  const base = config.links.publicBaseUrl
  const lines = [
    '',
    `  Hài Lòng is running at ${base}  (API docs: ${base}/api/docs)`,
    `  Database: ${resolve(config.db.path)}${seeded ? '  (demo data seeded)' : ''}`,
    `  Zalo: ${config.zalo.mode}${config.zalo.mode === 'fake' ? ` (fake at ${config.zalo.znsBaseUrl}; inbox: ${base}/demo/zalo; sends ${config.zalo.sendHours.start}:00–${config.zalo.sendHours.end}:00 VN)` : ''}`,
  ]
  if (config.db.seedDemo) {
    lines.push(`  Demo logins (password "${seedData.DEMO_PASSWORD}"):`)
    for (const u of seedData.DEMO_USERS) lines.push(`    ${u.username.padEnd(14)} ${u.role}`)
  }
  console.log(lines.join('\n'))
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
