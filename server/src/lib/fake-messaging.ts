/**
 * Demo mode (ZALO_MODE=fake with no ZALO_ZNS_BASE_URL): start the fake Zalo and the fake SMS gateway as a child
 * process and point the config at them. The fakes are the workspace package tools/fake-zalo; the server never
 * imports it, so the production bundle does not contain a test fake. The child is its dev entry
 * (tools/fake-zalo/src/main.ts, run through tsx) or, when this code runs from the bundle, that entry's own bundle
 * (tools/fake-zalo/dist/fake-zalo.mjs, built beside server/dist by `pnpm build`).
 */
import { type ChildProcess, fork } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { Config } from '../config.js'

/** Set to true by scripts/build-server.ts (esbuild `define`); undefined when run from source. */
declare const __SERVER_BUNDLE__: boolean | undefined

export const FAKE_ZALO_DIR = fileURLToPath(new URL('../../../tools/fake-zalo/', import.meta.url))
export const FAKE_ZALO_BUNDLE = join(FAKE_ZALO_DIR, 'dist', 'fake-zalo.mjs')
const READY_TIMEOUT_MS = 30_000

interface Ready {
  type: 'ready'
  zalo: { url: string; accessToken: string; refreshToken: string }
  sms: { url: string } | null
}

function childEntry(): { script: string; execArgv: string[] } {
  const bundled = typeof __SERVER_BUNDLE__ !== 'undefined' && __SERVER_BUNDLE__
  if (bundled) {
    if (!existsSync(FAKE_ZALO_BUNDLE))
      throw new Error(`ZALO_MODE=fake needs the fake Zalo: ${FAKE_ZALO_BUNDLE} is missing (run pnpm build)`)
    return { script: FAKE_ZALO_BUNDLE, execArgv: [] }
  }
  // tsx is the fake package's own dependency, so resolve it from there rather than from wherever we were started
  const tsx = createRequire(join(FAKE_ZALO_DIR, 'package.json')).resolve('tsx')
  return { script: join(FAKE_ZALO_DIR, 'src', 'main.ts'), execArgv: ['--import', pathToFileURL(tsx).href] }
}

export interface FakeMessaging {
  /** The config with the fakes' URLs (and the fake's token pair as bootstrap). */
  config: Config
  /** Tell the fake Zalo where to post its webhooks (known once the server listens). */
  setWebhookUrl(url: string): void
  close(): Promise<void>
}

/**
 * Start the fakes the config asks for (none in live/off mode, or when their URLs are given). The fake Zalo is
 * seeded with `storedTokens` (the pair in our database), so rotations survive restarts.
 */
export async function startFakeMessaging(
  config: Config,
  storedTokens: { accessToken: string; refreshToken: string } | undefined,
): Promise<FakeMessaging> {
  const { zalo, sms } = config
  if (!zalo.inProcessFake && !sms.inProcessFake) return { config, setWebhookUrl: () => {}, close: async () => {} }
  const { script, execArgv } = childEntry()
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    FAKE_ZALO_PORT: '0',
    FAKE_SMS_PORT: '0',
    FAKE_ZALO_HOST: '127.0.0.1',
    ZALO_APP_ID: zalo.appId,
    ZALO_APP_SECRET: zalo.appSecret,
    ZALO_OA_SECRET_KEY: zalo.oaSecretKey,
    FAKE_ZALO_TIME_SCALE: String(zalo.fake.timeScale),
    FAKE_ZALO_DAILY_QUOTA: String(zalo.fake.dailyQuota),
    FAKE_ZALO_RATE_PER_SEC: String(zalo.fake.ratePerSec),
    SMS_API_KEY: sms.apiKey,
    SMS_SECRET_KEY: sms.secretKey,
    SMS_BRANDNAME: sms.brandname,
  }
  // a demo run with ZALO_SEND_HOURS reaching into the night (e.g. 0-24) means "send now": lift the fake's night ban
  if (zalo.sendHours.start < 6 || zalo.sendHours.end > 22) env.FAKE_ZALO_NIGHT_BAN = 'off'
  if (storedTokens?.accessToken) env.FAKE_ZALO_ACCESS_TOKEN = storedTokens.accessToken
  if (storedTokens?.refreshToken) env.FAKE_ZALO_REFRESH_TOKEN = storedTokens.refreshToken
  if (!sms.inProcessFake) env.FAKE_SMS = 'off'

  const child: ChildProcess = fork(script, [], { execArgv, env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const ready = await new Promise<Ready>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`the fake Zalo did not start within ${READY_TIMEOUT_MS / 1000} s`))
    }, READY_TIMEOUT_MS)
    child.once('error', (err) => {
      clearTimeout(timer)
      reject(err)
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`the fake Zalo exited (${code}) before it was ready`))
    })
    child.once('message', (m) => {
      clearTimeout(timer)
      resolve(m as Ready)
    })
  })
  const exited = new Promise<void>((done) => {
    if (child.exitCode !== null || child.signalCode !== null) done()
    else child.once('exit', () => done())
  })
  const next: Config = {
    ...config,
    zalo: zalo.inProcessFake
      ? {
          ...zalo,
          znsBaseUrl: ready.zalo.url,
          oaBaseUrl: ready.zalo.url,
          oauthBaseUrl: ready.zalo.url,
          bootstrapTokens: { accessToken: ready.zalo.accessToken, refreshToken: ready.zalo.refreshToken },
        }
      : zalo,
    sms: sms.inProcessFake && ready.sms ? { ...sms, baseUrl: ready.sms.url } : sms,
  }
  return {
    config: next,
    setWebhookUrl: (url) => {
      if (zalo.inProcessFake && child.connected) child.send({ type: 'webhook', url })
    },
    close: async () => {
      // closing the IPC channel is the child's signal to close its servers and exit
      if (child.connected) child.disconnect()
      const killer = setTimeout(() => child.kill('SIGKILL'), 5_000)
      await exited
      clearTimeout(killer)
    },
  }
}
