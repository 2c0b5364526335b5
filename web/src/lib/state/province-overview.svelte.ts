import type { CommuneTrend, CriteriaTrend, OverviewQuery, Unit, UnitOverview } from '@app/shared'
import { type ApiClient, api } from '../api/client.js'
import { handleError } from '../utils/handle-error.js'

export type OverviewSort = OverviewQuery['sort']

/**
 * Province (or legacy district) overview: every commune's latest round with coverage, rate, verdict
 * and status, sorted by the server. Clicking the sorted column again flips the order.
 */
export class ProvinceOverview {
  roots = $state<Unit[]>([])
  unitId = $state('')
  sort = $state<OverviewSort>('name')
  order = $state<'asc' | 'desc'>('asc')
  data = $state<UnitOverview | null>(null)
  status = $state<'loading' | 'ready' | 'error'>('loading')

  constructor(private readonly client: ApiClient = api) {}

  /** The units one can take an overview of: provinces and legacy districts in scope, else the own unit. */
  load = async (ownUnitId?: string): Promise<void> => {
    try {
      const [provinces, districts] = await Promise.all([this.client.units({ kind: 'province' }), this.client.units({ kind: 'district' })])
      this.roots = [...provinces, ...districts]
      this.unitId = this.roots[0]?.id ?? ownUnitId ?? ''
      await this.refresh()
    } catch (err) {
      this.status = 'error'
      handleError(err, 'Tải tổng quan')
    }
  }

  refresh = async (): Promise<void> => {
    if (!this.unitId) {
      this.status = 'ready'
      return
    }
    try {
      this.data = await this.client.overview(this.unitId, { sort: this.sort, order: this.order })
      this.status = 'ready'
    } catch (err) {
      this.status = 'error'
      handleError(err, 'Tải tổng quan')
    }
  }

  selectUnit = (id: string): Promise<void> => {
    this.unitId = id
    return this.refresh()
  }

  /** Sort by a column; the same column again flips the order. Rates and coverage start high → low. */
  sortBy = (key: OverviewSort): Promise<void> => {
    if (this.sort === key) this.order = this.order === 'asc' ? 'desc' : 'asc'
    else {
      this.sort = key
      this.order = key === 'rate' || key === 'coverage' ? 'desc' : 'asc'
    }
    return this.refresh()
  }

  ariaSort = (key: OverviewSort): 'ascending' | 'descending' | 'none' =>
    this.sort === key ? (this.order === 'asc' ? 'ascending' : 'descending') : 'none'
}

/** One commune's rounds in time order and its per-criterion rates across rounds. */
export class CommuneTrendState {
  trend = $state<CommuneTrend | null>(null)
  criteria = $state<CriteriaTrend | null>(null)
  status = $state<'loading' | 'ready' | 'error'>('loading')

  constructor(
    readonly communeId: string,
    private readonly client: ApiClient = api,
  ) {}

  /** The rounds that appear in the criteria trend, as columns (oldest first), each headed by its title and close day. */
  columns = $derived.by(() => {
    const seen = new Map<string, { roundId: string; title: string; date: string; closedAt: string; purpose: string }>()
    for (const c of this.criteria?.criteria ?? [])
      for (const p of c.points)
        if (!seen.has(p.roundId))
          seen.set(p.roundId, { roundId: p.roundId, title: p.title, date: p.date, closedAt: p.closedAt, purpose: p.purpose })
    return [...seen.values()].sort((a, b) => a.date.localeCompare(b.date))
  })

  load = async (): Promise<void> => {
    try {
      const [trend, criteria] = await Promise.all([this.client.communeTrend(this.communeId), this.client.criteriaTrend(this.communeId)])
      this.trend = trend
      this.criteria = criteria
      this.status = 'ready'
    } catch (err) {
      this.status = 'error'
      handleError(err, 'Tải diễn biến của xã')
    }
  }
}
