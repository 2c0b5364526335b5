import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { closeDb, createDb, migrateDb, seedData } from '@app/db'
import { ConfigError, loadConfig } from '@app/server/config.ts'
import { describe, expect, it } from 'vitest'
import { buildTestApp } from '../helpers/build-test-app.js'
import { makeCommune, makeUser } from '../helpers/factories.js'
import { TEST_JWT_SECRET } from '../helpers/test-config.js'
import { freePort, ROOT, tempDir } from '../reliability/helpers/server.js'

const PROD = {
  NODE_ENV: 'production',
  SEED_DEMO: 'false',
  JWT_SECRET: TEST_JWT_SECRET,
  PRIVACY_SECRET: 'p'.repeat(40),
  PUBLIC_BASE_URL: 'https://hailong.example.vn',
}

function refusal(env: Record<string, string | undefined>): string[] {
  try {
    loadConfig(env)
    return []
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e
    return e.message.split('\n').slice(1)
  }
}

describe('fake Zalo and SMS only in the demo or when asked for', () => {
  it('defaults to off without the demo seed, fake with it, and honours an explicit ZALO_MODE', () => {
    expect(loadConfig({ SEED_DEMO: 'false' }).zalo.mode).toBe('off')
    expect(loadConfig({ SEED_DEMO: 'false' }).sms.mode).toBe('off')
    expect(loadConfig({}).zalo.mode).toBe('fake')
    expect(loadConfig({ SEED_DEMO: 'false', ZALO_MODE: 'fake' }).zalo.mode).toBe('fake')
  })

  it('registers neither the fake inbox nor the webhook when Zalo is off', async () => {
    const { app } = await buildTestApp({ env: { ZALO_MODE: 'off' } })
    expect((await app.inject({ method: 'GET', url: '/demo/zalo' })).statusCode).toBe(404)
  })
})

describe('NODE_ENV=production refuses an unsafe configuration, one line per reason', () => {
  it('starts with a complete production configuration', () => {
    expect(refusal(PROD)).toEqual([])
    expect(loadConfig(PROD).zalo.mode).toBe('off')
  })

  it('refuses each unsafe setting with exactly one line naming it', () => {
    const cases: [Record<string, string | undefined>, RegExp][] = [
      // (with the demo seed, Zalo would default to fake: say off to see the one reason)
      [{ SEED_DEMO: undefined, ZALO_MODE: 'off' }, /SEED_DEMO=false/],
      [{ SEED_DEMO: 'true', ZALO_MODE: 'off' }, /SEED_DEMO=false/],
      [{ JWT_SECRET: undefined }, /JWT_SECRET/],
      [{ PRIVACY_SECRET: undefined }, /PRIVACY_SECRET/],
      [{ PUBLIC_BASE_URL: undefined }, /PUBLIC_BASE_URL/],
      [{ PUBLIC_BASE_URL: 'http://hailong.example.vn' }, /PUBLIC_BASE_URL/],
      [{ ZALO_MODE: 'fake', SMS_MODE: 'off' }, /ZALO_MODE=fake/],
      [{ SMS_MODE: 'fake' }, /SMS_MODE=fake/],
    ]
    for (const [patch, re] of cases) {
      const lines = refusal({ ...PROD, ...patch })
      expect(lines, JSON.stringify(patch)).toHaveLength(1)
      expect(lines[0], JSON.stringify(patch)).toMatch(re)
    }
    expect(refusal({ ...PROD, PUBLIC_BASE_URL: 'http://10.0.0.5:3000', ALLOW_INSECURE: 'true' })).toEqual([])
    // several problems: several lines, one each
    expect(refusal({ NODE_ENV: 'production' }).length).toBeGreaterThanOrEqual(3)
  })

  it('refuses to start on a database that holds a demo user', async () => {
    const { dir, cleanup } = tempDir('hailong-prod-')
    try {
      const dbPath = join(dir, 'prod.db')
      const db = createDb(dbPath)
      migrateDb(db)
      const w = makeCommune(db)
      const demo = seedData.DEMO_USERS[0]
      if (!demo) throw new Error('no demo user')
      await makeUser(db, { username: demo.username, role: 'admin', unitId: w.province.id })
      closeDb(db)
      const port = await freePort()
      const proc = spawn(process.execPath, ['--import', 'tsx', 'server/src/server.ts'], {
        cwd: ROOT,
        env: { PATH: process.env.PATH, ...PROD, DATABASE_PATH: dbPath, PORT: String(port), LOG_LEVEL: 'warn' },
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      let err = ''
      proc.stderr?.on('data', (d) => {
        err += d
      })
      // a server that starts anyway is killed, and the test fails on its exit code
      const killer = setTimeout(() => proc.kill('SIGKILL'), 20_000)
      const code = await new Promise<number | null>((res) => proc.once('exit', res))
      clearTimeout(killer)
      expect(code).toBe(1)
      const lines = err.trim().split('\n')
      expect(lines, err).toHaveLength(1)
      expect(lines[0]).toMatch(new RegExp(demo.username.replace('.', '\\.')))
    } finally {
      cleanup()
    }
  }, 60_000)
})
