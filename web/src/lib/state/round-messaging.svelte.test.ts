import { describe, expect, it, vi } from 'vitest'
import { ApiError } from '../api/errors.js'
import { fakeClient } from './fake-client.js'
import { MESSAGING_POLL_MS, RoundMessagingState } from './round-messaging.svelte.js'

const summary = (failed: number) => ({
  roundId: 'r1',
  modes: { zalo: 'fake', sms: 'fake' },
  counts: {
    queued: 1,
    sent: 2,
    delivered: 3,
    failed,
    unknown: 0,
    deferred: 0,
    fellBackToSms: 1,
    answered: 0,
    revoked: 0,
    remindersSent: 0,
  },
  alerts: [],
  failures: [],
})

describe('RoundMessagingState', () => {
  it('offers a retry when sends failed, and reloads the counts after it', async () => {
    const messaging = vi.fn().mockResolvedValueOnce(summary(2)).mockResolvedValueOnce(summary(0))
    const s = new RoundMessagingState('r1', fakeClient({ messaging, retryMessaging: async () => ({ retried: 2 }) }))
    await s.load()
    expect(s.canRetry).toBe(true)
    expect(await s.retry()).toBe(2)
    expect(s.data?.counts.failed).toBe(0)
    expect(s.canRetry).toBe(false)
  })

  it('hides the panel when the server has no messaging route', async () => {
    const s = new RoundMessagingState(
      'r1',
      fakeClient({
        messaging: async () => {
          throw new ApiError('not_found', 'no route for GET /api/rounds/r1/messaging', 404)
        },
      }),
    )
    await s.load()
    expect(s.status).toBe('hidden')
  })

  it('polls the counts every few seconds while started, and stops', async () => {
    vi.useFakeTimers()
    try {
      let sent = 0
      const messaging = vi.fn(async () => {
        const s = summary(0)
        return { ...s, counts: { ...s.counts, sent } }
      })
      const s = new RoundMessagingState('r1', fakeClient({ messaging }))
      await s.load()
      expect(MESSAGING_POLL_MS).toBeLessThanOrEqual(5_000)
      const stop = s.start()
      sent = 48
      await vi.advanceTimersByTimeAsync(MESSAGING_POLL_MS)
      expect(messaging).toHaveBeenCalledTimes(2)
      expect(s.data?.counts.sent).toBe(48)
      stop()
      expect(s.polling).toBe(false)
      await vi.advanceTimersByTimeAsync(MESSAGING_POLL_MS * 3)
      expect(messaging).toHaveBeenCalledTimes(2)
    } finally {
      vi.useRealTimers()
    }
  })

  it('stops asking once the server says the panel is not for this role', async () => {
    vi.useFakeTimers()
    try {
      const messaging = vi.fn(async () => {
        throw new ApiError('forbidden', 'không có quyền', 403)
      })
      const s = new RoundMessagingState('r1', fakeClient({ messaging }))
      s.start()
      await vi.advanceTimersByTimeAsync(MESSAGING_POLL_MS * 3)
      expect(messaging).toHaveBeenCalledTimes(1)
      expect(s.status).toBe('hidden')
      expect(s.polling).toBe(false)
    } finally {
      vi.useRealTimers()
    }
  })
})
