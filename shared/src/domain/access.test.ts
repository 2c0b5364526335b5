import { describe, expect, it } from 'vitest'
import { mayReopenRound } from './access.js'

describe('mayReopenRound', () => {
  const closed = { status: 'closed', disclosedAt: null }
  it('province Front staff reopen a closed round nobody has read the results of', () => {
    expect(mayReopenRound({ role: 'front_staff', unitKind: 'province' }, closed)).toBe(true)
  })
  it('never district or commune staff, an admin, the council or a collector (the server refuses them)', () => {
    for (const unitKind of ['district', 'commune', undefined]) expect(mayReopenRound({ role: 'front_staff', unitKind }, closed)).toBe(false)
    for (const role of ['admin', 'council', 'collector'] as const)
      expect(mayReopenRound({ role, unitKind: 'province' }, closed)).toBe(false)
  })
  it('never after disclosure, nor a round that is not closed', () => {
    const province = { role: 'front_staff', unitKind: 'province' } as const
    expect(mayReopenRound(province, { status: 'closed', disclosedAt: '2026-12-05T00:00:00Z' })).toBe(false)
    for (const status of ['draft', 'open', 'sealed', 'returned'])
      expect(mayReopenRound(province, { status, disclosedAt: null })).toBe(false)
  })
})
