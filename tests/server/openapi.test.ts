import { describe, expect, it } from 'vitest'
import { buildTestApp } from '../helpers/build-test-app.js'

type Operation = { tags?: string[]; responses?: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }> }

describe('API documentation', () => {
  it('serves an OpenAPI 3 document at /api/openapi.json without a token when PUBLIC_API_DOCS=true', async () => {
    const { app } = await buildTestApp({ env: { PUBLIC_API_DOCS: 'true' } })
    const res = await app.inject({ method: 'GET', url: '/api/openapi.json' })
    expect(res.statusCode).toBe(200)
    const doc = res.json()
    expect(doc.openapi).toMatch(/^3\./)
    expect(doc.info.title).toBe('Hài Lòng API')
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' })
  })

  it('lists the foundation routes, each grouped under its resource tag', async () => {
    const { app } = await buildTestApp({ env: { PUBLIC_API_DOCS: 'true' } })
    const doc = (await app.inject({ method: 'GET', url: '/api/openapi.json' })).json()
    const op = (path: string, method: string): Operation | undefined => doc.paths[path]?.[method]
    const expected: [string, string, string][] = [
      ['/api/health', 'get', 'health'],
      ['/api/auth/login', 'post', 'auth'],
      ['/api/auth/me', 'get', 'auth'],
      ['/api/users/', 'post', 'users'],
      ['/api/users/{id}', 'patch', 'users'],
      ['/api/units/', 'get', 'units'],
      ['/api/units/', 'post', 'units'],
      ['/api/units/{id}', 'get', 'units'],
      ['/api/units/{communeId}/households/import', 'post', 'households'],
      ['/api/units/{villageId}/households', 'get', 'households'],
      ['/api/questionnaire-templates', 'get', 'questionnaires'],
    ]
    for (const [path, method, tag] of expected) {
      expect(op(path, method), `${method.toUpperCase()} ${path}`).toBeDefined()
      expect(op(path, method)?.tags).toEqual([tag])
    }
    const declared = new Set(doc.tags.map((t: { name: string }) => t.name))
    for (const tag of ['health', 'auth', 'users', 'units', 'households', 'questionnaires']) expect(declared.has(tag)).toBe(true)
    // internal routes stay out of the document
    expect(doc.paths['/api/openapi.json']).toBeUndefined()
    expect(doc.paths['/r/{token}']).toBeUndefined()
  })

  it('documents the error envelope once and refers to it from the routes', async () => {
    const { app } = await buildTestApp({ env: { PUBLIC_API_DOCS: 'true' } })
    const doc = (await app.inject({ method: 'GET', url: '/api/openapi.json' })).json()
    expect(doc.components.schemas.ApiError.properties.error.required).toEqual(['code', 'message'])
    const login: Operation = doc.paths['/api/auth/login'].post
    expect(login.responses?.['401']?.content?.['application/json']?.schema).toEqual({ $ref: '#/components/schemas/ApiError' })
  })

  it('serves a browsable page at /api/docs', async () => {
    const { app } = await buildTestApp({ env: { PUBLIC_API_DOCS: 'true' } })
    const res = await app.inject({ method: 'GET', url: '/api/docs' })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toMatch(/text\/html/)
    expect(res.body).toMatch(/swagger/i)
  })
})
