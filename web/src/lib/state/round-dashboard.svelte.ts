import { type Round, type RoundCoverage, type RoundHousehold, resultsWithheld, type ShownRoundTally } from '@app/shared'
import { type ApiClient, api } from '../api/client.js'
import { handleError } from '../utils/handle-error.js'

/** Poll interval of the live dashboard (≤ 10 s, so staff see a ballot arrive while they watch). */
export const POLL_MS = 8_000
/** Households per page of the "not yet reached" list. */
export const PENDING_PAGE = 50

/**
 * A round's dashboard: the round, its coverage (who has taken part, per village and channel: live while open)
 * and, once the round has closed and its results are disclosed, its tally (rate, interval, verdict); plus the
 * households not yet reached in one selected village. Results of an open round are never asked for (the server
 * withholds them, TRUST.md §2.2); a closed round whose results nobody has read yet waits for an explicit
 * `showResults`, because that first read is recorded as the disclosure and closes the way back to reopening.
 * Refreshes by polling while started; polling pauses when the tab is hidden. Never holds a household's answers.
 */
export class RoundDashboard {
  round = $state<Round | null>(null)
  coverage = $state<RoundCoverage | null>(null)
  tally = $state<ShownRoundTally | null>(null)
  status = $state<'loading' | 'ready' | 'error'>('loading')
  updatedAt = $state<Date | null>(null)
  /** Loading the results on request (the first read discloses them). */
  disclosing = $state(false)
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

  villages = $derived(this.coverage?.villages ?? [])
  /** Households not yet reached per village, from the coverage. */
  notReached = $derived(this.villages.map((v) => ({ id: v.unitId, name: v.name, count: Math.max(0, v.households - v.participated) })))
  live = $derived(this.round?.status === 'open')
  /** Answers may still arrive: the results are withheld from everyone. */
  withheld = $derived(this.round ? resultsWithheld(this.round.status) : true)
  /** The results can be read without disclosing anything new: already disclosed (sealing discloses) and readable by this user. */
  autoResults = $derived(!this.withheld && this.round?.disclosedAt != null && this.coverage?.resultsAvailable === true)
  /** Closed, readable, but nobody has read the results yet: the page offers to show them. */
  awaitingDisclosure = $derived(
    !this.withheld && this.round?.disclosedAt == null && this.coverage?.resultsAvailable === true && this.tally === null,
  )

  load = async (): Promise<void> => {
    try {
      this.round = await this.client.round(this.roundId)
      this.status = 'ready'
    } catch (err) {
      this.status = 'error'
      handleError(err, 'Tải đợt lấy ý kiến')
      return
    }
    await this.refresh()
  }

  /** Coverage now; the results too when they can be read without a new disclosure. */
  refresh = async (): Promise<void> => {
    if (this.round?.status === 'draft') return
    if (this.withheld) this.tally = null
    await this.refreshCoverage()
    if (this.autoResults) await this.loadResults()
  }

  refreshCoverage = async (): Promise<void> => {
    if (this.round?.status === 'draft') return
    this.refreshing = true
    try {
      this.coverage = await this.client.coverage(this.roundId)
      this.updatedAt = new Date()
      this.#failures = 0
      if (!this.villageId && this.coverage.villages[0]) this.villageId = this.coverage.villages[0].unitId
    } catch (err) {
      // one toast per outage, not one per poll
      if (this.#failures++ === 0) handleError(err, 'Cập nhật số liệu')
    } finally {
      this.refreshing = false
    }
  }

  private loadResults = async (): Promise<void> => {
    try {
      this.tally = await this.client.tally(this.roundId)
    } catch (err) {
      handleError(err, 'Tải kết quả')
    }
  }

  /** Show the results of a closed round nobody has read yet: this read is recorded as their disclosure. */
  showResults = async (): Promise<void> => {
    if (this.withheld) return
    this.disclosing = true
    try {
      await this.loadResults()
      this.round = await this.client.round(this.roundId)
    } catch (err) {
      handleError(err, 'Tải đợt lấy ý kiến')
    } finally {
      this.disclosing = false
    }
  }

  /** One refresh tick: the round (status may change elsewhere), the coverage and the selected village's list. */
  tick = async (): Promise<void> => {
    try {
      this.round = await this.client.round(this.roundId)
    } catch {
      // the coverage call below reports the outage
    }
    await Promise.all([this.refresh(), this.loadPending(true)])
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
