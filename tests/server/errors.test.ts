import { Writable } from 'node:stream'
import { createTestDb } from '@app/db'
import { buildApp } from '@app/server'
import { REDACT_PATHS, redactUrl } from '@app/server/lib/log-redact.ts'
import { isApiError } from '@app/shared'
import { describe, expect, it, onTestFinished } from 'vitest'
import { buildTestApp, loginAs } from '../helpers/build-test-app.js'
import { makeCommune, makeUser } from '../helpers/factories.js'
import { testConfig } from '../helpers/test-config.js'

/** An app whose log lines are captured, with a test route that fails in an unexpected way. */
async function appWithCapturedLogs(env: Record<string, string> = {}) {
  const lines: string[] = []
  const stream = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk))
      cb()
    },
  })
  const db = createTestDb()
  const app = await buildApp({
    config: testConfig(env),
    db,
    logger: {
      level: 'info',
      stream,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      serializers: { req: (req) => ({ url: redactUrl(req.url) }) },
    },
  })
  app.get('/api/test/boom', async () => {
    throw new Error('SQLITE_CORRUPT: database disk image is malformed at /srv/secret/path.db')
  })
  app.get('/api/test/type-error', async () => {
    const missing = undefined as unknown as { deep: { value: string } }
    return { value: missing.deep.value }
  })
  await app.ready()
  onTestFinished(async () => {
    await app.close()
    db.$client.close()
  })
  return { app, lines }
}

describe('the error funnel', () => {
  it('answers an unknown route with 404 not_found in the envelope', async () => {
    const { app } = await buildTestApp()
    const res = await app.inject({ method: 'GET', url: '/api/does-not-exist' })
    expect(res.statusCode).toBe(404)
    expect(isApiError(res.json())).toBe(true)
    expect(res.json().error.code).toBe('not_found')
  })

  it('answers a malformed URL and an over-long path parameter inside the envelope too', async () => {
    const { app } = await buildTestApp()
    const bad = await app.inject({ method: 'GET', url: '/api/units/%E0%A4%A' })
    expect(bad.statusCode).toBe(400)
    expect(bad.json().error.code).toBe('validation_failed')
    const long = await app.inject({ method: 'GET', url: `/api/ballots/${'a'.repeat(300)}` })
    expect(long.statusCode).toBeGreaterThanOrEqual(400)
    expect(long.statusCode).toBeLessThan(500)
    expect(isApiError(long.json())).toBe(true)
  })

  it('answers malformed JSON with 400 invalid_json', async () => {
    const { app } = await buildTestApp()
    const res = await app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: '{"username": "admin", "password": ',
    })
    expect(res.statusCode).toBe(400)
    expect(res.json().error.code).toBe('invalid_json')
  })

  it('answers a body that fails the schema with 400 validation_failed and the issues', async () => {
    const { app } = await buildTestApp()
    const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 42 } })
    expect(res.statusCode).toBe(400)
    const { error } = res.json()
    expect(error.code).toBe('validation_failed')
    expect(Array.isArray(error.details.issues)).toBe(true)
    const paths = error.details.issues.map((i: { path: string }) => i.path).join(' ')
    expect(paths).toMatch(/username/)
    expect(paths).toMatch(/password/)
    for (const i of error.details.issues) expect(Object.keys(i).sort()).toEqual(['message', 'path'])
  })

  it('answers an invalid query string with 400 validation_failed naming the field', async () => {
    const { app, db } = await buildTestApp()
    const { province } = makeCommune(db)
    await makeUser(db, { username: 'root', role: 'admin', unitId: province.id })
    const res = await app.inject({ method: 'GET', url: '/api/units?kind=planet', headers: await loginAs(app, 'root') })
    expect(res.statusCode).toBe(400)
    expect(res.json().error.code).toBe('validation_failed')
    expect(JSON.stringify(res.json().error.details.issues)).toMatch(/kind/)
  })

  it('answers a body over BODY_LIMIT_BYTES with 413 payload_too_large', async () => {
    const { app } = await buildTestApp({ env: { BODY_LIMIT_BYTES: '1024' } })
    const res = await app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { username: 'admin', password: 'x'.repeat(2000) },
    })
    expect(res.statusCode).toBe(413)
    expect(res.json().error.code).toBe('payload_too_large')
  })

  it('answers an unsupported content type with 415 unsupported_media_type', async () => {
    const { app } = await buildTestApp()
    const res = await app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { 'content-type': 'application/xml' },
      payload: '<login/>',
    })
    expect(res.statusCode).toBe(415)
    expect(res.json().error.code).toBe('unsupported_media_type')
  })

  it('answers an unexpected exception with 500 internal without leaking the cause, and logs the cause', async () => {
    const { app, lines } = await appWithCapturedLogs()
    const res = await app.inject({ method: 'GET', url: '/api/test/boom' })
    expect(res.statusCode).toBe(500)
    expect(res.json()).toEqual({ error: { code: 'internal', message: 'an internal error occurred' } })
    expect(res.body).not.toMatch(/SQLITE|secret|malformed/)
    expect(lines.join('')).toMatch(/SQLITE_CORRUPT/)
  })

  it('does not leak a TypeError either', async () => {
    const { app } = await appWithCapturedLogs()
    const res = await app.inject({ method: 'GET', url: '/api/test/type-error' })
    expect(res.statusCode).toBe(500)
    expect(res.json().error.code).toBe('internal')
    expect(res.body).not.toMatch(/deep|undefined|TypeError/)
  })

  it('keeps personal-link tokens and passwords out of the logs', async () => {
    const { app, lines } = await appWithCapturedLogs()
    const token = 'pEr5onalL1nkT0kenXYZ0123456789ab'
    await app.inject({ method: 'GET', url: `/r/${token}` })
    await app.inject({ method: 'GET', url: `/api/ballots/${token}` })
    await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'nobody', password: 'super-secret-password' } })
    const log = lines.join('')
    expect(log.length).toBeGreaterThan(0)
    expect(log).toContain('/r/[link]')
    expect(log).not.toMatch(/#[0-9a-f]{8}/)
    expect(log).not.toContain(token)
    expect(log).not.toContain('super-secret-password')
  })

  it('sets the security headers on every answer', async () => {
    const { app } = await buildTestApp()
    for (const url of ['/api/health', '/api/nope']) {
      const res = await app.inject({ method: 'GET', url })
      expect(res.headers['x-content-type-options']).toBe('nosniff')
      expect(res.headers['x-frame-options']).toMatch(/^(DENY|SAMEORIGIN)$/)
    }
  })
})
