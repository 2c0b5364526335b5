import { foldVi, type Unit, viCollator } from '@app/shared'

export interface UnitNode {
  unit: Unit
  children: UnitNode[]
  depth: number
}

/** Sort Vietnamese names the Vietnamese way ("Ấp Kênh Tư" before "Ấp Láng Trâm", "Đ" after "D"). */
export function sortByName<T extends { name: string }>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => viCollator.compare(a.name, b.name))
}

/** Build the tree (province → district → commune → village) from a flat list; roots are units whose parent is not in the list. */
export function buildTree(units: readonly Unit[]): UnitNode[] {
  const ids = new Set(units.map((u) => u.id))
  const byParent = new Map<string | null, Unit[]>()
  for (const u of units) {
    const key = u.parentId && ids.has(u.parentId) ? u.parentId : null
    byParent.set(key, [...(byParent.get(key) ?? []), u])
  }
  const make = (u: Unit, depth: number): UnitNode => ({
    unit: u,
    depth,
    children: sortByName(byParent.get(u.id) ?? []).map((c) => make(c, depth + 1)),
  })
  return sortByName(byParent.get(null) ?? []).map((u) => make(u, 0))
}

/** Does a unit match a search, ignoring diacritics and case ("tan loc" matches "Tân Lộc", and its code)? */
export function matchesUnit(u: Pick<Unit, 'name' | 'code'>, query: string): boolean {
  const needle = foldVi(query)
  if (!needle) return true
  return foldVi(`${u.name} ${u.code}`).includes(needle)
}

/**
 * Filter a tree by a search: keeps matching nodes with their ancestors (so the match is shown in
 * place). Children of a match are kept only when they match themselves.
 */
export function filterTree(roots: readonly UnitNode[], query: string): UnitNode[] {
  if (!foldVi(query)) return [...roots]
  const walk = (n: UnitNode): UnitNode | null => {
    const kids = n.children.map(walk).filter((c): c is UnitNode => c !== null)
    if (kids.length > 0 || matchesUnit(n.unit, query)) return { ...n, children: kids }
    return null
  }
  return roots.map(walk).filter((n): n is UnitNode => n !== null)
}

/** Flatten the visible part of a tree (expanded nodes' children) for rendering as rows. */
export function visibleRows(roots: readonly UnitNode[], expanded: ReadonlySet<string>, forceOpen = false): UnitNode[] {
  const out: UnitNode[] = []
  const walk = (n: UnitNode) => {
    out.push(n)
    if (forceOpen || expanded.has(n.unit.id)) for (const c of n.children) walk(c)
  }
  for (const r of roots) walk(r)
  return out
}
