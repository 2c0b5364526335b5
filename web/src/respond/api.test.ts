import { afterEach, describe, expect, it, vi } from 'vitest'
import { ApiError, checkReceipt, getBallot, submitBallot, toApiError } from './api.ts'
import { errorMessage } from './messages.ts'

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })

afterEach(() => vi.unstubAllGlobals())

describe('toApiError', () => {
  it('reads the envelope and its issues', () => {
    const e = toApiError(400, {
      error: { code: 'validation_failed', message: 'Invalid', details: { issues: [{ path: ['answers', 'q1'], message: 'm' }] } },
    })
    expect(e).toMatchObject({ code: 'validation_failed', status: 400, issues: [{ path: 'answers.q1', message: 'm' }] })
  })
  it("names the field of a schema failure the way the form does ('body/answers/q9/reason' → 'answers.q9.reason')", () => {
    const e = toApiError(400, {
      error: { code: 'validation_failed', message: 'Invalid', details: { issues: [{ path: 'body/answers/q9/reason', message: 'm' }] } },
    })
    expect(e.issues).toEqual([{ path: 'answers.q9.reason', message: 'm' }])
  })
  it('turns anything else into http_<status>', () => {
    expect(toApiError(502, '<html>').code).toBe('http_502')
  })
})

describe('the resident API client', () => {
  it('GETs the form from the same origin, token encoded', async () => {
    const fetchMock = vi.fn(async () => json(200, { round: {}, questions: [] }))
    vi.stubGlobal('fetch', fetchMock)
    await getBallot('a/b')
    expect(fetchMock).toHaveBeenCalledWith('/api/ballots/a%2Fb', expect.objectContaining({ cache: 'no-store' }))
  })

  it('POSTs the ballot and tells a replay (200) from a first submission (201)', async () => {
    vi.stubGlobal('fetch', async () => json(201, { receipt: 'AAAA-BBBB-CCCC' }))
    expect(await submitBallot('t', { answers: {} })).toEqual({ receipt: 'AAAA-BBBB-CCCC', replayed: false })
    vi.stubGlobal('fetch', async () => json(200, { receipt: 'AAAA-BBBB-CCCC' }))
    expect((await submitBallot('t', { answers: {} })).replayed).toBe(true)
  })

  it('throws ApiError(code) from the envelope', async () => {
    vi.stubGlobal('fetch', async () => json(410, { error: { code: 'round_closed', message: 'closed' } }))
    await expect(getBallot('t')).rejects.toMatchObject({ code: 'round_closed', status: 410 })
  })

  it('reports a failed connection as `network`', async () => {
    vi.stubGlobal('fetch', async () => {
      throw new TypeError('Failed to fetch')
    })
    const e = await submitBallot('t', { answers: {} }).catch((x) => x)
    expect(e).toBeInstanceOf(ApiError)
    expect(e.code).toBe('network')
  })

  it('answers null for an unknown receipt', async () => {
    vi.stubGlobal('fetch', async () => json(404, { error: { code: 'not_found', message: 'x' } }))
    expect(await checkReceipt('AAAA-BBBB-CCCC')).toBeNull()
  })
})

describe('errorMessage', () => {
  it('speaks Vietnamese and never echoes the server message', () => {
    expect(errorMessage(new ApiError('network', 'offline'))).toMatch(/kết nối/)
    expect(errorMessage(new ApiError('internal', 'SQLITE_BUSY at repo.ts:12'))).not.toMatch(/SQLITE/)
    expect(errorMessage(new Error('boom'))).toBe('Có lỗi xảy ra. Vui lòng thử lại sau ít phút.')
  })
})
