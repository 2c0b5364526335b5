import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { fakeClient } from './fake-client.js'
import { POLL_MS, RoundDashboard } from './round-dashboard.svelte.js'

const village = (id: string, households: number, participated: number) => ({
  unitId: id,
  name: id,
  households,
  participated,
  valid: participated,
  satisfied: participated,
  notSatisfied: 0,
  coverage: participated / households,
  rate: null,
  interval: null,
  bounds: null,
  verdict: 'insufficient_coverage',
  robustness: null,
})

beforeEach(() => vi.useFakeTimers())
afterEach(() => vi.useRealTimers())

describe('RoundDashboard', () => {
  it('polls the tally at most every 10 s while the round is open, and stops', async () => {
    let participated = 0
    const tally = vi.fn(async () => ({
      villages: [village('v1', 100, participated)],
      commune: village('c', 100, participated),
      byChannel: {},
    }))
    const client = fakeClient({
      round: async () => ({ id: 'r1', status: 'open' }),
      tally,
      roundHouseholds: async () => ({ items: [], total: 0, page: 1, limit: 100 }),
    })
    const dash = new RoundDashboard('r1', client)
    await dash.load()
    expect(POLL_MS).toBeLessThanOrEqual(10_000)
    expect(dash.notReached).toEqual([{ id: 'v1', name: 'v1', count: 100 }])
    const stop = dash.start()
    participated = 7
    await vi.advanceTimersByTimeAsync(POLL_MS)
    expect(tally).toHaveBeenCalledTimes(2)
    expect(dash.notReached[0]?.count).toBe(93)
    stop()
    await vi.advanceTimersByTimeAsync(POLL_MS * 3)
    expect(tally).toHaveBeenCalledTimes(2)
  })

  it('searches and pages the households not yet reached in a village', async () => {
    const roundHouseholds = vi.fn(async (_id: string, q: { q?: string; page?: number }) => ({
      items: [{ id: 'h1', code: 'H1', headName: 'Nguyễn Văn A', villageId: 'v1', invited: false, participated: false }],
      total: q.q ? 1 : 120,
      page: q.page ?? 1,
      limit: 50,
    }))
    const dash = new RoundDashboard(
      'r1',
      fakeClient({
        round: async () => ({ id: 'r1', status: 'open' }),
        tally: async () => ({ villages: [village('v1', 200, 80)], commune: village('c', 200, 80), byChannel: {} }),
        roundHouseholds,
      }),
    )
    await dash.load()
    await dash.loadPending()
    expect(dash.pendingPages).toBe(3)
    await dash.pendingGoTo(3)
    expect(roundHouseholds).toHaveBeenLastCalledWith('r1', { villageId: 'v1', status: 'pending', page: 3, limit: 50 })
    await dash.searchPending('nguyen van')
    expect(roundHouseholds).toHaveBeenLastCalledWith('r1', { villageId: 'v1', status: 'pending', q: 'nguyen van', page: 1, limit: 50 })
    expect(dash.pendingTotal).toBe(1)
    expect(dash.pendingPages).toBe(1)
  })
})
