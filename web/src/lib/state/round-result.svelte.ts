import type { CouncilDecision, CreateCouncilDecisionBody, FeedbackItem, FeedbackSummary, Round, RoundTally } from '@app/shared'
import { type ApiClient, ApiError, api } from '../api/client.js'
import { handleError } from '../utils/handle-error.js'
import { toasts } from './toasts.svelte.js'

export interface ReasonGroup {
  key: string
  label: string
  count: number
  items: string[]
}

/** A sealed round for the council: frozen tally, per-question rates, dissatisfied reasons grouped, decisions. */
export class RoundResult {
  round = $state<Round | null>(null)
  tally = $state<RoundTally | null>(null)
  decisions = $state<CouncilDecision[]>([])
  summary = $state<FeedbackSummary | null>(null)
  reasons = $state<FeedbackItem[]>([])
  status = $state<'loading' | 'ready' | 'error'>('loading')
  /** The server keeps reason texts to Front staff (the council gets 403): only counts per question are shown. */
  feedbackDenied = $state(false)
  saving = $state(false)

  constructor(
    readonly roundId: string,
    private readonly client: ApiClient = api,
  ) {}

  /** Reasons grouped by question, in questionnaire order, with the full count from the summary. */
  groups = $derived.by<ReasonGroup[]>(() => {
    const qs = this.round?.questions ?? []
    const byKey = new Map<string, string[]>()
    for (const r of this.reasons)
      if (r.kind === 'reason' && r.questionKey) byKey.set(r.questionKey, [...(byKey.get(r.questionKey) ?? []), r.text])
    return qs
      .map((q, i) => {
        const count = this.summary?.byQuestion.find((b) => b.questionKey === q.key)?.total ?? byKey.get(q.key)?.length ?? 0
        return { key: q.key, label: `Câu ${i + 1}. ${q.text}`, count, items: byKey.get(q.key) ?? [] }
      })
      .filter((g) => g.count > 0)
  })

  /** Not-satisfied counts per question from the tally (always available, no text). */
  dissatisfiedCounts = $derived(
    (this.tally?.questions ?? [])
      .map((q) => {
        const i = (this.round?.questions ?? []).findIndex((x) => x.key === q.key)
        const text = this.round?.questions[i]?.text ?? q.key
        return { key: q.key, label: `Câu ${i + 1}. ${text}`, count: q.valid - q.satisfied }
      })
      .filter((q) => q.count > 0),
  )

  private async optional<T>(what: 'tally' | 'decisions' | 'feedback', fn: () => Promise<T>): Promise<T | null> {
    try {
      return await fn()
    } catch (err) {
      if (err instanceof ApiError && err.code === 'forbidden' && what === 'feedback') this.feedbackDenied = true
      else handleError(err)
      return null
    }
  }

  load = async (): Promise<void> => {
    try {
      this.round = await this.client.round(this.roundId)
    } catch (err) {
      this.status = 'error'
      handleError(err, 'Tải kết quả')
      return
    }
    const [tally, decisions, summary, reasons] = await Promise.all([
      this.optional('tally', () => this.client.tally(this.roundId)),
      this.optional('decisions', () => this.client.decisions(this.roundId)),
      this.optional('feedback', () => this.client.feedbackSummary(this.roundId)),
      this.optional('feedback', () => this.client.feedback(this.roundId, { kind: 'reason', limit: 100 })),
    ])
    this.tally = tally
    this.decisions = decisions ?? []
    this.summary = summary
    this.reasons = reasons?.items ?? []
    this.status = 'ready'
  }

  record = async (body: CreateCouncilDecisionBody): Promise<boolean> => {
    this.saving = true
    try {
      const d = await this.client.recordDecision(this.roundId, body)
      this.decisions = [...this.decisions, d]
      this.round = await this.client.round(this.roundId)
      toasts.show('Đã ghi nhận quyết định của hội đồng.', 'success')
      return true
    } catch (err) {
      handleError(err, 'Ghi quyết định')
      return false
    } finally {
      this.saving = false
    }
  }
}
