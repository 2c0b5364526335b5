import type { HouseholdRequest, HouseholdRequestStatus } from '@app/shared'
import { type ApiClient, api } from '../api/client.js'
import { handleError } from '../utils/handle-error.js'
import { toasts } from './toasts.svelte.js'

export type RequestAction = 'issue_link' | 'visit' | 'reject'

/**
 * "Hộ tôi chưa được hỏi ý kiến" requests of a round, for the commune Front to resolve: issue the
 * household a link, plan a paper visit, or reject with a reason. New and visit-planned requests can
 * still be resolved.
 */
export class HouseholdRequests {
  items = $state<HouseholdRequest[]>([])
  status = $state<'loading' | 'ready' | 'error'>('loading')
  filter = $state<HouseholdRequestStatus | 'open' | ''>('open')
  busy = $state<string | null>(null)
  /** The one-time link of the last "issue link" (print channel), to hand to the household. */
  issued = $state<{ requestId: string; url: string | null } | null>(null)

  constructor(
    readonly roundId: string,
    private readonly client: ApiClient = api,
  ) {}

  counts = $derived.by(() => {
    const c: Record<HouseholdRequestStatus, number> = { new: 0, link_issued: 0, visit_planned: 0, rejected: 0 }
    for (const r of this.items) c[r.status]++
    return c
  })
  shown = $derived(
    this.items.filter((r) =>
      this.filter === '' ? true : this.filter === 'open' ? r.status === 'new' || r.status === 'visit_planned' : r.status === this.filter,
    ),
  )

  load = async (): Promise<void> => {
    try {
      const items = await this.client.householdRequests(this.roundId)
      this.items = [...items].sort((a, b) => b.createdAt.localeCompare(a.createdAt))
      this.status = 'ready'
    } catch (err) {
      this.status = 'error'
      handleError(err, 'Tải yêu cầu của hộ dân')
    }
  }

  resolve = async (
    requestId: string,
    action: RequestAction,
    opts: { householdId?: string; reason?: string; channel?: 'print' | 'zalo' | 'sms' } = {},
  ): Promise<boolean> => {
    const reason = opts.reason?.trim()
    if (action === 'reject' && (!reason || reason.length < 3)) {
      toasts.show('Hãy ghi lý do từ chối (ít nhất 3 ký tự).', 'error')
      return false
    }
    this.busy = requestId
    try {
      const res = await this.client.resolveRequest(this.roundId, requestId, {
        action,
        ...(opts.householdId ? { householdId: opts.householdId } : {}),
        ...(action === 'issue_link' ? { channel: opts.channel ?? 'print' } : {}),
        ...(reason ? { reason } : {}),
      })
      this.items = this.items.map((r) =>
        r.id === requestId ? { ...r, status: res.status, resolution: reason ?? r.resolution, resolvedAt: new Date().toISOString() } : r,
      )
      if (res.link) this.issued = { requestId, url: res.link.url ?? null }
      toasts.show(
        action === 'issue_link' ? 'Đã cấp đường dẫn cho hộ.' : action === 'visit' ? 'Đã ghi lịch đến tận nhà.' : 'Đã từ chối yêu cầu.',
        'success',
      )
      return true
    } catch (err) {
      handleError(err, 'Xử lý yêu cầu')
      return false
    } finally {
      this.busy = null
    }
  }
}
