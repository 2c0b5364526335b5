import { ConfigError, DEFAULT_LEVELS, loadConfig } from '@app/server/config.ts'
import { describe, expect, it } from 'vitest'

const SECRET = 'x'.repeat(32)

describe('loadConfig', () => {
  it('works with no environment at all, using the documented defaults', () => {
    const c = loadConfig({})
    expect(c.http).toMatchObject({ port: 3000, host: '127.0.0.1', bodyLimit: 1024 * 1024, trustProxy: false })
    expect(c.db).toEqual({ path: './data/hailong.db', seedDemo: true })
    expect(c.auth.jwtSecret).toBeUndefined()
    expect(c.auth.loginMaxFailures).toBe(10)
    expect(c.auth.loginWindowMinutes).toBe(15)
    expect(c.links).toEqual({ publicBaseUrl: 'http://127.0.0.1:3000', rateLimitPerMin: 60, wrongCodesPerHour: 60, hotline: null })
    expect(c.imports).toEqual({
      maxBytes: 20 * 1024 * 1024,
      maxInflatedBytes: 200 * 1024 * 1024,
      maxRows: 100_000,
      maxColumns: 50,
      maxCellChars: 2000,
    })
    expect(c.levels.xa_ntm).toEqual(DEFAULT_LEVELS.xa_ntm)
  })

  it('reads the documented variables', () => {
    const c = loadConfig({
      PORT: '8080',
      HOST: '0.0.0.0',
      DATABASE_PATH: '/tmp/x.db',
      JWT_SECRET: SECRET,
      LINK_RATE_LIMIT_PER_MIN: '5000',
      LOGIN_MAX_FAILURES: '3',
      PUBLIC_BASE_URL: 'https://hailong.example.vn/',
      CODE_WRONG_PER_HOUR: '20',
      HOTLINE: ' 0236 3822 123 ',
    })
    expect(c.http.port).toBe(8080)
    expect(c.db.path).toBe('/tmp/x.db')
    expect(c.auth.jwtSecret).toBe(SECRET)
    expect(c.auth.loginMaxFailures).toBe(3)
    expect(c.links).toEqual({
      publicBaseUrl: 'https://hailong.example.vn',
      rateLimitPerMin: 5000,
      wrongCodesPerHour: 20,
      hotline: '0236 3822 123',
    })
  })

  it('uses localhost in the public URL when listening on all interfaces', () => {
    expect(loadConfig({ HOST: '0.0.0.0', PORT: '4000' }).links.publicBaseUrl).toBe('http://localhost:4000')
  })

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PORT', '-1'],
    ['JWT_SECRET', 'too-short'],
    ['LOGIN_MAX_FAILURES', '0'],
    ['LOG_LEVEL', 'loud'],
    ['PUBLIC_BASE_URL', 'not a url'],
    ['SEED_DEMO', 'yes'],
  ])('refuses %s=%s and names the key', (key, value) => {
    expect(() => loadConfig({ [key]: value })).toThrow(ConfigError)
    expect(() => loadConfig({ [key]: value })).toThrow(new RegExp(`^Invalid configuration:[\\s\\S]*${key}`))
  })

  it('names every bad key at once', () => {
    try {
      loadConfig({ PORT: 'abc', JWT_SECRET: 'short' })
      expect.unreachable()
    } catch (e) {
      expect((e as Error).message).toMatch(/PORT/)
      expect((e as Error).message).toMatch(/JWT_SECRET/)
    }
  })

  it('reads SEED_DEMO "false" as false (never coerce.boolean), and "true"/"1"/"0" as expected', () => {
    expect(loadConfig({ SEED_DEMO: 'false' }).db.seedDemo).toBe(false)
    expect(loadConfig({ SEED_DEMO: '0' }).db.seedDemo).toBe(false)
    expect(loadConfig({ SEED_DEMO: 'true' }).db.seedDemo).toBe(true)
    expect(loadConfig({ SEED_DEMO: '1' }).db.seedDemo).toBe(true)
  })

  it('does not let NODE_ENV change SEED_DEMO: production refuses until SEED_DEMO=false is explicit', () => {
    expect(loadConfig({ NODE_ENV: 'development' }).db.seedDemo).toBe(true)
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/SEED_DEMO=false/)
  })

  it('requires PRIVACY_SECRET in production (it seals pending ballots and keys paradata)', () => {
    const ok = { NODE_ENV: 'production', SEED_DEMO: 'false', JWT_SECRET: 'j'.repeat(32), ZALO_MODE: 'off', ALLOW_INSECURE: 'true' }
    expect(() => loadConfig(ok)).toThrow(/PRIVACY_SECRET/)
    expect(() => loadConfig({ ...ok, PRIVACY_SECRET: 'short' })).toThrow(/PRIVACY_SECRET/)
    expect(loadConfig({ ...ok, PRIVACY_SECRET: 'p'.repeat(32) }).privacy.secret).toBe('p'.repeat(32))
  })

  it('treats an empty value as unset (PORT= in an env file is not port 0)', () => {
    const c = loadConfig({ PORT: '', JWT_SECRET: '', SEED_DEMO: ' ' })
    expect(c.http.port).toBe(3000)
    expect(c.auth.jwtSecret).toBeUndefined()
    expect(c.db.seedDemo).toBe(true)
  })

  it('overrides and adds levels with LEVELS_JSON', () => {
    const c = loadConfig({
      LEVELS_JSON: JSON.stringify({
        xa_ntm: { name: 'Xã NTM (tỉnh X)', thresholdBp: 9500, coverageBp: 8000 },
        phuong_van_minh: { name: 'Phường văn minh', thresholdBp: 8000, coverageBp: 5000 },
      }),
    })
    expect(c.levels.xa_ntm).toEqual({ name: 'Xã NTM (tỉnh X)', thresholdBp: 9500, coverageBp: 8000 })
    expect(c.levels.phuong_van_minh?.thresholdBp).toBe(8000)
    expect(c.levels.xa_ntm_nang_cao).toEqual(DEFAULT_LEVELS.xa_ntm_nang_cao)
  })

  it('refuses LEVELS_JSON that is not JSON or has an out-of-range threshold, naming LEVELS_JSON', () => {
    expect(() => loadConfig({ LEVELS_JSON: '{not json' })).toThrow(/LEVELS_JSON: not valid JSON/)
    expect(() => loadConfig({ LEVELS_JSON: JSON.stringify({ xa_ntm: { name: 'x', thresholdBp: 10_001, coverageBp: 7000 } }) })).toThrow(
      /LEVELS_JSON\.xa_ntm\.thresholdBp/,
    )
  })

  it('returns a frozen object, nested parts included', () => {
    const c = loadConfig({})
    expect(Object.isFrozen(c)).toBe(true)
    expect(Object.isFrozen(c.http)).toBe(true)
    expect(() => {
      ;(c.http as { port: number }).port = 1
    }).toThrow(TypeError)
  })
})
