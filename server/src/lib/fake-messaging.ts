/**
 * Demo mode (ZALO_MODE=fake with no ZALO_ZNS_BASE_URL): start the fake Zalo and the fake SMS gateway as a child
 * process and point the config at them. The fakes are the workspace package tools/fake-zalo; the server never
 * imports it, so the production bundle does not contain a test fake. The child is its dev entry
 * (tools/fake-zalo/src/main.ts, run through tsx) or, when this code runs from the bundle, that entry's own bundle
 * (tools/fake-zalo/dist/fake-zalo.mjs, built beside server/dist by `pnpm build`).
 */
import { type ChildProcess, fork } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { Config } from '../config.js'
import { allSmsTemplates } from '../modules/messaging/sms-templates.js'

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
  /** Resolves once the fakes listen; rejects if they cannot start (the server logs it and keeps serving). */
  ready: Promise<void>
  /** Tell the fake Zalo where to post its webhooks (known once the server listens). */
  setWebhookUrl(url: string): void
  close(): Promise<void>
}

/** A port nobody listens on right now, for a child that must be reachable before it has started. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address()
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0))
    })
  })
}

const fakeToken = () => randomBytes(24).toString('base64url')

/**
 * Start the fakes the config asks for (none in live/off mode, or when their URLs are given). The fake Zalo is
 * seeded with `storedTokens` (the pair in our database), so rotations survive restarts. Ports and a first token
 * pair are chosen here, so the server does not wait for the child (~0.5 s) before it starts: a send that comes
 * before the fake listens fails to connect and is retried like any connection error.
 */
export async function startFakeMessaging(
  config: Config,
  storedTokens: { accessToken: string; refreshToken: string } | undefined,
): Promise<FakeMessaging> {
  const { zalo, sms } = config
  if (!zalo.inProcessFake && !sms.inProcessFake) return { config, ready: Promise.resolve(), setWebhookUrl: () => {}, close: async () => {} }
  const { script, execArgv } = childEntry()
  const host = '127.0.0.1'
  const [zaloPort, smsPort] = [await freePort(), await freePort()]
  const tokens = {
    accessToken: storedTokens?.accessToken || fakeToken(),
    refreshToken: storedTokens?.refreshToken || fakeToken(),
  }
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    FAKE_ZALO_HOST: host,
    FAKE_ZALO_PORT: String(zaloPort),
    FAKE_SMS_PORT: String(smsPort),
    FAKE_ZALO_ACCESS_TOKEN: tokens.accessToken,
    FAKE_ZALO_REFRESH_TOKEN: tokens.refreshToken,
    ZALO_APP_ID: zalo.appId,
    ZALO_APP_SECRET: zalo.appSecret,
    ZALO_OA_SECRET_KEY: zalo.oaSecretKey,
    FAKE_ZALO_TIME_SCALE: String(zalo.fake.timeScale),
    FAKE_ZALO_DAILY_QUOTA: String(zalo.fake.dailyQuota),
    FAKE_ZALO_RATE_PER_SEC: String(zalo.fake.ratePerSec),
    SMS_API_KEY: sms.apiKey,
    SMS_SECRET_KEY: sms.secretKey,
    SMS_BRANDNAME: sms.brandname,
    // the fake gateway registers the texts we send, and answers 146 to anything else
    FAKE_SMS_TEMPLATES_JSON: JSON.stringify(allSmsTemplates(sms.templates)),
  }
  // a demo run with ZALO_SEND_HOURS reaching into the night (e.g. 0-24) means "send now": lift the fake's night ban
  if (zalo.sendHours.start < 6 || zalo.sendHours.end > 22) env.FAKE_ZALO_NIGHT_BAN = 'off'
  if (!sms.inProcessFake) env.FAKE_SMS = 'off'

  const child: ChildProcess = fork(script, [], { execArgv, env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const exited = new Promise<void>((done) => child.once('exit', () => done()))
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`the fake Zalo did not start within ${READY_TIMEOUT_MS / 1000} s`))
    }, READY_TIMEOUT_MS)
    timer.unref()
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
      if ((m as Ready)?.type === 'ready') resolve()
      else reject(new Error('the fake Zalo sent an unexpected first message'))
    })
  })
  const zaloUrl = `http://${host}:${zaloPort}`
  const next: Config = {
    ...config,
    zalo: zalo.inProcessFake ? { ...zalo, znsBaseUrl: zaloUrl, oaBaseUrl: zaloUrl, oauthBaseUrl: zaloUrl, bootstrapTokens: tokens } : zalo,
    sms: sms.inProcessFake ? { ...sms, baseUrl: `http://${host}:${smsPort}` } : sms,
  }
  return {
    config: next,
    ready,
    setWebhookUrl: (url) => {
      if (!zalo.inProcessFake) return
      // the child listens for messages once it is up
      ready.then(
        () => {
          if (child.connected) child.send({ type: 'webhook', url })
        },
        () => {},
      )
    },
    close: async () => {
      // closing the IPC channel is the child's signal to close its servers and exit
      if (child.exitCode !== null || child.signalCode !== null) return
      if (child.connected) child.disconnect()
      const killer = setTimeout(() => child.kill('SIGKILL'), 5_000)
      await exited
      clearTimeout(killer)
    },
  }
}
