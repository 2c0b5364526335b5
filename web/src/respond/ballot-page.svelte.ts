/**
 * State of the resident page for one link: which screen to show, the answers, the queue. All I/O
 * goes through the injected `api` (api.ts in the browser), all persistence through the injected
 * store (localStorage), so the whole flow is unit-tested without a DOM or a server.
 */
import type { BallotForm, FormQuestion, SubmitBallotBody } from '@app/shared/schemas/ballot'
import { ApiError, type SubmitResult } from './api.ts'
import { type Draft, type KeyValueStore, loadDraft, saveDraft, secondsSince } from './draft.ts'
import {
  buildBody,
  type FieldErrors,
  firstErrorTarget,
  orderQuestions,
  progress,
  serverErrors,
  type UiAnswer,
  type UiAnswers,
  validate,
} from './form.ts'
import { errorMessage } from './messages.ts'

/** One screen per link state (STYLE rule 17); app.svelte switches on this. */
export type View = 'loading' | 'load_error' | 'not_found' | 'answered' | 'closed' | 'form' | 'queued' | 'done'

export interface BallotApi {
  getBallot(token: string): Promise<BallotForm>
  submitBallot(token: string, body: SubmitBallotBody): Promise<SubmitResult>
}

export interface BallotPageDeps {
  api: BallotApi
  store: KeyValueStore | null
  now?: () => number
  /** Where `online` events come from (window in the browser). */
  events?: Pick<EventTarget, 'addEventListener' | 'removeEventListener'> | null
  /** Retry delays for a queued ballot, in ms (then the last one repeats). */
  retryDelays?: readonly number[]
  setTimer?: (fn: () => void, ms: number) => unknown
  clearTimer?: (id: unknown) => void
}

const DEFAULT_RETRY = [5_000, 15_000, 30_000, 60_000]

/** Outcomes of a failed send that mean "the ballot is fine, the network or server is not": keep it queued. */
function isTransient(e: unknown): boolean {
  if (!(e instanceof ApiError)) return true
  return e.code === 'network' || e.code === 'rate_limited' || e.status === 0 || e.status === 408 || e.status >= 500
}

export class BallotPage {
  view = $state<View>('loading')
  form = $state.raw<BallotForm | null>(null)
  answers = $state.raw<UiAnswers>({})
  comment = $state('')
  errors = $state.raw<FieldErrors>({})
  /** True from the tap on "Gửi phiếu" until the server (or the network) answers. */
  sending = $state(false)
  receipt = $state<string | null>(null)
  /** A short Vietnamese line about the last problem (load or send), '' when none. */
  notice = $state('')
  /** false when the browser refuses local storage: the page says answers are not kept. */
  canSave = $state(true)

  questions: FormQuestion[] = $derived(orderQuestions(this.form?.questions ?? []))
  progress = $derived(progress(this.questions, this.answers))

  private readonly token: string
  private readonly deps: Required<Omit<BallotPageDeps, 'events'>> & Pick<BallotPageDeps, 'events'>
  private draft: Draft
  private timer: unknown = null
  private attempt = 0
  private onOnline = () => this.wake()

  constructor(token: string, deps: BallotPageDeps) {
    this.token = token
    this.deps = {
      now: () => Date.now(),
      retryDelays: DEFAULT_RETRY,
      setTimer: (fn, ms) => setTimeout(fn, ms),
      clearTimer: (id) => clearTimeout(id as ReturnType<typeof setTimeout>),
      ...deps,
    }
    this.draft = loadDraft(deps.store, token)
    this.answers = this.draft.answers
    this.comment = this.draft.comment
    this.receipt = this.draft.receipt
  }

  get clientId(): string {
    return this.draft.clientId
  }

  /** Opens the link: a stored receipt is shown as is, a queued ballot is sent first, else the form loads. */
  async start(): Promise<void> {
    this.deps.events?.addEventListener('online', this.onOnline)
    if (this.draft.receipt) {
      this.view = 'done'
      return
    }
    if (this.draft.queued) {
      this.view = 'queued'
      await this.send()
      return
    }
    await this.load()
  }

  dispose(): void {
    this.deps.events?.removeEventListener('online', this.onOnline)
    this.stopTimer()
  }

  answerOf(key: string): UiAnswer {
    return this.answers[key] ?? { satisfied: null, reason: '' }
  }

  choose(key: string, satisfied: boolean): void {
    this.answers = { ...this.answers, [key]: { satisfied, reason: this.answers[key]?.reason ?? '' } }
    this.clearError(`answers.${key}`)
    if (satisfied) this.clearError(`answers.${key}.reason`)
    this.persist()
  }

  setReason(key: string, reason: string): void {
    this.answers = { ...this.answers, [key]: { satisfied: this.answers[key]?.satisfied ?? false, reason } }
    if (reason.trim()) this.clearError(`answers.${key}.reason`)
    this.persist()
  }

  setComment(comment: string): void {
    this.comment = comment
    this.clearError('comment')
    this.persist()
  }

  /**
   * Validate, queue, send. Returns the id of the element to focus when the form has errors, else
   * null. A second tap while sending does nothing (the clientId makes a replay harmless anyway).
   */
  async submit(): Promise<string | null> {
    if (this.sending || this.view !== 'form') return null
    const body = buildBody(
      this.questions,
      this.answers,
      this.comment,
      this.draft.clientId,
      secondsSince(this.draft.startedAt, this.deps.now()),
    )
    const errors = validate(this.questions, body)
    this.errors = errors
    if (Object.keys(errors).length) return firstErrorTarget(this.questions, errors, this.answers)
    this.draft.queued = body
    this.persist()
    await this.send()
    return this.view === 'form' ? firstErrorTarget(this.questions, this.errors, this.answers) : null
  }

  /** "Thử gửi lại ngay" on the queued screen, and the `online` event. */
  async retry(): Promise<void> {
    if (this.view === 'queued') await this.send()
    else if (this.view === 'load_error') await this.load()
  }

  private wake(): void {
    void this.retry()
  }

  private async load(): Promise<void> {
    this.view = 'loading'
    try {
      const form = await this.deps.api.getBallot(this.token)
      this.form = form
      const keys = new Set(form.questions.map((q) => q.key))
      this.answers = Object.fromEntries(Object.entries(this.answers).filter(([k]) => keys.has(k)))
      if (this.draft.startedAt === null) this.draft.startedAt = this.deps.now()
      this.persist()
      this.notice = ''
      this.view = 'form'
    } catch (e) {
      const state = this.linkState(e)
      if (state) this.forget()
      else this.notice = errorMessage(e)
      this.view = state ?? 'load_error'
    }
  }

  private async send(): Promise<void> {
    const body = this.draft.queued
    if (this.sending || !body) return
    this.sending = true
    this.stopTimer()
    try {
      const { receipt } = await this.deps.api.submitBallot(this.token, body)
      // Done: keep only the idempotency key and the receipt, forget the answers.
      this.draft = { ...this.draft, answers: {}, comment: '', queued: null, receipt }
      this.answers = {}
      this.comment = ''
      this.receipt = receipt
      this.notice = ''
      this.attempt = 0
      this.view = 'done'
    } catch (e) {
      if (isTransient(e)) {
        this.notice = errorMessage(e)
        this.view = 'queued'
        this.schedule()
      } else if (e instanceof ApiError && e.code === 'validation_failed') {
        this.draft.queued = null
        this.errors = serverErrors(e.issues)
        if (!this.form) await this.load()
        this.view = 'form'
      } else {
        this.draft.queued = null
        const state = this.linkState(e)
        if (state) this.forget()
        this.view = state ?? 'form'
        this.notice = errorMessage(e)
      }
    } finally {
      this.sending = false
      this.persist()
    }
  }

  private linkState(e: unknown): View | null {
    if (!(e instanceof ApiError)) return null
    if (e.code === 'link_not_found' || e.status === 404) return 'not_found'
    if (e.code === 'already_answered') return 'answered'
    if (e.code === 'round_closed' || e.status === 410) return 'closed'
    return null
  }

  private schedule(): void {
    const delays = this.deps.retryDelays
    const ms = delays[Math.min(this.attempt, delays.length - 1)] ?? 60_000
    this.attempt++
    this.timer = this.deps.setTimer(() => {
      this.timer = null
      void this.retry()
    }, ms)
  }

  private stopTimer(): void {
    if (this.timer !== null) this.deps.clearTimer(this.timer)
    this.timer = null
  }

  /** The link can no longer take a ballot: drop the answers kept on this phone. */
  private forget(): void {
    this.answers = {}
    this.comment = ''
    this.persist()
  }

  private clearError(path: string): void {
    if (!(path in this.errors)) return
    const { [path]: _, ...rest } = this.errors
    this.errors = rest
  }

  private persist(): void {
    // Plain objects ($state.raw), replaced on every change: safe to store as they are.
    this.draft.answers = this.answers
    this.draft.comment = this.comment
    this.canSave = saveDraft(this.deps.store, this.token, this.draft)
  }
}
