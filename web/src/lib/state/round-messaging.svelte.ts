import type { RoundMessaging } from '@app/shared'
import { type ApiClient, ApiError, api } from '../api/client.js'
import { handleError } from '../utils/handle-error.js'
import { toasts } from './toasts.svelte.js'

/** Zalo/SMS sending of a round: counts, alerts, failures with a Vietnamese reason, retry. */
export class RoundMessagingState {
  data = $state<RoundMessaging | null>(null)
  status = $state<'idle' | 'loading' | 'ready' | 'hidden'>('idle')
  retrying = $state(false)

  constructor(
    readonly roundId: string,
    private readonly client: ApiClient = api,
  ) {}

  /** Anything to retry: failed sends, or sends whose outcome is unknown. */
  canRetry = $derived((this.data?.counts.failed ?? 0) + (this.data?.counts.unknown ?? 0) > 0)

  load = async (quiet = false): Promise<void> => {
    if (!quiet) this.status = 'loading'
    try {
      this.data = await this.client.messaging(this.roundId)
      this.status = 'ready'
    } catch (err) {
      // no route on this server, or not for this role: no panel
      if (err instanceof ApiError && (err.status === 403 || err.status === 404)) this.status = 'hidden'
      else if (!quiet) {
        this.status = 'hidden'
        handleError(err, 'Tải tình hình gửi tin')
      }
    }
  }

  retry = async (): Promise<number | null> => {
    this.retrying = true
    try {
      const { retried } = await this.client.retryMessaging(this.roundId)
      toasts.show(retried ? `Đã xếp lại ${retried} tin vào hàng đợi gửi.` : 'Không có tin nào cần gửi lại.', 'success')
      await this.load(true)
      return retried
    } catch (err) {
      handleError(err, 'Gửi lại tin')
      return null
    } finally {
      this.retrying = false
    }
  }
}
