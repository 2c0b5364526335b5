import type { LevelDefaults } from '@app/shared'
import {
  inForce,
  type QuestionnaireTemplate,
  type Round,
  type RuleSet,
  type Unit,
  type UpdateRoundBody,
  vnDay,
  vnDayBoundary,
  zaloTextLength,
} from '@app/shared'
import { type ApiClient, api } from '../api/client.js'
import { bpToInput, LEVEL_LABELS, percentInputProblem, percentInputToBp } from '../utils/format.js'
import { handleError } from '../utils/handle-error.js'

export type WizardStep = 1 | 2 | 3

/** Does a period (inclusive days; null or absent = open-ended) cover every day from `first` to `last`? */
const covers = (from: string | null | undefined, to: string | null | undefined, first: string, last: string) =>
  (!from || from <= first) && (!to || last <= to)

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
  ruleSets = $state<RuleSet[]>([])
  /** The chosen rule set ('' = the two numbers below: overall-question threshold and coverage floor). */
  ruleSetId = $state('')
  loading = $state(false)
  busy = $state(false)

  communeId = $state('')
  // the 2026–2030 criteria (QĐ 51/2025) know xã NTM and the hiện đại pilot only: no nâng cao, no kiểu mẫu
  level = $state('xa_ntm')
  templateId = $state('')
  title = $state('')
  opensDay = $state(vnDay(new Date()))
  closesDay = $state(vnDay(new Date(Date.now() + 7 * 86_400_000)))
  threshold = $state('')
  coverage = $state('')
  coverageScope = $state<'village' | 'commune'>('village')
  doubleEntry = $state(false)
  /**
   * A round of an earlier legal period (a 2021–2025 dossier finished after 15/02/2026): the forms and rule sets of
   * that period may be chosen; the round keeps the flag and the minutes say so in their căn cứ.
   */
  historical = $state(false)
  /** The whole commune, or one village (ấp/thôn kiểu mẫu): the documents then name the ấp. */
  villageScope = $state<'all' | 'one'>('all')
  villageId = $state('')
  villages = $state<Unit[]>([])

  /**
   * The title becomes the heading of the residents' page and `round_name` in the Zalo invitation, whose template Zalo
   * registered with a length limit (read by the server from Zalo); null while Zalo is not connected.
   */
  titleMax = $state<number | null>(null)
  titleLength = $derived(zaloTextLength(this.title))
  titleError = $derived(
    this.titleMax !== null && this.titleLength > this.titleMax
      ? `Tiêu đề dài ${this.titleLength} ký tự, tối đa ${this.titleMax} ký tự cho tin Zalo. Hãy rút gọn.`
      : null,
  )

  /** The round once created (only in the last step). */
  draft = $state<Round | null>(null)
  /**
   * The draft round being edited ("Sửa đợt"): the wizard starts from its values, keeps its commune and, at the
   * end, sends only what changed (PATCH); null when creating a new round.
   */
  original = $state<Round | null>(null)

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
  /** Communes that exist over the whole window (merged-away ones end on 30/06/2025, merged ones start on 01/07/2025). */
  communesInForce = $derived(this.communes.filter((c) => covers(c.validFrom, c.validTo, this.opensDay, this.closesDay)))
  /**
   * Forms made for the chosen level (a template without levels fits any) and for the round's period (a round
   * from 15/02/2026 gets the QĐ 51/2025 form), forms of the latest period first.
   */
  templatesForLevel = $derived(
    this.templates
      .filter((t) => t.levels.length === 0 || t.levels.includes(this.level))
      .filter((t) => this.historical || covers(t.periodFrom, t.periodTo, this.opensDay, this.closesDay))
      .sort((a, b) => (b.periodFrom ?? '').localeCompare(a.periodFrom ?? '')),
  )
  /** Rule sets made for the level and in force over the round's window; the province's own first, then the newest. */
  ruleSetsForLevel = $derived(
    this.ruleSets
      .filter(
        (r) =>
          r.levels.includes(this.level) &&
          (this.historical || (inForce(r.legalBasis, this.opensDay) && inForce(r.legalBasis, this.closesDay))),
      )
      .sort(
        (a, b) =>
          Number(b.provinceId !== null) - Number(a.provinceId !== null) ||
          b.legalBasis.effectiveFrom.localeCompare(a.legalBasis.effectiveFrom),
      ),
  )
  ruleSet = $derived(this.ruleSetsForLevel.find((r) => r.id === this.ruleSetId) ?? null)
  thresholdBp = $derived(percentInputToBp(this.threshold))
  coverageBp = $derived(percentInputToBp(this.coverage))
  changedFromDefaults = $derived(
    this.defaults !== null && (this.thresholdBp !== this.defaults.thresholdBp || this.coverageBp !== this.defaults.coverageBp),
  )
  /** A bar under the level's rule is the province Front's call, with a reason printed in the minutes. */
  belowDefaults = $derived(
    this.defaults !== null &&
      this.ruleSet === null &&
      ((this.thresholdBp !== null && this.thresholdBp < this.defaults.thresholdBp) ||
        (this.coverageBp !== null && this.coverageBp < this.defaults.coverageBp)),
  )
  overrideReason = $state('')
  /** Editing a draft whose two numbers (and scope) stay as saved: nothing to decide again, no reason to ask again. */
  rulesAsSaved = $derived(
    this.original !== null &&
      this.original.ruleSet === null &&
      this.ruleSet === null &&
      this.thresholdBp === this.original.thresholdBp &&
      this.coverageBp === this.original.coverageBp &&
      this.coverageScope === this.original.coverageScope,
  )
  windowError = $derived(this.closesDay < this.opensDay ? 'Ngày kết thúc phải sau ngày bắt đầu.' : null)
  /** The form or the commune chosen in step 1 does not fit the window chosen in step 2. */
  periodError = $derived(
    this.template && !this.historical && !covers(this.template.periodFrom, this.template.periodTo, this.opensDay, this.closesDay)
      ? `Mẫu phiếu “${this.template.name}” không dùng trong thời gian này; quay lại bước 1 để chọn mẫu phiếu của giai đoạn hiện hành.`
      : this.communeId && !this.communesInForce.some((c) => c.id === this.communeId)
        ? 'Xã đã chọn không tồn tại trong thời gian này (sắp xếp đơn vị hành chính); quay lại bước 1 để chọn xã hiện hành.'
        : null,
  )
  villageName = $derived(this.villages.find((v) => v.id === this.villageId)?.name ?? null)
  step1Valid = $derived(
    this.communeId !== '' &&
      this.level !== '' &&
      this.templateId !== '' &&
      this.titleError === null &&
      (this.villageScope === 'all' || this.villages.some((v) => v.id === this.villageId)),
  )

  /** The villages of the chosen commune, for a round limited to one of them. */
  loadVillages = async (): Promise<void> => {
    const communeId = this.communeId
    if (!communeId) {
      this.villages = []
      return
    }
    try {
      const vs = await this.client.units({ parentId: communeId, kind: 'village' })
      if (this.communeId !== communeId) return
      this.villages = vs.filter((v) => !v.validTo)
      // another commune's village (or none) is no choice here
      if (!this.villages.some((v) => v.id === this.villageId)) this.villageId = ''
    } catch (err) {
      handleError(err, 'Tải danh sách ấp/thôn')
    }
  }
  /** Why step 2 cannot go on yet, one sentence per problem (shown next to the disabled "Tiếp tục"). */
  step2Problems = $derived.by<string[]>(() => {
    const out: string[] = []
    if (this.opensDay === '') out.push('Hãy nhập ngày bắt đầu.')
    if (this.closesDay === '') out.push('Hãy nhập ngày kết thúc.')
    if (this.windowError) out.push(this.windowError)
    if (this.periodError) out.push(this.periodError)
    if (this.ruleSet === null) {
      const t = percentInputProblem(this.threshold, 'Ngưỡng')
      const c = percentInputProblem(this.coverage, 'Độ bao phủ tối thiểu')
      if (t) out.push(t)
      if (c) out.push(c)
      if (this.belowDefaults && !this.rulesAsSaved && this.overrideReason.trim().length < 3)
        out.push(
          'Mức thấp hơn quy định của cấp công nhận: hãy ghi lý do (chỉ Ban Thường trực cấp tỉnh được quyết định; lý do in trong biên bản).',
        )
    }
    return out
  })
  step2Valid = $derived(this.step2Problems.length === 0)

  constructor(private readonly client: ApiClient = api) {}

  load = async (communeId?: string, roundId?: string): Promise<void> => {
    this.loading = true
    try {
      const [units, templates, levels, ruleSets, zalo, round] = await Promise.all([
        this.client.units({ kind: 'commune' }),
        this.client.templates(),
        this.client.levels(),
        // older servers have no rule sets: the wizard then offers the two numbers only
        this.client.ruleSets().catch(() => [] as RuleSet[]),
        // without the limit the server still refuses a title too long for Zalo (422)
        Promise.resolve()
          .then(() => this.client.zaloTemplateLimits())
          .catch(() => null),
        roundId ? this.client.round(roundId) : Promise.resolve(null),
      ])
      this.titleMax = zalo?.roundTitleMax ?? null
      this.ruleSets = ruleSets
      this.communes = units
      this.levels = levels
      if (levels.length && !levels.some((l) => l.key === this.level) && levels[0]) this.level = levels[0].key
      // the newest version of each template code first
      this.templates = [...templates].sort((a, b) => a.code.localeCompare(b.code) || b.version - a.version)
      if (round) {
        this.prefill(round)
        return
      }
      if (communeId && units.some((u) => u.id === communeId)) this.communeId = communeId
      else if (this.communesInForce.length === 1 && this.communesInForce[0]) this.communeId = this.communesInForce[0].id
      this.pickTemplate()
      this.pickRuleSet()
      this.applyDefaults()
    } catch (err) {
      handleError(err, 'Tải dữ liệu')
    } finally {
      this.loading = false
    }
  }

  /** Start from a saved draft: its commune (fixed), level, form, title, window, rules and paper entry. */
  private prefill(r: Round): void {
    this.original = r
    this.communeId = r.communeId
    this.level = r.level
    this.templateId = r.templateId
    this.title = r.title
    this.opensDay = vnDay(new Date(r.opensAt))
    this.closesDay = vnDay(new Date(r.closesAt))
    this.ruleSetId = r.ruleSet?.id ?? ''
    this.threshold = bpToInput(r.thresholdBp)
    this.coverage = bpToInput(r.coverageBp)
    this.coverageScope = r.coverageScope
    this.doubleEntry = r.doubleEntry
    this.historical = r.historical
    this.villageScope = r.villageIds?.length === 1 ? 'one' : 'all'
    this.villageId = r.villageIds?.length === 1 ? (r.villageIds[0] ?? '') : ''
    // a form or rule set no longer offered for the level and window: the one that is (the officer sees it in the steps)
    this.pickTemplate()
    if (r.ruleSet) this.pickRuleSet()
  }

  /** What the edit changes, as the PATCH body (only changed fields: an unchanged bar is not decided again). */
  changes = (): UpdateRoundBody | null => {
    const o = this.original
    if (!o) return null
    const body: UpdateRoundBody = {}
    if (this.level !== o.level) body.level = this.level
    if (this.templateId !== o.templateId) body.templateId = this.templateId
    const title = this.title.trim()
    if (title && title !== o.title) body.title = title
    if (this.opensDay !== vnDay(new Date(o.opensAt))) body.opensAt = vnDayBoundary(this.opensDay, false)
    if (this.closesDay !== vnDay(new Date(o.closesAt))) body.closesAt = vnDayBoundary(this.closesDay, true)
    if (this.doubleEntry !== o.doubleEntry) body.doubleEntry = this.doubleEntry
    if (this.historical !== o.historical) body.historical = this.historical
    const villageIds = this.villageScope === 'one' && this.villageId ? [this.villageId] : null
    const wasOne = o.villageIds?.length === 1 ? o.villageIds[0] : null
    // back to the whole commune: every village of it (the API takes a list, not null)
    if (villageIds && villageIds[0] !== wasOne) body.villageIds = villageIds
    else if (!villageIds && wasOne) body.villageIds = this.villages.map((v) => v.id)
    if (this.ruleSet) {
      if (this.ruleSet.id !== o.ruleSet?.id || body.level) body.ruleSetId = this.ruleSet.id
    } else if (!this.rulesAsSaved && this.thresholdBp !== null && this.coverageBp !== null) {
      body.thresholdBp = this.thresholdBp
      body.coverageBp = this.coverageBp
      body.coverageScope = this.coverageScope
      if (this.belowDefaults) body.ruleOverrideReason = this.overrideReason.trim()
    }
    return body
  }

  /** Put the level's configured threshold and floor back in the fields. */
  applyDefaults = (): void => {
    if (!this.defaults) return
    this.threshold = bpToInput(this.defaults.thresholdBp)
    this.coverage = bpToInput(this.defaults.coverageBp)
  }

  /** Keep the chosen form if it fits the level, else the first (newest) form made for it. */
  pickTemplate = (): void => {
    if (!this.templatesForLevel.some((t) => t.id === this.templateId)) this.templateId = this.templatesForLevel[0]?.id ?? ''
  }

  /**
   * Keep the chosen rule set if it is made for the level and in force over the window, else the one that is
   * (QĐ 51/2025 for a round from 15/02/2026); none: the two numbers.
   */
  pickRuleSet = (): void => {
    if (!this.ruleSetsForLevel.some((r) => r.id === this.ruleSetId)) this.ruleSetId = this.ruleSetsForLevel[0]?.id ?? ''
  }

  /** Choose a level: its defaults replace the threshold and floor (a new level, new rules, its own forms). */
  selectLevel = (key: string): void => {
    this.level = key
    this.applyDefaults()
    this.pickTemplate()
    this.pickRuleSet()
  }

  /** The window changed: the rule set follows it (the form is chosen again in step 1 if it no longer fits). */
  windowChanged = (): void => {
    // a draft saved with the two numbers keeps them unless the officer picks a rule set
    if (this.original?.ruleSet === null && this.ruleSetId === '') return
    this.pickRuleSet()
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
    if (!this.step1Valid || !this.step2Valid) return null
    const rules = this.ruleSet
      ? { ruleSetId: this.ruleSet.id }
      : this.thresholdBp !== null && this.coverageBp !== null
        ? {
            thresholdBp: this.thresholdBp,
            coverageBp: this.coverageBp,
            coverageScope: this.coverageScope,
            ...(this.belowDefaults ? { ruleOverrideReason: this.overrideReason.trim() } : {}),
          }
        : null
    if (!rules) return null
    this.busy = true
    try {
      if (this.original && !this.draft) {
        const body = this.changes() ?? {}
        // nothing changed: the saved draft stands as it is (the server refuses an empty edit)
        this.draft = Object.keys(body).length ? await this.client.updateRound(this.original.id, body) : this.original
      } else if (!this.draft) {
        this.draft = await this.client.createRound({
          communeId: this.communeId,
          level: this.level,
          templateId: this.templateId,
          ...(this.title.trim() ? { title: this.title.trim() } : {}),
          opensAt: vnDayBoundary(this.opensDay, false),
          closesAt: vnDayBoundary(this.closesDay, true),
          ...rules,
          doubleEntry: this.doubleEntry,
          ...(this.historical ? { historical: true } : {}),
          ...(this.villageScope === 'one' && this.villageId ? { villageIds: [this.villageId] } : {}),
        })
      }
    } catch (err) {
      handleError(err, this.original ? 'Lưu thay đổi của đợt' : 'Tạo đợt lấy ý kiến')
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
    // back at the form: one made for the window now chosen
    if (this.step === 1) this.pickTemplate()
  }
}
