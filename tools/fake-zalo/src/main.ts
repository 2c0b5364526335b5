/**
 * The fake Zalo and the fake SMS gateway as one process: `pnpm fake-zalo` standalone, and the child process the
 * server starts in demo mode (ZALO_MODE=fake with no ZALO_ZNS_BASE_URL), which keeps the fakes out of the
 * production bundle. Configuration from env (see README.md). Test-only; never expose it.
 *
 * Started with an IPC channel (child_process.fork/spawn with 'ipc'), it reports `{ type: 'ready', zalo, sms }`
 * there once both listen, takes `{ type: 'webhook', url }` (the server's port is known only after it listens),
 * and exits when the parent goes away, so a killed server leaves no orphan.
 */
import { startFakeZalo } from './app.ts'
import { startFakeSmsGateway } from './sms-gateway.ts'

export interface FakeReadyMessage {
  type: 'ready'
  zalo: { url: string; accessToken: string; refreshToken: string }
  sms: { url: string } | null
}

const env = process.env
const num = (v: string | undefined, d: number) => (v === undefined || v === '' ? d : Number(v))
const ipc = typeof process.send === 'function'

const fake = await startFakeZalo({
  port: num(env.FAKE_ZALO_PORT, 8790),
  host: env.FAKE_ZALO_HOST ?? '127.0.0.1',
  ...(env.ZALO_APP_ID ? { appId: env.ZALO_APP_ID } : {}),
  ...(env.ZALO_APP_SECRET ? { appSecret: env.ZALO_APP_SECRET } : {}),
  ...(env.ZALO_OA_SECRET_KEY ? { oaSecretKey: env.ZALO_OA_SECRET_KEY } : {}),
  ...(env.ZALO_OA_ID ? { oaId: env.ZALO_OA_ID } : {}),
  ...(env.FAKE_ZALO_WEBHOOK_URL ? { webhookUrl: env.FAKE_ZALO_WEBHOOK_URL } : {}),
  // a demo sending through the night ("send now") needs the fake's 22:00–06:00 ban lifted
  ...(env.FAKE_ZALO_NIGHT_BAN === 'off' ? { nightWindow: null } : {}),
  tokens: { accessToken: env.FAKE_ZALO_ACCESS_TOKEN || undefined, refreshToken: env.FAKE_ZALO_REFRESH_TOKEN || undefined },
  dailyQuota: num(env.FAKE_ZALO_DAILY_QUOTA, 500),
  rateLimit: { perSecond: num(env.FAKE_ZALO_RATE_PER_SEC, 50), burst: num(env.FAKE_ZALO_RATE_PER_SEC, 50) },
  timeScale: num(env.FAKE_ZALO_TIME_SCALE, 1),
  seed: num(env.FAKE_ZALO_SEED, 1),
  logger: env.FAKE_ZALO_LOG === '1',
})
const sms =
  env.FAKE_SMS === 'off'
    ? null
    : await startFakeSmsGateway({
        port: num(env.FAKE_SMS_PORT, 8791),
        host: env.FAKE_ZALO_HOST ?? '127.0.0.1',
        ...(env.SMS_API_KEY ? { apiKey: env.SMS_API_KEY } : {}),
        ...(env.SMS_SECRET_KEY ? { secretKey: env.SMS_SECRET_KEY } : {}),
        brandnames: [env.SMS_BRANDNAME || 'MTTQ'],
        ...(env.FAKE_SMS_TEMPLATES_JSON ? { templates: JSON.parse(env.FAKE_SMS_TEMPLATES_JSON) as string[] } : {}),
      })

async function shutdown(code: number): Promise<never> {
  await Promise.allSettled([fake.close(), sms?.close()])
  process.exit(code)
}

const t = fake.control.tokens()
if (ipc) {
  const ready: FakeReadyMessage = {
    type: 'ready',
    zalo: { url: fake.url, accessToken: t.accessToken, refreshToken: t.refreshToken },
    sms: sms ? { url: sms.url } : null,
  }
  process.send?.(ready)
  process.on('message', (m: unknown) => {
    const msg = m as { type?: unknown; url?: unknown }
    if (msg?.type === 'webhook' && typeof msg.url === 'string') fake.control.configure({ webhook: { url: msg.url } })
  })
  process.once('disconnect', () => void shutdown(0))
} else {
  console.log(`fake-zalo listening on ${fake.url}${sms ? `; fake SMS gateway on ${sms.url}` : ''}`)
  console.log(`  app_id=${fake.control.settings().appId}  access_token=${t.accessToken}  refresh_token=${t.refreshToken}`)
  console.log(`  webhook → ${fake.control.settings().webhook.url ?? '(none)'}; control plane at ${fake.url}/__fake/*`)
}

for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void shutdown(0))
