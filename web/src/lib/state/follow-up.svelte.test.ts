import { describe, expect, it, vi } from 'vitest'
import { fakeClient } from './fake-client.js'
import { FollowUpState } from './follow-up.svelte.js'

const round = { id: 'r1', communeId: 'c1', communeName: 'Biển Bạch', level: 'xa_ntm', templateId: 't1' }
const village = (id: string) => ({ villageId: id, villageName: id, questions: [] })

describe('FollowUpState', () => {
  it('preselects every candidate village and starts a follow-up draft limited to the chosen ones', async () => {
    const createRound = vi.fn(async (body: object) => ({ id: 'r2', status: 'draft', ...body }))
    const s = new FollowUpState(
      round,
      fakeClient({
        followUpCandidates: async () => ({ roundId: 'r1', thresholdBp: 5000, minBallots: 5, villages: [village('v1'), village('v2')] }),
        createRound,
      }),
    )
    await s.load()
    expect(s.selected).toEqual(['v1', 'v2'])
    s.toggle('v1', false)
    const r = await s.start(new Date('2025-06-01T02:00:00Z'))
    expect(r?.id).toBe('r2')
    expect(createRound).toHaveBeenCalledWith(
      expect.objectContaining({
        communeId: 'c1',
        level: 'xa_ntm',
        templateId: 't1',
        purpose: 'follow_up',
        villageIds: ['v2'],
        opensAt: '2025-06-01T00:00:00+07:00',
        closesAt: '2025-06-08T23:59:59+07:00',
      }),
    )
  })

  it('starts nothing without a village', async () => {
    const createRound = vi.fn()
    const s = new FollowUpState(
      round,
      fakeClient({ followUpCandidates: async () => ({ roundId: 'r1', thresholdBp: 5000, minBallots: 5, villages: [] }), createRound }),
    )
    await s.load()
    expect(await s.start()).toBeNull()
    expect(createRound).not.toHaveBeenCalled()
  })
})
