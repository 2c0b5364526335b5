import type { Round, RoundHousehold, ShownRoundTally } from '@app/shared'
import { type ApiClient, api } from '../api/client.js'
import { handleError } from '../utils/handle-error.js'

/** Poll interval of the live dashboard (≤ 10 s, so staff see a ballot arrive while they watch). */
export const POLL_MS = 8_000
/** Households per page of the "not yet reached" list. */
export const PENDING_PAGE = 50

/**
 * A live round: the round, its tally (coverage per village, rate and interval, counts by channel)
 * and the households not yet reached in one selected village. Refreshes by polling while started;
 * polling pauses when the tab is hidden. Never holds a household's answers (the API has none).
 */
export class RoundDashboard {
  round = $state<Round | null>(null)
  tally = $state<ShownRoundTally | null>(null)
  status = $state<'loading' | 'ready' | 'error'>('loading')
  /** The tally route is not on this server yet: the page shows "chưa có". */
  updatedAt = $state<Date | null>(null)
  refreshing = $state(false)

  villageId = $state('')
  pending = $state<RoundHousehold[]>([])
  pendingTotal = $state(0)
  pendingStatus = $state<'idle' | 'loading' | 'ready'>('idle')
  /** Search in the list (code or head name, diacritics-insensitive on the server) and its page. */
  pendingQuery = $state('')
  pendingPage = $state(1)
  pendingPages = $derived(Math.max(1, Math.ceil(this.pendingTotal / PENDING_PAGE)))

  #timer: ReturnType<typeof setInterval> | null = null
  #failures = 0

  constructor(
    readonly roundId: string,
    private readonly client: ApiClient = api,
  ) {}

  villages = $derived(this.tally?.villages ?? [])
  /** Households not yet reached per village, from the tally. */
  notReached = $derived(this.villages.map((v) => ({ id: v.unitId, name: v.name, count: Math.max(0, v.households - v.participated) })))
  live = $derived(this.round?.status === 'open')

  load = async (): Promise<void> => {
    try {
      this.round = await this.client.round(this.roundId)
      this.status = 'ready'
    } catch (err) {
      this.status = 'error'
      handleError(err, 'Tải đợt lấy ý kiến')
      return
    }
    await this.refreshTally()
  }

  refreshTally = async (): Promise<void> => {
    if (this.round?.status === 'draft') return
    this.refreshing = true
    try {
      this.tally = await this.client.tally(this.roundId)
      this.updatedAt = new Date()
      this.#failures = 0
      if (!this.villageId && this.tally.villages[0]) this.villageId = this.tally.villages[0].unitId
    } catch (err) {
      // one toast per outage, not one per poll
      if (this.#failures++ === 0) handleError(err, 'Cập nhật số liệu')
    } finally {
      this.refreshing = false
    }
  }

  /** One refresh tick: the round (status may change elsewhere), the tally and the selected village's list. */
  tick = async (): Promise<void> => {
    try {
      this.round = await this.client.round(this.roundId)
    } catch {
      // the tally call below reports the outage
    }
    await Promise.all([this.refreshTally(), this.loadPending(true)])
  }

  loadPending = async (quiet = false): Promise<void> => {
    if (!this.villageId || !this.round || this.round.status === 'draft') return
    if (quiet && this.pendingStatus === 'idle') return
    if (!quiet) this.pendingStatus = 'loading'
    const villageId = this.villageId
    const q = this.pendingQuery.trim()
    try {
      const res = await this.client.roundHouseholds(this.roundId, {
        villageId,
        status: 'pending',
        ...(q ? { q } : {}),
        page: this.pendingPage,
        limit: PENDING_PAGE,
      })
      // a later village or search wins over a late answer
      if (villageId !== this.villageId || q !== this.pendingQuery.trim()) return
      this.pending = res.items
      this.pendingTotal = res.total
      this.pendingStatus = 'ready'
    } catch (err) {
      if (!quiet) handleError(err, 'Tải danh sách hộ chưa tham gia')
      this.pendingStatus = 'ready'
    }
  }

  /** Every household of the selected village not yet reached, for the printed door-to-door list. */
  printList = $state<RoundHousehold[] | null>(null)

  loadAllPending = async (): Promise<RoundHousehold[] | null> => {
    if (!this.villageId) return null
    const out: RoundHousehold[] = []
    try {
      for (let page = 1; ; page++) {
        const res = await this.client.roundHouseholds(this.roundId, { villageId: this.villageId, status: 'pending', page, limit: 100 })
        out.push(...res.items)
        if (out.length >= res.total || res.items.length === 0) break
      }
    } catch (err) {
      handleError(err, 'Tải danh sách để in')
      return null
    }
    this.printList = out
    return out
  }

  selectVillage = (id: string): void => {
    this.villageId = id
    this.pendingQuery = ''
    this.pendingPage = 1
    void this.loadPending()
  }

  searchPending = (q: string): Promise<void> => {
    this.pendingQuery = q
    this.pendingPage = 1
    return this.loadPending()
  }

  pendingGoTo = (page: number): Promise<void> => {
    this.pendingPage = Math.min(Math.max(1, page), this.pendingPages)
    return this.loadPending()
  }

  /** Start polling; returns the stop function (use it in an $effect cleanup). */
  start = (intervalMs = POLL_MS): (() => void) => {
    this.stop()
    this.#timer = setInterval(() => {
      if (typeof document !== 'undefined' && document.visibilityState === 'hidden') return
      if (this.round && this.round.status !== 'open') return
      void this.tick()
    }, intervalMs)
    return this.stop
  }

  stop = (): void => {
    if (this.#timer) clearInterval(this.#timer)
    this.#timer = null
  }

  get polling(): boolean {
    return this.#timer !== null
  }
}
