import type { FollowUpCandidates, Round } from '@app/shared'
import { vnDay, vnDayBoundary } from '@app/shared'
import { type ApiClient, api } from '../api/client.js'
import { handleError } from '../utils/handle-error.js'
import { toasts } from './toasts.svelte.js'

/** Days a follow-up round stays open by default (staff can change the draft before opening it). */
export const FOLLOW_UP_DAYS = 7

/**
 * Re-survey follow-up: on a sealed round, the villages that were mostly dissatisfied
 * on some question; staff pick villages and start a targeted follow-up round (a draft, same level and
 * questionnaire, limited to those villages).
 */
export class FollowUpState {
  candidates = $state<FollowUpCandidates | null>(null)
  status = $state<'idle' | 'loading' | 'ready' | 'hidden'>('idle')
  selected = $state<string[]>([])
  starting = $state(false)

  constructor(
    readonly round: Pick<Round, 'id' | 'communeId' | 'communeName' | 'level' | 'templateId'>,
    private readonly client: ApiClient = api,
  ) {}

  villages = $derived(this.candidates?.villages ?? [])

  load = async (): Promise<void> => {
    this.status = 'loading'
    try {
      this.candidates = await this.client.followUpCandidates(this.round.id)
      this.selected = this.candidates.villages.map((v) => v.villageId)
      this.status = 'ready'
    } catch (err) {
      this.status = 'hidden'
      handleError(err, 'Tải thôn/ấp cần khảo sát lại')
    }
  }

  toggle = (villageId: string, on: boolean): void => {
    this.selected = on ? [...new Set([...this.selected, villageId])] : this.selected.filter((v) => v !== villageId)
  }

  /** Create the follow-up round as a draft for the selected villages; returns it. */
  start = async (now = new Date()): Promise<Round | null> => {
    if (this.selected.length === 0) return null
    this.starting = true
    try {
      const r = await this.client.createRound({
        communeId: this.round.communeId,
        level: this.round.level,
        templateId: this.round.templateId,
        purpose: 'follow_up',
        villageIds: this.selected,
        previousRoundId: this.round.id,
        title: `Khảo sát lại sau khắc phục — xã ${this.round.communeName}`,
        opensAt: vnDayBoundary(vnDay(now), false),
        closesAt: vnDayBoundary(vnDay(new Date(now.getTime() + FOLLOW_UP_DAYS * 86_400_000)), true),
      })
      toasts.show('Đã tạo bản nháp đợt khảo sát lại.', 'success')
      return r
    } catch (err) {
      handleError(err, 'Tạo đợt khảo sát lại')
      return null
    } finally {
      this.starting = false
    }
  }
}
