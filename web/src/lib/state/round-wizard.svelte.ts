import type { QuestionnaireTemplate, Round, Unit } from '@app/shared'
import { type ApiClient, api } from '../api/client.js'
import { bpToInput, LEVEL_LABELS, percentInputToBp, vnDay, vnDayBoundary } from '../utils/format.js'
import { handleError } from '../utils/handle-error.js'

export type WizardStep = 1 | 2 | 3

/**
 * Launch a round in three steps: (1) commune, level, questionnaire; (2) window and rules; (3) open.
 * The draft is created when leaving step 1, so the threshold and coverage floor shown in step 2 are
 * the server's configured defaults for the level (no percentage is hard-coded here); editing them is
 * allowed with a visible note and saved on the draft (PATCH, audited by the server).
 */
export class RoundWizard {
  step = $state<WizardStep>(1)
  communes = $state<Unit[]>([])
  templates = $state<QuestionnaireTemplate[]>([])
  loading = $state(false)
  busy = $state(false)

  communeId = $state('')
  level = $state('xa_ntm_nang_cao')
  templateId = $state('')
  title = $state('')
  opensDay = $state(vnDay(new Date()))
  closesDay = $state(vnDay(new Date(Date.now() + 7 * 86_400_000)))
  threshold = $state('')
  coverage = $state('')
  coverageScope = $state<'village' | 'commune'>('village')
  doubleEntry = $state(false)

  draft = $state<Round | null>(null)
  /** The level defaults as the server applied them when the draft was created. */
  defaults = $state<{ thresholdBp: number; coverageBp: number } | null>(null)

  levels = Object.entries(LEVEL_LABELS).map(([key, name]) => ({ key, name }))
  template = $derived(this.templates.find((t) => t.id === this.templateId) ?? null)
  thresholdBp = $derived(percentInputToBp(this.threshold))
  coverageBp = $derived(percentInputToBp(this.coverage))
  changedFromDefaults = $derived(
    this.defaults !== null && (this.thresholdBp !== this.defaults.thresholdBp || this.coverageBp !== this.defaults.coverageBp),
  )
  windowError = $derived(this.closesDay < this.opensDay ? 'Ngày kết thúc phải sau ngày bắt đầu.' : null)
  step1Valid = $derived(this.communeId !== '' && this.level !== '' && this.templateId !== '')
  step2Valid = $derived(this.thresholdBp !== null && this.coverageBp !== null && this.windowError === null && this.opensDay !== '')

  constructor(private readonly client: ApiClient = api) {}

  load = async (communeId?: string): Promise<void> => {
    this.loading = true
    try {
      const [units, templates] = await Promise.all([this.client.units({ kind: 'commune' }), this.client.templates()])
      this.communes = units
      // the newest version of each template code first
      this.templates = [...templates].sort((a, b) => a.code.localeCompare(b.code) || b.version - a.version)
      if (communeId && units.some((u) => u.id === communeId)) this.communeId = communeId
      else if (units.length === 1 && units[0]) this.communeId = units[0].id
      if (!this.templateId && this.templates[0]) this.templateId = this.templates[0].id
    } catch (err) {
      handleError(err, 'Tải dữ liệu')
    } finally {
      this.loading = false
    }
  }

  /** Step 1 → 2: create the draft (server applies the level defaults), or update its questionnaire. */
  next = async (): Promise<boolean> => {
    if (!this.step1Valid) return false
    this.busy = true
    try {
      if (!this.draft) {
        const round = await this.client.createRound({
          communeId: this.communeId,
          level: this.level,
          templateId: this.templateId,
          ...(this.title.trim() ? { title: this.title.trim() } : {}),
          opensAt: vnDayBoundary(this.opensDay, false),
          closesAt: vnDayBoundary(this.closesDay, true),
        })
        this.draft = round
        this.defaults = { thresholdBp: round.thresholdBp, coverageBp: round.coverageBp }
        this.threshold = bpToInput(round.thresholdBp)
        this.coverage = bpToInput(round.coverageBp)
        this.coverageScope = round.coverageScope
        this.title = round.title
      } else if (this.draft.templateId !== this.templateId) {
        this.draft = await this.client.updateRound(this.draft.id, { templateId: this.templateId })
      }
      this.step = 2
      return true
    } catch (err) {
      handleError(err, 'Tạo đợt lấy ý kiến')
      return false
    } finally {
      this.busy = false
    }
  }

  /** Step 2 → 3: save window and rules on the draft. */
  save = async (): Promise<boolean> => {
    const draft = this.draft
    if (!draft || !this.step2Valid || this.thresholdBp === null || this.coverageBp === null) return false
    this.busy = true
    try {
      this.draft = await this.client.updateRound(draft.id, {
        title: this.title.trim() || draft.title,
        opensAt: vnDayBoundary(this.opensDay, false),
        closesAt: vnDayBoundary(this.closesDay, true),
        thresholdBp: this.thresholdBp,
        coverageBp: this.coverageBp,
        coverageScope: this.coverageScope,
        doubleEntry: this.doubleEntry,
      })
      this.step = 3
      return true
    } catch (err) {
      handleError(err, 'Lưu bản nháp')
      return false
    } finally {
      this.busy = false
    }
  }

  /** Step 3: open the round (the server snapshots the questionnaire and the household frame). */
  open = async (): Promise<Round | null> => {
    if (!this.draft) return null
    this.busy = true
    try {
      this.draft = await this.client.openRound(this.draft.id)
      return this.draft
    } catch (err) {
      handleError(err, 'Mở đợt lấy ý kiến')
      return null
    } finally {
      this.busy = false
    }
  }

  back = (): void => {
    if (this.step > 1) this.step = (this.step - 1) as WizardStep
  }
}
