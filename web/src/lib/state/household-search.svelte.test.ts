import { describe, expect, it, vi } from 'vitest'
import { fakeClient } from './fake-client.js'
import { HouseholdSearch, PICKER_PAGE } from './household-search.svelte.js'

const hh = (i: number) => ({
  id: `h${i}`,
  code: `H${String(i).padStart(4, '0')}`,
  headName: `Hộ ${i}`,
  villageId: 'v1',
  invited: false,
  participated: false,
})

describe('HouseholdSearch', () => {
  it('picks nothing by default and asks the server for one page of the matches', async () => {
    const roundHouseholds = vi.fn(async () => ({ items: [hh(1), hh(2)], page: 1, limit: PICKER_PAGE, total: 130 }))
    const s = new HouseholdSearch('r1', 'v1', 'pending', fakeClient({ roundHouseholds }))
    await s.load()
    expect(s.picked).toBeNull()
    expect(s.pages).toBe(Math.ceil(130 / PICKER_PAGE))
    expect(roundHouseholds).toHaveBeenLastCalledWith('r1', { villageId: 'v1', status: 'pending', page: 1, limit: PICKER_PAGE })
  })

  it('searches on the server from the first page and reaches any page', async () => {
    const roundHouseholds = vi.fn(async () => ({ items: [hh(120)], page: 1, limit: PICKER_PAGE, total: 1 }))
    const s = new HouseholdSearch('r1', 'v1', 'pending', fakeClient({ roundHouseholds }))
    s.page = 4
    s.type('H0120', 0)
    await vi.waitFor(() => expect(s.items).toHaveLength(1))
    expect(roundHouseholds).toHaveBeenLastCalledWith('r1', { villageId: 'v1', status: 'pending', q: 'H0120', page: 1, limit: PICKER_PAGE })
    s.pick(s.items[0] ?? null)
    expect(s.picked?.code).toBe('H0120')
  })
})
