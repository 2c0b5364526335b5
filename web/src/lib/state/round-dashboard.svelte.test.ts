import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { fakeClient } from './fake-client.js'
import { POLL_MS, RoundDashboard } from './round-dashboard.svelte.js'

const village = (id: string, households: number, participated: number) => ({
  unitId: id,
  name: id,
  households,
  participated,
  coverage: participated / households,
  verdict: 'insufficient_coverage',
})
const coverageOf = (households: number, participated: number, extra: Record<string, unknown> = {}) => ({
  villages: [village('v1', households, participated)],
  commune: village('c', households, participated),
  byChannel: {},
  resultsAvailable: false,
  disclosedAt: null,
  ...extra,
})

beforeEach(() => vi.useFakeTimers())
afterEach(() => vi.useRealTimers())

describe('RoundDashboard', () => {
  it('polls the coverage at most every 10 s while the round is open, never the results, and stops', async () => {
    let participated = 0
    const coverage = vi.fn(async () => coverageOf(100, participated))
    const tally = vi.fn(async () => {
      throw new Error('results of an open round are never asked for')
    })
    const client = fakeClient({
      round: async () => ({ id: 'r1', status: 'open', disclosedAt: null }),
      coverage,
      tally,
      roundHouseholds: async () => ({ items: [], total: 0, page: 1, limit: 100 }),
    })
    const dash = new RoundDashboard('r1', client)
    await dash.load()
    expect(POLL_MS).toBeLessThanOrEqual(10_000)
    expect(dash.withheld).toBe(true)
    expect(dash.notReached).toEqual([{ id: 'v1', name: 'v1', count: 100 }])
    const stop = dash.start()
    participated = 7
    await vi.advanceTimersByTimeAsync(POLL_MS)
    expect(coverage).toHaveBeenCalledTimes(2)
    expect(dash.notReached[0]?.count).toBe(93)
    stop()
    await vi.advanceTimersByTimeAsync(POLL_MS * 3)
    expect(coverage).toHaveBeenCalledTimes(2)
    expect(tally).not.toHaveBeenCalled()
  })

  it('asks for the results of a closed round only when told to (that first read discloses them), and by itself once disclosed', async () => {
    let disclosedAt: string | null = null
    const tally = vi.fn(async () => {
      disclosedAt = '2025-06-16T08:00:00Z'
      return { villages: [], commune: village('c', 100, 60), byChannel: {}, questions: [] }
    })
    const client = fakeClient({
      round: async () => ({ id: 'r1', status: 'closed', disclosedAt }),
      coverage: async () => coverageOf(100, 60, { resultsAvailable: true, disclosedAt }),
      tally,
    })
    const dash = new RoundDashboard('r1', client)
    await dash.load()
    expect(tally).not.toHaveBeenCalled()
    expect(dash.awaitingDisclosure).toBe(true)
    await dash.showResults()
    expect(tally).toHaveBeenCalledTimes(1)
    expect(dash.awaitingDisclosure).toBe(false)
    expect(dash.round?.disclosedAt).toBe('2025-06-16T08:00:00Z')
    // a later visit reads them straight away
    const again = new RoundDashboard('r1', client)
    await again.load()
    expect(tally).toHaveBeenCalledTimes(2)
    expect(again.tally).not.toBeNull()
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
        round: async () => ({ id: 'r1', status: 'open', disclosedAt: null }),
        coverage: async () => coverageOf(200, 80),
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
