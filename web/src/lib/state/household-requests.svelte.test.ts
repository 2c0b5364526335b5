import { describe, expect, it, vi } from 'vitest'
import { fakeClient } from './fake-client.js'
import { HouseholdRequests } from './household-requests.svelte.js'

const req = (id: string, status: string, createdAt = '2025-06-01T08:00:00Z') => ({
  id,
  roundId: 'r1',
  villageId: 'v1',
  villageName: 'Ấp 1',
  headName: 'Nguyễn Văn A',
  phone: null,
  note: null,
  status,
  resolution: null,
  createdAt,
  resolvedAt: null,
  candidates: [],
})

describe('HouseholdRequests', () => {
  it('shows the requests still to handle by default and counts each status', async () => {
    const s = new HouseholdRequests(
      'r1',
      fakeClient({
        householdRequests: async () => [req('a', 'new'), req('b', 'rejected'), req('c', 'visit_planned', '2025-06-02T08:00:00Z')],
      }),
    )
    await s.load()
    expect(s.shown.map((r) => r.id)).toEqual(['c', 'a'])
    expect(s.counts).toEqual({ new: 1, link_issued: 0, visit_planned: 1, rejected: 1 })
    s.filter = ''
    expect(s.shown).toHaveLength(3)
  })

  it('issues a link to the chosen household and keeps the one-time URL; a rejection needs a reason', async () => {
    const resolveRequest = vi.fn(async (_r: string, id: string, body: { action: string }) => ({
      id,
      status: body.action === 'issue_link' ? 'link_issued' : 'rejected',
      ...(body.action === 'issue_link' ? { link: { householdId: 'h1', villageId: 'v1', url: 'http://x/r/T' } } : {}),
    }))
    const s = new HouseholdRequests('r1', fakeClient({ householdRequests: async () => [req('a', 'new'), req('b', 'new')], resolveRequest }))
    await s.load()
    expect(await s.resolve('a', 'issue_link', { householdId: 'h1' })).toBe(true)
    expect(resolveRequest).toHaveBeenCalledWith('r1', 'a', { action: 'issue_link', householdId: 'h1', channel: 'print' })
    expect(s.issued).toEqual({ requestId: 'a', url: 'http://x/r/T' })
    expect(s.items.find((r) => r.id === 'a')?.status).toBe('link_issued')

    expect(await s.resolve('b', 'reject', { reason: ' ' })).toBe(false)
    expect(resolveRequest).toHaveBeenCalledTimes(1)
    expect(await s.resolve('b', 'reject', { reason: 'Không thuộc địa bàn xã' })).toBe(true)
    expect(resolveRequest).toHaveBeenLastCalledWith('r1', 'b', { action: 'reject', reason: 'Không thuộc địa bàn xã' })
  })
})
