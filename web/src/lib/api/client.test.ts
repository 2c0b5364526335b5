import { afterEach, describe, expect, it, vi } from 'vitest'
import { ApiClient } from './client.js'
import { ApiError, toApiError } from './errors.js'

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })

afterEach(() => vi.unstubAllGlobals())

describe('ApiClient', () => {
  it('parses the error envelope into ApiError(code, message) with the issues', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () =>
        json(400, { error: { code: 'validation_failed', message: 'bad', details: { issues: [{ path: 'closesAt', message: 'x' }] } } }),
      ),
    )
    const err = await new ApiClient().rounds().catch((e) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect(err).toMatchObject({ code: 'validation_failed', status: 400, issues: [{ path: 'closesAt', message: 'x' }] })
  })

  it('sends the bearer token and calls onUnauthorized on 401', async () => {
    const fetchMock = vi.fn(async (_url: string, _init?: RequestInit) => json(401, { error: { code: 'unauthorized', message: 'expired' } }))
    vi.stubGlobal('fetch', fetchMock)
    const client = new ApiClient()
    client.token = 'tok'
    const onUnauthorized = vi.fn()
    client.onUnauthorized = onUnauthorized
    await expect(client.me()).rejects.toMatchObject({ code: 'unauthorized' })
    const headers = (fetchMock.mock.calls[0]?.[1]?.headers ?? {}) as Record<string, string>
    expect(headers.authorization).toBe('Bearer tok')
    expect(onUnauthorized).toHaveBeenCalledOnce()
  })

  it('rejects a response that does not match the shared schema', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => json(200, { items: [{ id: 1 }] })),
    )
    await expect(new ApiClient().units()).rejects.toMatchObject({ code: 'bad_response' })
  })

  it('turns a failed connection into code "network"', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => {
        throw new TypeError('Failed to fetch')
      }),
    )
    await expect(new ApiClient().units()).rejects.toMatchObject({ code: 'network' })
  })

  it('uploads a household file as the raw body with its content type', async () => {
    const fetchMock = vi.fn(async (_url: string, _init?: RequestInit) => json(200, { created: 1, updated: 0, unchanged: 0, rejected: [] }))
    vi.stubGlobal('fetch', fetchMock)
    const res = await new ApiClient().importHouseholds('c1', new Blob(['a,b']), 'text/csv')
    expect(res.created).toBe(1)
    const [url, init] = fetchMock.mock.calls[0] ?? []
    expect(url).toBe('/api/units/c1/households/import')
    const headers = (init?.headers ?? {}) as Record<string, string>
    expect(headers['content-type']).toBe('text/csv')
  })
})

describe('toApiError', () => {
  it('reads the envelope (code, status, issues, reason) and turns anything else into http_<status>', () => {
    const e = toApiError(400, {
      error: { code: 'invalid_file', message: 'x', details: { reason: 'too_many_rows', issues: [{ path: 'body/name', message: 'm' }] } },
    })
    expect(e).toMatchObject({ code: 'invalid_file', status: 400, reason: 'too_many_rows', issues: [{ path: 'name', message: 'm' }] })
    expect(toApiError(404, { error: { code: 'not_found', message: 'round not found' } })).toMatchObject({ code: 'not_found', status: 404 })
    expect(toApiError(502, '<html>').code).toBe('http_502')
  })
})
