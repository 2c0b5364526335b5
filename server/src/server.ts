import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { closeDb, createDb, migrateDb, seedData } from '@app/db'
import closeWithGrace from 'close-with-grace'
import { buildApp } from './app.js'
import { ConfigError, loadConfig } from './config.js'
import { systemClock } from './lib/clock.js'
import { isEmpty, seedDemo, seedReferenceData } from './seed.js'
import { createServices } from './services.js'

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
  const app = await buildApp({ config, db, jwtSecret: secret, clock: systemClock })
  if (generated) app.log.warn('JWT_SECRET not set: generated one and stored it beside the database; set JWT_SECRET in production')

  const services = createServices({ db, config, clock: systemClock })
  let seeded = false
  if (config.db.seedDemo && isEmpty(services)) {
    const s = await seedDemo(db, services)
    app.log.info({ units: s.units, households: s.households }, 'seeded the demo data (Cà Mau / Thới Bình)')
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
  app.addHook('onClose', async () => closeDb(db))

  await app.listen({ port: config.http.port, host: config.http.host })
  const base = config.links.publicBaseUrl
  const lines = [
    '',
    `  Hài Lòng is running at ${base}  (API docs: ${base}/api/docs)`,
    `  Database: ${resolve(config.db.path)}${seeded ? '  (demo data seeded)' : ''}`,
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
