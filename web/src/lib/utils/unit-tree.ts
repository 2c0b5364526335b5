import { foldVi, formatDateVi, type Unit, viCollator, vnDay } from '@app/shared'

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

/** Names that already say what they are ("Tỉnh Thử", "Phường 1", "Đặc khu Phú Quốc") get no second kind word. */
const KIND_WORD_RE = /^(tỉnh|thành phố|huyện|quận|thị xã|xã|phường|thị trấn|đặc khu|thôn|ấp|khóm|bản|tổ dân phố)\s/iu
const KIND_WORD: Record<Unit['kind'], string> = { province: 'Tỉnh', district: 'Huyện', commune: 'Xã', village: 'Thôn/ấp' }

/** The day after a YYYY-MM-DD day ("2025-06-30" → "2025-07-01"). */
function dayAfter(day: string): string {
  const d = new Date(`${day}T00:00:00Z`)
  d.setUTCDate(d.getUTCDate() + 1)
  return d.toISOString().slice(0, 10)
}

/** A unit no longer in force on `today` (it ended in the 2025 rearrangement, or any other). */
export function isFormerUnit(u: Pick<Unit, 'validTo'>, today: string = vnDay(new Date())): boolean {
  return u.validTo !== null && u.validTo < today
}

/**
 * A unit named with its kind, and when it is no longer in force, since when: "Tỉnh Cà Mau", "Xã Tân Lộc",
 * "Huyện Thới Bình (cũ, trước 01/07/2025)". Province, district and commune names alone mix up (two
 * "Long Hữu", one of them gone).
 */
export function unitLabel(u: Pick<Unit, 'kind' | 'name' | 'validTo'>, today: string = vnDay(new Date())): string {
  const named = KIND_WORD_RE.test(u.name) ? u.name : `${KIND_WORD[u.kind]} ${u.name}`
  return u.validTo && isFormerUnit(u, today) ? `${named} (cũ, trước ${formatDateVi(dayAfter(u.validTo))})` : named
}

export interface UnitOptionGroup {
  label: string
  options: { id: string; label: string }[]
}

/**
 * The units a staff member can belong to (no villages), grouped for a picker: provinces, districts in
 * force, communes (with their province, since names repeat), then the former units of the rearrangement.
 * `query` filters without diacritics or case; `keepId` (the current choice) always stays listed.
 */
export function scopeGroups(units: readonly Unit[], query = '', keepId = '', today: string = vnDay(new Date())): UnitOptionGroup[] {
  const byId = new Map(units.map((x) => [x.id, x]))
  const provinceOf = (x: Unit): Unit | undefined => {
    let p: Unit | undefined = x
    for (let i = 0; p && p.kind !== 'province' && i < 5; i++) p = p.parentId ? byId.get(p.parentId) : undefined
    return p?.kind === 'province' && p.id !== x.id ? p : undefined
  }
  const label = (x: Unit): string => {
    const own = unitLabel(x, today)
    const prov = x.kind === 'province' ? undefined : provinceOf(x)
    return prov ? `${own} — ${unitLabel(prov, today)}` : own
  }
  const needle = foldVi(query)
  const shown = units.filter(
    (x) => x.kind !== 'village' && (x.id === keepId || !needle || foldVi(`${label(x)} ${x.code}`).includes(needle)),
  )
  const group = (title: string, pick: (x: Unit) => boolean): UnitOptionGroup => ({
    label: title,
    options: shown
      .filter(pick)
      .map((x) => ({ id: x.id, label: label(x) }))
      .sort((a, b) => viCollator.compare(a.label, b.label)),
  })
  const current = (x: Unit) => !isFormerUnit(x, today)
  const order: Record<string, number> = { province: 0, district: 1, commune: 2 }
  const former = group('Đơn vị cũ (trước khi sắp xếp)', (x) => !current(x))
  former.options.sort((a, b) => {
    const ka = order[byId.get(a.id)?.kind ?? ''] ?? 3
    const kb = order[byId.get(b.id)?.kind ?? ''] ?? 3
    return ka - kb || viCollator.compare(a.label, b.label)
  })
  return [
    group('Tỉnh, thành phố', (x) => x.kind === 'province' && current(x)),
    group('Huyện', (x) => x.kind === 'district' && current(x)),
    group('Xã, phường', (x) => x.kind === 'commune' && current(x)),
    former,
  ].filter((g) => g.options.length > 0)
}
