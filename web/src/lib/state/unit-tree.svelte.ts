import type { Unit } from '@app/shared'
import { SvelteSet } from 'svelte/reactivity'
import { type ApiClient, api } from '../api/client.js'
import { handleError } from '../utils/handle-error.js'
import { buildTree, filterTree, matchesUnit, visibleRows } from '../utils/unit-tree.js'

export type LoadStatus = 'idle' | 'loading' | 'ready' | 'error'

/** The units in the user's scope as a tree with household counts, searchable without diacritics. */
export class UnitTreeState {
  units = $state<Unit[]>([])
  status = $state<LoadStatus>('idle')
  query = $state('')
  expanded = new SvelteSet<string>()

  tree = $derived(buildTree(this.units))
  filtered = $derived(filterTree(this.tree, this.query))
  rows = $derived(visibleRows(this.filtered, this.expanded, this.query.trim() !== ''))
  communes = $derived(this.units.filter((u) => u.kind === 'commune'))
  matchCount = $derived(this.query.trim() ? this.units.filter((u) => matchesUnit(u, this.query)).length : this.units.length)

  constructor(private readonly client: ApiClient = api) {}

  load = async (): Promise<void> => {
    this.status = 'loading'
    try {
      this.units = await this.client.units()
      // open the levels above the communes so the communes are visible at first
      for (const u of this.units) if (u.kind === 'province' || u.kind === 'district') this.expanded.add(u.id)
      if (this.tree.length === 1 && this.tree[0]) this.expanded.add(this.tree[0].unit.id)
      this.status = 'ready'
    } catch (err) {
      this.status = 'error'
      handleError(err, 'Tải danh sách đơn vị')
    }
  }

  toggle = (id: string): void => {
    if (this.expanded.has(id)) this.expanded.delete(id)
    else this.expanded.add(id)
  }

  byId = (id: string): Unit | undefined => this.units.find((u) => u.id === id)
  childrenOf = (id: string): Unit[] => (this.tree.length ? (findNode(this.tree, id)?.children.map((c) => c.unit) ?? []) : [])
}

function findNode(nodes: ReturnType<typeof buildTree>, id: string): ReturnType<typeof buildTree>[number] | undefined {
  for (const n of nodes) {
    if (n.unit.id === id) return n
    const f = findNode(n.children, id)
    if (f) return f
  }
  return undefined
}
