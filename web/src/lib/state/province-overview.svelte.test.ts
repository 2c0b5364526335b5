import { describe, expect, it, vi } from 'vitest'
import { fakeClient } from './fake-client.js'
import { CommuneTrendState, ProvinceOverview } from './province-overview.svelte.js'

describe('ProvinceOverview', () => {
  it('takes the first province in scope and sorts on the server; the same column again flips the order', async () => {
    const overview = vi.fn(async (unitId: string) => ({ unitId, unitName: 'Cà Mau', unitKind: 'province', items: [] }))
    const client = fakeClient({
      units: async (q: { kind: string }) => (q.kind === 'province' ? [{ id: 'p1', kind: 'province', name: 'Cà Mau' }] : []),
      overview,
    })
    const ov = new ProvinceOverview(client)
    await ov.load('own')
    expect(overview).toHaveBeenLastCalledWith('p1', { sort: 'name', order: 'asc' })
    await ov.sortBy('rate')
    expect(overview).toHaveBeenLastCalledWith('p1', { sort: 'rate', order: 'desc' })
    expect(ov.ariaSort('rate')).toBe('descending')
    expect(ov.ariaSort('name')).toBe('none')
    await ov.sortBy('rate')
    expect(overview).toHaveBeenLastCalledWith('p1', { sort: 'rate', order: 'asc' })
  })

  it("falls back to the user's own unit (a commune) when no province or district is in scope", async () => {
    const overview = vi.fn(async (unitId: string) => ({ unitId, unitName: 'Biển Bạch', unitKind: 'commune', items: [] }))
    const ov = new ProvinceOverview(fakeClient({ units: async () => [], overview }))
    await ov.load('c1')
    expect(overview).toHaveBeenCalledWith('c1', { sort: 'name', order: 'asc' })
  })
})

describe('CommuneTrendState', () => {
  it('lists the rounds of the criteria trend as columns, oldest first', async () => {
    const point = (roundId: string, date: string) => ({
      roundId,
      title: roundId,
      purpose: 'recognition',
      status: 'sealed',
      date,
      questionKey: 'q1',
      valid: 10,
      satisfied: 9,
      rate: 0.9,
    })
    const t = new CommuneTrendState(
      'c1',
      fakeClient({
        communeTrend: async () => ({ communeId: 'c1', communeName: 'Biển Bạch', rounds: [] }),
        criteriaTrend: async () => ({
          communeId: 'c1',
          criteria: [
            { criterionRef: '1', points: [point('r2', '2025-09-01'), point('r1', '2024-09-01')] },
            { criterionRef: '2', points: [point('r1', '2024-09-01')] },
          ],
        }),
      }),
    )
    await t.load()
    expect(t.columns.map((c) => c.roundId)).toEqual(['r1', 'r2'])
  })
})
