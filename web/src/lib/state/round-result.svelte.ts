import type {
  AmendCouncilDecisionBody,
  CouncilDecision,
  CreateCouncilDecisionBody,
  FeedbackItem,
  FeedbackSummary,
  RecordEvent,
  Round,
  ShownRoundTally,
} from '@app/shared'
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
  tally = $state<ShownRoundTally | null>(null)
  /** Every version of the council's decisions on every seal, oldest first. */
  decisions = $state<CouncilDecision[]>([])
  /** The version in force on the current seal. */
  currentDecisionId = $state<string | null>(null)
  /** Seal, unseal, reopen, reseal and decisions with reasons, oldest first. */
  history = $state<RecordEvent[]>([])
  summary = $state<FeedbackSummary | null>(null)
  reasons = $state<FeedbackItem[]>([])
  status = $state<'loading' | 'ready' | 'error'>('loading')
  /** The server keeps reason texts to Front staff (the council gets 403): only counts per question are shown. */
  feedbackDenied = $state(false)
  saving = $state(false)

  constructor(
    readonly roundId: string,
    private readonly client: ApiClient = api,
    /** Whether to ask for reason texts at all: the feedback inbox is Front staff's (the council is refused, 403). */
    private readonly readsFeedback = true,
  ) {
    this.feedbackDenied = !readsFeedback
  }

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
        return { key: q.key, label: `Câu ${i + 1}. ${text}`, count: q.valid === null || q.satisfied === null ? 0 : q.valid - q.satisfied }
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
      this.readsFeedback ? this.optional('feedback', () => this.client.feedbackSummary(this.roundId)) : null,
      this.readsFeedback ? this.optional('feedback', () => this.client.feedback(this.roundId, { kind: 'reason', limit: 100 })) : null,
    ])
    this.tally = tally
    this.applyDecisions(decisions)
    this.summary = summary
    this.reasons = reasons?.items ?? []
    this.status = 'ready'
  }

  currentDecision = $derived(this.decisions.find((d) => d.id === this.currentDecisionId) ?? null)

  private applyDecisions(list: Awaited<ReturnType<ApiClient['decisions']>> | null): void {
    this.decisions = list?.items ?? []
    this.currentDecisionId = list?.currentId ?? null
    this.history = list?.history ?? []
  }

  /** After a save: the versions, the record and the round's status (a return moves it) as the server has them now. */
  private async refresh(): Promise<void> {
    const [list, round] = await Promise.all([this.client.decisions(this.roundId), this.client.round(this.roundId)])
    this.applyDecisions(list)
    this.round = round
  }

  /**
   * Save the first decision on this seal, or (`amends` = the version in force) a new version of it. Returns the
   * error code when the server refused it, so the form can mark the field (a missing reason), else null.
   */
  save = async (body: CreateCouncilDecisionBody | AmendCouncilDecisionBody, amends: string | null): Promise<string | null> => {
    this.saving = true
    try {
      if (amends) await this.client.amendDecision(this.roundId, amends, body as AmendCouncilDecisionBody)
      else await this.client.recordDecision(this.roundId, body)
      toasts.show(
        amends ? 'Đã ghi bản sửa đổi quyết định; bản trước vẫn được lưu trong lịch sử.' : 'Đã ghi nhận quyết định của hội đồng.',
        'success',
      )
      await this.refresh()
      return null
    } catch (err) {
      handleError(err, amends ? 'Sửa đổi quyết định' : 'Ghi quyết định')
      // someone else recorded or amended meanwhile: show what is in force now
      if (err instanceof ApiError && (err.code === 'decision_exists' || err.code === 'decision_superseded'))
        await this.refresh().catch(() => {})
      return err instanceof ApiError ? err.code : 'error'
    } finally {
      this.saving = false
    }
  }
}
