import { describe, expect, it } from 'vitest'
import { fakeClient } from './fake-client.js'
import { UnitTreeState } from './unit-tree.svelte.js'

const unit = (id: string, kind: string, name: string, parentId: string | null) => ({
  id,
  kind,
  name,
  code: id,
  parentId,
  validFrom: null,
  validTo: null,
  successorId: null,
  households: 10,
})

describe('UnitTreeState', () => {
  it('loads with the levels above the communes open, and searches without diacritics', async () => {
    const tree = new UnitTreeState(
      fakeClient({
        units: async () => [
          unit('p', 'province', 'Cà Mau', null),
          unit('c1', 'commune', 'Tân Lộc', 'p'),
          unit('c2', 'commune', 'Biển Bạch', 'p'),
          unit('v1', 'village', 'Ấp Tân Lộc A', 'c1'),
        ],
      }),
    )
    await tree.load()
    expect(tree.status).toBe('ready')
    expect(tree.rows.map((r) => r.unit.name)).toEqual(['Cà Mau', 'Biển Bạch', 'Tân Lộc'])
    tree.toggle('c1')
    expect(tree.rows.map((r) => r.unit.name)).toContain('Ấp Tân Lộc A')
    tree.query = 'tan loc'
    expect(tree.matchCount).toBe(2)
    expect(tree.rows.map((r) => r.unit.name)).toEqual(['Cà Mau', 'Tân Lộc', 'Ấp Tân Lộc A'])
  })
})
