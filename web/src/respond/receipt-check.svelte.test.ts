import { describe, expect, it, vi } from 'vitest'
import { ApiError } from './api.ts'
import { ReceiptLookup } from './receipt-check.svelte.ts'

describe('ReceiptLookup', () => {
  it('normalises the typed code and reports the day it was counted', async () => {
    const check = vi.fn(async () => ({ included: true, roundId: 'r1', day: '2025-06-02' }))
    const l = new ReceiptLookup(check, 'k7q2 m9xd 3f0a')
    await l.run()
    expect(check).toHaveBeenCalledWith('K7Q2-M9XD-3F0A')
    expect(l.status).toBe('found')
    expect(l.message).toContain('02/06/2025')
  })

  it('says a pending ballot is received and will be counted when enough have arrived, then counted once landed', async () => {
    const pending = new ReceiptLookup(
      async () => ({ included: true, status: 'pending' as const, roundId: 'r1', day: '2025-06-02' }),
      'K7Q2-M9XD-3F0A',
    )
    await pending.run()
    expect(pending.message).toContain('đã nhận, sẽ được kiểm khi đủ phiếu')
    const counted = new ReceiptLookup(
      async () => ({ included: true, status: 'counted' as const, roundId: 'r1', day: '2025-06-02' }),
      'K7Q2-M9XD-3F0A',
    )
    await counted.run()
    expect(counted.message).toContain('đã kiểm')
  })

  it('does not call the server for a malformed code', async () => {
    const check = vi.fn(async () => null)
    const l = new ReceiptLookup(check, '1234')
    await l.run()
    expect(check).not.toHaveBeenCalled()
    expect(l.status).toBe('invalid')
  })

  it('says when a receipt is unknown, or the network is down', async () => {
    const l = new ReceiptLookup(async () => null, 'K7Q2-M9XD-3F0A')
    await l.run()
    expect(l.status).toBe('missing')
    const m = new ReceiptLookup(async () => {
      throw new ApiError('network', 'x')
    }, 'K7Q2-M9XD-3F0A')
    await m.run()
    expect(m.status).toBe('error')
    expect(m.message).toMatch(/kết nối/)
  })
})
