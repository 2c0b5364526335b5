import type { Household } from '@app/shared'
import { type ApiClient, api } from '../api/client.js'
import { handleError } from '../utils/handle-error.js'
import type { LoadStatus } from './unit-tree.svelte.js'

/** One village's households, paginated, searchable by name or code on the server (diacritics-insensitive). */
export class VillageHouseholds {
  villageId = $state('')
  items = $state<Household[]>([])
  total = $state(0)
  page = $state(1)
  limit = 50
  query = $state('')
  status = $state<LoadStatus>('idle')
  /** Phones are shown only when the API returned them (admin and front staff). */
  showPhones = $derived(this.items.some((h) => h.phone !== undefined))
  pages = $derived(Math.max(1, Math.ceil(this.total / this.limit)))
  #timer: ReturnType<typeof setTimeout> | null = null
  #seq = 0

  constructor(private readonly client: ApiClient = api) {}

  load = async (): Promise<void> => {
    if (!this.villageId) return
    const seq = ++this.#seq
    this.status = 'loading'
    try {
      const res = await this.client.households(this.villageId, { page: this.page, limit: this.limit, q: this.query.trim() || undefined })
      if (seq !== this.#seq) return
      this.items = res.items
      this.total = res.total
      this.status = 'ready'
    } catch (err) {
      if (seq !== this.#seq) return
      this.status = 'error'
      handleError(err, 'Tải danh sách hộ')
    }
  }

  /** Search as you type, debounced. */
  search = (q: string): void => {
    this.query = q
    this.page = 1
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = setTimeout(() => void this.load(), 250)
  }

  goto = (page: number): void => {
    this.page = Math.min(Math.max(1, page), this.pages)
    void this.load()
  }
}
