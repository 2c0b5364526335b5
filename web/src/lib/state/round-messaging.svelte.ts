import type { RoundMessaging } from '@app/shared'
import { type ApiClient, ApiError, api } from '../api/client.js'
import { handleError } from '../utils/handle-error.js'
import { toasts } from './toasts.svelte.js'

/** Poll interval of the sending panel: the queue drains in seconds, so the counts should move while staff watch. */
export const MESSAGING_POLL_MS = 5_000

/**
 * Zalo/SMS sending of a round: counts, alerts, failures with a Vietnamese reason, retry. Refreshes by
 * polling while started and the tab is visible (a hidden tab asks nothing and catches up when shown).
 */
export class RoundMessagingState {
  data = $state<RoundMessaging | null>(null)
  status = $state<'idle' | 'loading' | 'ready' | 'hidden'>('idle')
  retrying = $state(false)
  updatedAt = $state<Date | null>(null)
  #timer: ReturnType<typeof setInterval> | null = null
  #onVisible: (() => void) | null = null

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
      this.updatedAt = new Date()
    } catch (err) {
      // no route on this server, or not for this role: no panel, and no further asking
      if (err instanceof ApiError && (err.status === 403 || err.status === 404)) {
        this.status = 'hidden'
        this.stop()
      } else if (!quiet) {
        this.status = 'hidden'
        handleError(err, 'Tải tình hình gửi tin')
      }
    }
  }

  /** Start polling; returns the stop function (use it in an $effect cleanup). */
  start = (intervalMs = MESSAGING_POLL_MS): (() => void) => {
    this.stop()
    const visible = () => typeof document === 'undefined' || document.visibilityState !== 'hidden'
    this.#timer = setInterval(() => {
      if (visible() && this.status !== 'hidden') void this.load(true)
    }, intervalMs)
    if (typeof document !== 'undefined') {
      this.#onVisible = () => {
        if (visible() && this.status === 'ready') void this.load(true)
      }
      document.addEventListener('visibilitychange', this.#onVisible)
    }
    return this.stop
  }

  stop = (): void => {
    if (this.#timer) clearInterval(this.#timer)
    this.#timer = null
    if (this.#onVisible && typeof document !== 'undefined') document.removeEventListener('visibilitychange', this.#onVisible)
    this.#onVisible = null
  }

  get polling(): boolean {
    return this.#timer !== null
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
