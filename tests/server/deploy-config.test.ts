import { readFileSync } from 'node:fs'
import { ConfigError, EnvSchema, loadConfig } from '@app/server/config.ts'
import { describe, expect, it } from 'vitest'

/** deploy/ is what an operator copies: it must name every variable the server reads, and agree with its defaults. */
const read = (p: string) => readFileSync(new URL(`../../deploy/${p}`, import.meta.url), 'utf8')
const envExample = read('hailong.env.example')
const nginx = read('nginx/hailong.conf')
const unit = read('systemd/hailong@.service')

/** The example's active lines, as the environment systemd would pass. */
function exampleEnv(): Record<string, string> {
  const env: Record<string, string> = {}
  for (const line of envExample.split('\n')) {
    const m = line.match(/^([A-Z][A-Z0-9_]*)=(.*)$/)
    if (m) env[m[1] as string] = m[2] as string
  }
  return env
}

describe('deploy/', () => {
  it('hailong.env.example lists every variable of config.ts, and no other', () => {
    const listed = new Set([...envExample.matchAll(/^#?([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]))
    const known = Object.keys(EnvSchema.shape)
    expect(known.filter((k) => !listed.has(k))).toEqual([])
    expect([...listed].filter((k) => !known.includes(k as string))).toEqual([])
  })

  it('the example starts in production once its two secrets are filled in, and refuses to start without them', () => {
    const env = exampleEnv()
    expect(env).toMatchObject({ NODE_ENV: 'production', TRUST_PROXY: 'true', HOST: '127.0.0.1', JWT_SECRET: '', PRIVACY_SECRET: '' })
    let refusal = ''
    try {
      loadConfig(env)
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e
      refusal = e.message
    }
    const refused = refusal.split('\n').slice(1)
    expect(refused.map((l) => l.trim().split(' ')[0])).toEqual(['PRIVACY_SECRET', 'JWT_SECRET'])
    const c = loadConfig({ ...env, JWT_SECRET: 'j'.repeat(48), PRIVACY_SECRET: 'p'.repeat(48) })
    expect(c.http).toMatchObject({ trustProxy: true, host: '127.0.0.1' })
  })

  it('nginx: body limit above the largest upload, idle upstream connections closed before the server closes them, X-Forwarded-For set', () => {
    const defaults = loadConfig({})
    const bodyMiB = Number(nginx.match(/^\s*client_max_body_size (\d+)m;/m)?.[1])
    expect(bodyMiB * 1024 * 1024).toBeGreaterThan(defaults.imports.maxBytes)
    const idleS = Number(nginx.match(/^\s*keepalive_timeout (\d+)s;/m)?.[1])
    expect(idleS * 1000).toBeLessThan(defaults.http.keepAliveTimeoutMs)
    // set, not appended: the server trusts every hop (TRUST_PROXY=true) and reads the leftmost address
    expect(nginx).toMatch(/^\s*proxy_set_header X-Forwarded-For \$remote_addr;/m)
    expect(nginx).not.toContain('$proxy_add_x_forwarded_for')
    expect(nginx).toMatch(/^\s*access_log off;/m)
  })

  it('the systemd unit runs the bundle with the environment file and the port of its instance name', () => {
    expect(unit).toMatch(/^EnvironmentFile=\/etc\/hailong\/hailong\.env$/m)
    expect(unit).toMatch(/^ExecStart=\/usr\/bin\/env PORT=%i node server\/dist\/server\.mjs$/m)
    expect(unit).toMatch(/^User=hailong$/m)
  })
})
