import { describe, expect, it } from 'vitest'
import { ApiError } from '../api/errors.js'
import { fakeClient } from './fake-client.js'
import { IntegrityState } from './integrity.svelte.js'

const signal = (key: string, triggered: boolean) => ({
  key,
  triggered,
  value: 0.2,
  threshold: 0.15,
  rule: 'r',
  explanation: 'e',
  scope: 'round',
})

describe('IntegrityState', () => {
  it('splits the signals that fired from the quiet ones', async () => {
    const s = new IntegrityState(
      'r1',
      fakeClient({
        integrity: async () => ({
          roundId: 'r1',
          status: 'open',
          signals: [signal('fast_completion', true), signal('shared_device', false), signal('straight_lining', false)],
        }),
      }),
    )
    await s.load()
    expect(s.visible).toBe(true)
    expect(s.triggered.map((x) => x.key)).toEqual(['fast_completion'])
    expect(s.quiet).toHaveLength(2)
  })

  it.each([403, 404])('shows nothing at all when the server answers %i (commune staff before sealing)', async (status) => {
    const s = new IntegrityState(
      'r1',
      fakeClient({
        integrity: async () => {
          throw new ApiError(status === 403 ? 'forbidden' : 'not_found', 'no', status)
        },
      }),
    )
    await s.load()
    expect(s.status).toBe('hidden')
    expect(s.visible).toBe(false)
    expect(s.triggered).toEqual([])
  })
})
