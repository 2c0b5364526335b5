import type { RoundCollector, User } from '@app/shared'
import { type ApiClient, api } from '../api/client.js'
import { handleError } from '../utils/handle-error.js'
import { toasts } from './toasts.svelte.js'

export interface CollectorRow {
  userId: string
  username: string
  villageIds: string[]
  disabled: boolean
}

/**
 * "Tổ thu phiếu": the collectors in the staff member's scope and the villages of this round each may
 * key paper ballots for. Assigning replaces a collector's villages (an empty list removes them).
 */
export class RoundCollectors {
  users = $state<User[]>([])
  assigned = $state<RoundCollector[]>([])
  status = $state<'idle' | 'loading' | 'ready' | 'error'>('idle')
  /** The collector being edited and the villages ticked for them. */
  editing = $state<string | null>(null)
  selection = $state<string[]>([])
  saving = $state(false)

  constructor(
    readonly roundId: string,
    private readonly client: ApiClient = api,
  ) {}

  /** Every collector in scope (assigned ones first), with their villages in this round. */
  rows = $derived.by<CollectorRow[]>(() => {
    const byId = new Map(this.assigned.map((a) => [a.userId, a]))
    const rows: CollectorRow[] = this.users.map((u) => ({
      userId: u.id,
      username: u.username,
      villageIds: byId.get(u.id)?.villageIds ?? [],
      disabled: u.disabled,
    }))
    // an assigned collector outside the user list (e.g. listed for admin only) still shows
    for (const a of this.assigned)
      if (!rows.some((r) => r.userId === a.userId))
        rows.push({ userId: a.userId, username: a.username, villageIds: a.villageIds, disabled: false })
    return rows.sort((a, b) => Number(b.villageIds.length > 0) - Number(a.villageIds.length > 0) || a.username.localeCompare(b.username))
  })

  load = async (): Promise<void> => {
    this.status = 'loading'
    try {
      const [users, assigned] = await Promise.all([this.client.users({ role: 'collector' }), this.client.roundCollectors(this.roundId)])
      this.users = users.filter((u) => u.role === 'collector')
      this.assigned = assigned
      this.status = 'ready'
    } catch (err) {
      this.status = 'error'
      handleError(err, 'Tải tổ thu phiếu')
    }
  }

  edit = (userId: string): void => {
    this.editing = userId
    this.selection = [...(this.rows.find((r) => r.userId === userId)?.villageIds ?? [])]
  }

  cancel = (): void => {
    this.editing = null
    this.selection = []
  }

  toggle = (villageId: string, on: boolean): void => {
    this.selection = on ? [...new Set([...this.selection, villageId])] : this.selection.filter((v) => v !== villageId)
  }

  /** Save the edited collector's villages. */
  save = async (): Promise<boolean> => {
    const userId = this.editing
    if (!userId) return false
    this.saving = true
    try {
      const res = await this.client.assignCollector(this.roundId, userId, this.selection)
      const username = this.rows.find((r) => r.userId === userId)?.username ?? ''
      const rest = this.assigned.filter((a) => a.userId !== userId)
      this.assigned = res.villageIds.length ? [...rest, { userId, username, villageIds: res.villageIds }] : rest
      toasts.show(
        res.villageIds.length ? `Đã phân công ${username} cho ${res.villageIds.length} thôn/ấp.` : `Đã bỏ phân công ${username}.`,
        'success',
      )
      this.cancel()
      return true
    } catch (err) {
      handleError(err, 'Phân công tổ thu phiếu')
      return false
    } finally {
      this.saving = false
    }
  }
}
