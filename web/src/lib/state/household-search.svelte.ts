import type { RoundHousehold } from '@app/shared'
import { type ApiClient, api } from '../api/client.js'
import { handleError } from '../utils/handle-error.js'

/** Matches per page of a household picker (the API allows up to 100). */
export const PICKER_PAGE = 20

/**
 * A searchable household picker over ALL households of a round's village (not a first page): the server
 * searches code and head name without diacritics and pages the matches. Nothing is selected until the
 * person picks one: a default would be a guess about which household a paper form names.
 */
export class HouseholdSearch {
  query = $state('')
  page = $state(1)
  items = $state<RoundHousehold[]>([])
  total = $state(0)
  loading = $state(false)
  picked = $state<RoundHousehold | null>(null)
  pages = $derived(Math.max(1, Math.ceil(this.total / PICKER_PAGE)))
  #timer: ReturnType<typeof setTimeout> | undefined

  constructor(
    readonly roundId: string,
    readonly villageId: string,
    private readonly status: 'pending' | 'done' | undefined = 'pending',
    private readonly client: ApiClient = api,
  ) {}

  load = async (): Promise<void> => {
    const q = this.query.trim()
    this.loading = true
    try {
      const res = await this.client.roundHouseholds(this.roundId, {
        villageId: this.villageId,
        ...(this.status ? { status: this.status } : {}),
        ...(q ? { q } : {}),
        page: this.page,
        limit: PICKER_PAGE,
      })
      if (q !== this.query.trim()) return
      this.items = res.items
      this.total = res.total
    } catch (err) {
      handleError(err, 'Tìm hộ')
    } finally {
      this.loading = false
    }
  }

  /** Typing searches after a short pause, from the first page. */
  type = (q: string, delayMs = 250): void => {
    this.query = q
    this.page = 1
    clearTimeout(this.#timer)
    this.#timer = setTimeout(() => void this.load(), delayMs)
  }

  goTo = (page: number): Promise<void> => {
    this.page = Math.min(Math.max(1, page), this.pages)
    return this.load()
  }

  pick = (h: RoundHousehold | null): void => {
    this.picked = h
  }
}
