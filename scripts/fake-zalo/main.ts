/**
 * Standalone fake Zalo: `pnpm fake-zalo`. Configuration from env (see README.md). Test-only; never expose it.
 */
import { startFakeZalo } from './app.ts'

const env = process.env
const num = (v: string | undefined, d: number) => (v === undefined || v === '' ? d : Number(v))

const fake = await startFakeZalo({
  port: num(env.FAKE_ZALO_PORT, 8790),
  host: env.FAKE_ZALO_HOST ?? '127.0.0.1',
  ...(env.ZALO_APP_ID ? { appId: env.ZALO_APP_ID } : {}),
  ...(env.ZALO_APP_SECRET ? { appSecret: env.ZALO_APP_SECRET } : {}),
  ...(env.ZALO_OA_SECRET_KEY ? { oaSecretKey: env.ZALO_OA_SECRET_KEY } : {}),
  ...(env.ZALO_OA_ID ? { oaId: env.ZALO_OA_ID } : {}),
  ...(env.FAKE_ZALO_WEBHOOK_URL ? { webhookUrl: env.FAKE_ZALO_WEBHOOK_URL } : {}),
  tokens: { accessToken: env.FAKE_ZALO_ACCESS_TOKEN || undefined, refreshToken: env.FAKE_ZALO_REFRESH_TOKEN || undefined },
  dailyQuota: num(env.FAKE_ZALO_DAILY_QUOTA, 500),
  rateLimit: { perSecond: num(env.FAKE_ZALO_RATE_PER_SEC, 50), burst: num(env.FAKE_ZALO_RATE_PER_SEC, 50) },
  timeScale: num(env.FAKE_ZALO_TIME_SCALE, 1),
  seed: num(env.FAKE_ZALO_SEED, 1),
  logger: env.FAKE_ZALO_LOG === '1',
})

const t = fake.control.tokens()
console.log(`fake-zalo listening on ${fake.url}`)
console.log(`  app_id=${fake.control.settings().appId}  access_token=${t.accessToken}  refresh_token=${t.refreshToken}`)
console.log(`  webhook → ${fake.control.settings().webhook.url ?? '(none)'}; control plane at ${fake.url}/__fake/*`)

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    void fake.close().then(() => process.exit(0))
  })
}
