import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { inClusterTurn, openDatabase, PG_LOCK_KEYS, seedData, users } from '@app/db'
import closeWithGrace from 'close-with-grace'
import { inArray } from 'drizzle-orm'
import { buildApp } from './app.js'
import { ConfigError, loadConfig } from './config.js'
import { systemClock } from './lib/clock.js'
import { startFakeMessaging } from './lib/fake-messaging.js'
import { warmDocumentLibraries } from './lib/lazy-deps.js'
import { createMessagingRepo } from './modules/messaging/repo.js'
import { backgroundPlugin } from './plugins/background.js'
import { isEmpty, seedDemo, seedReferenceData } from './seed.js'
import { seedDemoRounds } from './seed-rounds.js'

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

/** The URL without its password, for the start-up banner. */
function redactDbUrl(url: string): string {
  try {
    const u = new URL(url)
    if (u.password) u.password = '***'
    return u.toString()
  } catch {
    return 'postgres://…'
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
  if (config.db.url && (!config.auth.jwtSecret || !config.privacy.secret)) {
    // every instance on the database must sign and accept the same tokens and open the pending ballots another
    // sealed: secrets generated per machine would not be shared
    console.error('DATABASE_URL is set: set JWT_SECRET and PRIVACY_SECRET too (≥ 32 characters each, the same for every instance)')
    process.exit(1)
  }
  const database = await openDatabase(config.db.url ? { url: config.db.url } : { path: config.db.path })
  // PostgreSQL: instances starting together migrate one after the other (an advisory lock)
  await database.migrate()
  const db = database.db
  let closed = false
  const closeDatabase = async () => {
    if (closed) return
    closed = true
    await database.close()
  }
  if (config.production) {
    // the demo accounts have published passwords: a production database must not hold one
    const demo = seedData.DEMO_USERS.map((u) => u.username)
    const found = await db.select({ username: users.username }).from(users).where(inArray(users.username, demo))
    if (found.length > 0) {
      console.error(
        `Refusing to start with NODE_ENV=production: demo user(s) ${found.map((u) => u.username).join(', ')} in the database (published passwords); remove them or use a fresh database`,
      )
      await closeDatabase()
      process.exit(1)
    }
  }
  const { secret, generated } = jwtSecretFor(config.db.path, config.auth.jwtSecret)
  // demo mode: the fake Zalo and SMS gateway run as a child process (lib/fake-messaging.ts)
  const fakes = await startFakeMessaging(config, await createMessagingRepo(db).token('oa'))
  config = fakes.config
  fakes.ready.catch((err) => console.error(`ZALO_MODE=fake: ${err instanceof Error ? err.message : String(err)}`))
  const app = await buildApp({ config, db: database.sync ?? db, jwtSecret: secret, clock: systemClock })
  if (generated) app.log.warn('JWT_SECRET not set: generated one and stored it beside the database; set JWT_SECRET in production')

  const services = app.services
  // instances starting together on one PostgreSQL database seed one after the other; the later ones find it done
  // (both inserting the reference data at once, one died on its unique key)
  const seeded = await inClusterTurn(db, PG_LOCK_KEYS.seed, async () => {
    if (config.db.seedDemo && (await isEmpty(services))) {
      const s = await seedDemo(db, services)
      const { rounds } = await seedDemoRounds(db, services)
      app.log.info(
        { units: s.units, households: s.households, rounds: rounds.length },
        'seeded the demo data (tỉnh Cà Mau and tỉnh Vĩnh Long after the 2025 mergers, with the old tree until 30/06/2025)',
      )
      return true
    }
    await seedReferenceData(services)
    return false
  })

  closeWithGrace({ delay: 10_000 }, async ({ err }) => {
    if (err) app.log.error({ err }, 'closing after error')
    await app.close()
    await closeDatabase()
  })
  // outbox worker, reminders, round sweeper: started on ready, stopped before the fakes and the database close
  await app.register(backgroundPlugin)
  app.addHook('onClose', async () => fakes.close())
  app.addHook('onClose', closeDatabase)

  await app.listen({ port: config.http.port, host: config.http.host })
  const addr = app.server.address()
  const port = typeof addr === 'object' && addr ? addr.port : config.http.port
  const local = config.http.host === '0.0.0.0' || config.http.host === '::' ? '127.0.0.1' : config.http.host
  fakes.setWebhookUrl(`http://${local.includes(':') ? `[${local}]` : local}:${port}/api/webhooks/zalo`)
  // Import pdfkit once the first requests after a (re)start are served: the import blocks the event loop
  // for ~0.5 s, and a health check or resident arriving meanwhile would wait behind it.
  setTimeout(() => {
    warmDocumentLibraries().catch((err) => app.log.error({ err }, 'could not load the document libraries'))
  }, WARM_DOCUMENTS_AFTER_MS).unref()
  const base = config.links.publicBaseUrl
  const lines = [
    '',
    `  Hài Lòng is running at ${base}  (API docs: ${base}/api/docs${config.publicApiDocs ? '' : ', staff token required; PUBLIC_API_DOCS=true opens them'})`,
    `  Database: ${config.db.url ? `PostgreSQL ${redactDbUrl(config.db.url)}` : resolve(config.db.path)}${seeded ? '  (demo data seeded)' : ''}`,
    `  Zalo: ${config.zalo.mode}${config.zalo.mode === 'off' ? ' (no invitation is sent by Zalo or SMS; the fakes run only with the demo seed or ZALO_MODE=fake)' : ''}${config.zalo.mode === 'fake' ? ` (fake at ${config.zalo.znsBaseUrl}; inbox: an admin opens it from the staff app's admin page; sends ${config.zalo.sendHours.start}:00–${config.zalo.sendHours.end}:00 VN)` : ''}`,
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
