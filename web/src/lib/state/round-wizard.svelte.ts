import type { QuestionnaireTemplate, Round, Unit } from '@app/shared'
import { vnDay, vnDayBoundary } from '@app/shared'
import { type ApiClient, api, type LevelDefaults } from '../api/client.js'
import { bpToInput, LEVEL_LABELS, percentInputToBp } from '../utils/format.js'
import { handleError } from '../utils/handle-error.js'

export type WizardStep = 1 | 2 | 3

/**
 * Launch a round in three steps: (1) commune, level, questionnaire; (2) window and rules; (3) check,
 * then create. Nothing is written before the last step: the threshold and coverage floor are
 * prefilled from the level's configured defaults (GET /api/levels, no percentage hard-coded here) and
 * the round is created once, at the end, as a draft or created and opened. Editing the defaults is
 * allowed with a visible note (the server audits the values).
 */
export class RoundWizard {
  step = $state<WizardStep>(1)
  communes = $state<Unit[]>([])
  templates = $state<QuestionnaireTemplate[]>([])
  levels = $state<LevelDefaults[]>([])
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

  /** The round once created (only in the last step). */
  draft = $state<Round | null>(null)

  /** The configured defaults of the chosen level; null when the server lists no such level. */
  defaults = $derived.by(() => {
    const l = this.levels.find((x) => x.key === this.level)
    return l ? { thresholdBp: l.thresholdBp, coverageBp: l.coverageBp } : null
  })
  levelOptions = $derived(
    this.levels.length
      ? this.levels.map((l) => ({ key: l.key, name: l.name }))
      : Object.entries(LEVEL_LABELS).map(([key, name]) => ({ key, name })),
  )
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
      const [units, templates, levels] = await Promise.all([
        this.client.units({ kind: 'commune' }),
        this.client.templates(),
        this.client.levels(),
      ])
      this.communes = units
      this.levels = levels
      if (levels.length && !levels.some((l) => l.key === this.level) && levels[0]) this.level = levels[0].key
      // the newest version of each template code first
      this.templates = [...templates].sort((a, b) => a.code.localeCompare(b.code) || b.version - a.version)
      if (communeId && units.some((u) => u.id === communeId)) this.communeId = communeId
      else if (units.length === 1 && units[0]) this.communeId = units[0].id
      if (!this.templateId && this.templates[0]) this.templateId = this.templates[0].id
      this.applyDefaults()
    } catch (err) {
      handleError(err, 'Tải dữ liệu')
    } finally {
      this.loading = false
    }
  }

  /** Put the level's configured threshold and floor back in the fields. */
  applyDefaults = (): void => {
    if (!this.defaults) return
    this.threshold = bpToInput(this.defaults.thresholdBp)
    this.coverage = bpToInput(this.defaults.coverageBp)
  }

  /** Choose a level: its defaults replace the threshold and floor (a new level, new rules). */
  selectLevel = (key: string): void => {
    this.level = key
    this.applyDefaults()
  }

  /** Step 1 → 2: nothing is saved yet. */
  next = (): boolean => {
    if (!this.step1Valid) return false
    if (this.threshold === '' && this.coverage === '') this.applyDefaults()
    this.step = 2
    return true
  }

  /** Step 2 → 3: check the window and rules; nothing is saved yet. */
  save = (): boolean => {
    if (!this.step1Valid || !this.step2Valid) return false
    this.step = 3
    return true
  }

  /**
   * Step 3: create the round (the only write of the wizard), then open it when asked. A second click
   * after a failed open does not create a second round.
   */
  create = async (opts: { open: boolean }): Promise<Round | null> => {
    if (!this.step1Valid || !this.step2Valid || this.thresholdBp === null || this.coverageBp === null) return null
    this.busy = true
    try {
      if (!this.draft) {
        this.draft = await this.client.createRound({
          communeId: this.communeId,
          level: this.level,
          templateId: this.templateId,
          ...(this.title.trim() ? { title: this.title.trim() } : {}),
          opensAt: vnDayBoundary(this.opensDay, false),
          closesAt: vnDayBoundary(this.closesDay, true),
          thresholdBp: this.thresholdBp,
          coverageBp: this.coverageBp,
          coverageScope: this.coverageScope,
          doubleEntry: this.doubleEntry,
        })
      }
    } catch (err) {
      handleError(err, 'Tạo đợt lấy ý kiến')
      return null
    } finally {
      this.busy = false
    }
    return opts.open ? this.open() : this.draft
  }

  /** Open the created round (the server snapshots the questionnaire and the household frame). */
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
    if (this.step > 1 && !this.draft) this.step = (this.step - 1) as WizardStep
  }
}
