import { describe, expect, it } from 'vitest'
import { buildTestApp } from '../helpers/build-test-app.js'

describe('GET /api/health', () => {
  it('answers ok without a token', async () => {
    const { app } = await buildTestApp()
    const res = await app.inject({ method: 'GET', url: '/api/health' })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ status: 'ok' })
  })
})
