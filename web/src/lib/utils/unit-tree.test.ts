import type { Unit } from '@app/shared'
import { describe, expect, it } from 'vitest'
import { buildTree, filterTree, matchesUnit, scopeGroups, sortByName, unitLabel, visibleRows } from './unit-tree.js'

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

describe('unitLabel and scopeGroups (the scope picker)', () => {
  const at = (x: Unit, validTo: string | null): Unit => ({ ...x, validTo })
  const list: Unit[] = [
    u('p1', 'province', 'Cà Mau', null),
    at(u('p0', 'province', 'Bạc Liêu', null), '2025-06-30'),
    at(u('d1', 'district', 'Thới Bình', 'p1'), '2025-06-30'),
    u('c1', 'commune', 'Tân Lộc', 'p1'),
    at(u('c0', 'commune', 'Tân Lộc', 'd1'), '2025-06-30'),
    u('c2', 'commune', 'Phường 1', 'p1'),
    u('v1', 'village', 'Ấp Kênh Tư', 'c1'),
  ]
  const today = '2026-01-10'

  it('names each unit with its kind, and a former one with the day it ended', () => {
    expect(unitLabel(list[0] as Unit, today)).toBe('Tỉnh Cà Mau')
    expect(unitLabel(list[2] as Unit, today)).toBe('Huyện Thới Bình (cũ, trước 01/07/2025)')
    expect(unitLabel(list[5] as Unit, today)).toBe('Phường 1')
    // before the day it ended, it is not "cũ"
    expect(unitLabel(list[2] as Unit, '2025-06-30')).toBe('Huyện Thới Bình')
  })

  it('groups provinces, communes (with their province) and former units; no villages; search without diacritics', () => {
    const groups = scopeGroups(list, '', '', today)
    expect(groups.map((g) => g.label)).toEqual(['Tỉnh, thành phố', 'Xã, phường', 'Đơn vị cũ (trước khi sắp xếp)'])
    expect(groups[0]?.options.map((o) => o.label)).toEqual(['Tỉnh Cà Mau'])
    expect(groups[1]?.options.map((o) => o.label)).toEqual(['Phường 1 — Tỉnh Cà Mau', 'Xã Tân Lộc — Tỉnh Cà Mau'])
    expect(groups[2]?.options.map((o) => o.label)).toEqual([
      'Tỉnh Bạc Liêu (cũ, trước 01/07/2025)',
      'Huyện Thới Bình (cũ, trước 01/07/2025) — Tỉnh Cà Mau',
      'Xã Tân Lộc (cũ, trước 01/07/2025) — Tỉnh Cà Mau',
    ])
    const found = scopeGroups(list, 'tan loc', '', today).flatMap((g) => g.options.map((o) => o.id))
    expect(found).toEqual(['c1', 'c0'])
    // the current choice stays listed whatever the search
    expect(scopeGroups(list, 'zzz', 'p1', today).flatMap((g) => g.options.map((o) => o.id))).toEqual(['p1'])
  })
})
