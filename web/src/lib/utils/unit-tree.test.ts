import type { Unit } from '@app/shared'
import { describe, expect, it } from 'vitest'
import { buildTree, filterTree, matchesUnit, sortByName, visibleRows } from './unit-tree.js'

const u = (id: string, kind: Unit['kind'], name: string, parentId: string | null, code = id): Unit => ({
  id,
  kind,
  name,
  code,
  parentId,
  validFrom: null,
  validTo: null,
  successorId: null,
  households: 1,
})

const units: Unit[] = [
  u('v2', 'village', 'Ấp Láng Trâm', 'c1'),
  u('c3', 'commune', 'Tân Lộc Đông', 'd'),
  u('c1', 'commune', 'Biển Bạch', 'd'),
  u('p', 'province', 'Cà Mau', null),
  u('c2', 'commune', 'Tân Lộc', 'd', 'TLO'),
  u('d', 'district', 'Thới Bình', 'p'),
  u('v1', 'village', 'Ấp Kênh Tư', 'c1', 'BB-01'),
  u('c4', 'commune', 'Đông Hưng', 'd'),
  u('c5', 'commune', 'Dương Thạnh', 'd'),
]

describe('unit tree', () => {
  it('builds province → district → commune → village with Vietnamese ordering', () => {
    const tree = buildTree(units)
    expect(tree.map((n) => n.unit.name)).toEqual(['Cà Mau'])
    const communes = tree[0]?.children[0]?.children.map((n) => n.unit.name)
    // "Đ" sorts after "D" in Vietnamese, not among the "Đ…"-less letters by code point
    expect(communes).toEqual(['Biển Bạch', 'Dương Thạnh', 'Đông Hưng', 'Tân Lộc', 'Tân Lộc Đông'])
    expect(tree[0]?.children[0]?.children[0]?.children.map((n) => n.unit.name)).toEqual(['Ấp Kênh Tư', 'Ấp Láng Trâm'])
  })

  it('treats units whose parent is outside the scope as roots', () => {
    const scoped = units.filter((x) => x.id === 'c1' || x.parentId === 'c1')
    expect(buildTree(scoped).map((n) => n.unit.id)).toEqual(['c1'])
  })

  it('finds "Tân Lộc" from "tan loc", ignoring diacritics and case, and by code', () => {
    expect(matchesUnit({ name: 'Tân Lộc', code: 'TLO' }, 'tan loc')).toBe(true)
    expect(matchesUnit({ name: 'Tân Lộc', code: 'TLO' }, 'TÂN LỘC')).toBe(true)
    expect(matchesUnit({ name: 'Đông Hưng', code: 'DH' }, 'dong')).toBe(true)
    expect(matchesUnit({ name: 'Ấp Kênh Tư', code: 'BB-01' }, 'bb-01')).toBe(true)
    expect(matchesUnit({ name: 'Biển Bạch', code: 'BB' }, 'tan loc')).toBe(false)
  })

  it('filters the tree to the matches and their ancestors', () => {
    const rows = visibleRows(filterTree(buildTree(units), 'tan loc'), new Set(), true)
    expect(rows.map((r) => r.unit.name)).toEqual(['Cà Mau', 'Thới Bình', 'Tân Lộc', 'Tân Lộc Đông'])
  })

  it('shows only expanded branches when not searching', () => {
    const tree = buildTree(units)
    expect(visibleRows(tree, new Set()).map((r) => r.unit.id)).toEqual(['p'])
    expect(visibleRows(tree, new Set(['p', 'd'])).length).toBe(7)
  })

  it('sorts with Intl.Collator("vi")', () => {
    expect(sortByName([{ name: 'Trí Phải' }, { name: 'Tân Bằng' }, { name: 'Hồ Thị Kỷ' }]).map((x) => x.name)).toEqual([
      'Hồ Thị Kỷ',
      'Tân Bằng',
      'Trí Phải',
    ])
  })
})
