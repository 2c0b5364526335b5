import type { IntegrityReport, IntegritySignal } from '@app/shared'
import { type ApiClient, ApiError, api } from '../api/client.js'
import { handleError } from '../utils/handle-error.js'

/**
 * A round's integrity signals: prompts to look, never verdicts. Only some people may read
 * them (admin, province-level Front staff, the council once sealed); anyone else gets 403/404 and the
 * panel shows nothing at all — not even that it exists.
 */
export class IntegrityState {
  report = $state<IntegrityReport | null>(null)
  status = $state<'idle' | 'loading' | 'ready' | 'hidden'>('idle')

  constructor(
    readonly roundId: string,
    private readonly client: ApiClient = api,
  ) {}

  /** Signals that fired, first; then the ones that did not (shown collapsed). */
  triggered = $derived<IntegritySignal[]>(this.report?.signals.filter((s) => s.triggered) ?? [])
  quiet = $derived<IntegritySignal[]>(this.report?.signals.filter((s) => !s.triggered) ?? [])
  visible = $derived(this.status === 'ready' && this.report !== null)

  load = async (): Promise<void> => {
    this.status = 'loading'
    try {
      this.report = await this.client.integrity(this.roundId)
      this.status = 'ready'
    } catch (err) {
      this.report = null
      this.status = 'hidden'
      if (!(err instanceof ApiError && (err.status === 403 || err.status === 404))) handleError(err, 'Tải tín hiệu cần xem xét')
    }
  }
}
