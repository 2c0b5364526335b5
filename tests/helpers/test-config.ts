import { type Config, loadConfig } from '@app/server/config.ts'

export const TEST_JWT_SECRET = 'test-secret-test-secret-test-secret-0123456789'
export const TEST_PRIVACY_SECRET = 'test-privacy-secret-test-privacy-secret-0123'

/** The config tests run with: defaults plus a fixed secret, silent logs and the fake Zalo/SMS (the only outside world tests fake). */
export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({
    JWT_SECRET: TEST_JWT_SECRET,
    PRIVACY_SECRET: TEST_PRIVACY_SECRET,
    LOG_LEVEL: 'silent',
    SEED_DEMO: 'false',
    ZALO_MODE: 'fake',
    ...env,
  })
}
