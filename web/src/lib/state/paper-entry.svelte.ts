import type { PaperChannel, PaperResult, Question, Round, RoundHousehold, Unit } from '@app/shared'
import { type ApiClient, ApiError, api } from '../api/client.js'
import { errorMessage, handleError } from '../utils/handle-error.js'
import { toasts } from './toasts.svelte.js'

export interface DraftAnswer {
  satisfied: boolean | null
  reason: string
}

/** Households per page of the paper-entry list (the API allows up to 100). */
export const HOUSEHOLD_PAGE = 50

export type KeyOutcome = 'answered' | 'reason' | 'moved' | 'save' | 'ignored'

/**
 * Keyboard-only keying of paper and meeting ballots: pick a village, then the
 * household; on each question 1 = hài lòng, 2 = không hài lòng (a reason field appears and takes the
 * focus), Enter saves once every question is answered and moves on to the next household.
 * The keying is held only until it is saved; nothing here keeps a household's answers afterwards.
 */
export class PaperEntry {
  round = $state<Round | null>(null)
  villages = $state<Unit[]>([])
  villageId = $state('')
  households = $state<RoundHousehold[]>([])
  householdsTotal = $state(0)
  /** Search in the village's pending households (code or head name, diacritics-insensitive on the server). */
  query = $state('')
  page = $state(1)
  householdId = $state('')
  /** A collector with no village of this round assigned: nothing to enter. */
  unassigned = $state(false)
  loading = $state(false)

  channel = $state<PaperChannel>('paper')
  serial = $state('')
  comment = $state('')
  answers = $state<Record<string, DraftAnswer>>({})
  /** Index of the question the keyboard is on; questions.length means "the comment / save line". */
  cursor = $state(0)
  /** True while the reason field of the current question has the focus. */
  inReason = $state(false)
  saving = $state(false)
  /** Ballots saved in this session by this person (their own count only). */
  savedCount = $state(0)
  lastMessage = $state<{ kind: 'success' | 'info' | 'error'; text: string } | null>(null)
  /** Set when re-keying a mismatched paper form from the reconciliation queue (front staff). */
  resolveSerial = $state<string | null>(null)

  questions = $derived<Question[]>(this.round?.questions ?? [])
  household = $derived(this.households.find((h) => h.id === this.householdId) ?? null)
  pages = $derived(Math.max(1, Math.ceil(this.householdsTotal / HOUSEHOLD_PAGE)))
  missing = $derived(this.questions.filter((q) => !isComplete(this.answers[q.key])).map((q) => q.key))
  complete = $derived(
    this.questions.length > 0 &&
      this.missing.length === 0 &&
      (!this.round?.doubleEntry || this.resolveSerial !== null || this.serial.trim() !== ''),
  )

  /**
   * `collector`: the person is a collector, who keys only the villages assigned to them in this round
   * (GET /api/rounds/:id/collectors answers with their own assignment).
   */
  constructor(
    readonly roundId: string,
    private readonly client: ApiClient = api,
    private readonly collector = false,
  ) {}

  load = async (): Promise<void> => {
    this.loading = true
    try {
      const round = await this.client.round(this.roundId)
      this.round = round
      let villages = await this.client.units({ parentId: round.communeId, kind: 'village' })
      if (round.villageIds) {
        const inRound = new Set(round.villageIds)
        villages = villages.filter((v) => inRound.has(v.id))
      }
      if (this.collector) {
        const mine = new Set((await this.mine()).flatMap((c) => c.villageIds))
        villages = villages.filter((v) => mine.has(v.id))
        this.unassigned = villages.length === 0
      }
      this.villages = villages
      if (villages.length === 1 && villages[0]) await this.selectVillage(villages[0].id)
      else this.reset()
    } catch (err) {
      handleError(err, 'Tải đợt lấy ý kiến')
    } finally {
      this.loading = false
    }
  }

  /** The collector's own assignment; none (404) means no village. */
  private async mine() {
    try {
      return await this.client.roundCollectors(this.roundId)
    } catch (err) {
      if (err instanceof ApiError && (err.status === 404 || err.status === 403)) return []
      throw err
    }
  }

  selectVillage = async (villageId: string): Promise<void> => {
    this.villageId = villageId
    this.query = ''
    this.page = 1
    await this.loadHouseholds()
  }

  /** Search the village's pending households (first page of the matches). */
  search = async (q: string): Promise<void> => {
    this.query = q
    this.page = 1
    await this.loadHouseholds()
  }

  goToPage = async (page: number): Promise<void> => {
    this.page = Math.min(Math.max(1, page), this.pages)
    await this.loadHouseholds()
  }

  /** The current page of pending households for the village and search; selects the first. */
  loadHouseholds = async (): Promise<void> => {
    const villageId = this.villageId
    const q = this.query.trim()
    if (!villageId) {
      this.households = []
      this.householdsTotal = 0
      this.householdId = ''
      this.reset()
      return
    }
    this.loading = true
    try {
      const res = await this.client.roundHouseholds(this.roundId, {
        villageId,
        status: 'pending',
        ...(q ? { q } : {}),
        page: this.page,
        limit: HOUSEHOLD_PAGE,
      })
      // a later search or village wins over an answer that arrives late
      if (villageId !== this.villageId || q !== this.query.trim()) return
      this.households = res.items
      this.householdsTotal = res.total
      if (!res.items.some((h) => h.id === this.householdId)) {
        this.householdId = res.items[0]?.id ?? ''
        this.reset()
      }
    } catch (err) {
      handleError(err, 'Tải danh sách hộ')
    } finally {
      this.loading = false
    }
  }

  /**
   * Re-key a mismatched form: its village, no household until the resolver picks the one the paper names
   * (a default would be a guess), answers blank.
   */
  startResolve = (villageId: string, serial: string): void => {
    this.villageId = villageId
    this.households = []
    this.householdsTotal = 0
    this.householdId = ''
    this.lastMessage = null
    this.reset()
    this.resolveSerial = serial
  }

  /** The household picked elsewhere (a searchable picker); keeps what was already keyed. */
  useHousehold = (h: RoundHousehold | null): void => {
    this.households = h ? [h] : []
    this.householdId = h?.id ?? ''
  }

  selectHousehold = (id: string): void => {
    this.householdId = id
    this.reset()
  }

  reset = (): void => {
    this.inReason = false
    this.answers = Object.fromEntries(this.questions.map((q) => [q.key, { satisfied: null, reason: '' }]))
    this.comment = ''
    this.serial = ''
    this.cursor = 0
    this.inReason = false
  }

  /** 1 / 2 on the current question. */
  answer = (satisfied: boolean, index = this.cursor): KeyOutcome => {
    const q = this.questions[index]
    if (!q) return 'ignored'
    const a = this.answers[q.key] ?? { satisfied: null, reason: '' }
    this.answers[q.key] = { satisfied, reason: satisfied ? '' : a.reason }
    this.cursor = index
    if (!satisfied) {
      this.inReason = true
      return 'reason'
    }
    this.inReason = false
    this.cursor = Math.min(index + 1, this.questions.length)
    return 'answered'
  }

  move = (delta: number): void => {
    this.inReason = false
    this.cursor = Math.min(Math.max(0, this.cursor + delta), this.questions.length)
  }

  /**
   * A key pressed while the keying form has the focus. Digits answer (outside text fields), arrows
   * move, Enter leaves a reason field or saves a complete ballot, or jumps to the first gap.
   */
  key = (key: string, opts: { inTextField?: boolean } = {}): KeyOutcome => {
    const text = opts.inTextField ?? this.inReason
    if (key === 'Enter') {
      if (this.complete) return 'save'
      if (this.inReason) {
        const q = this.questions[this.cursor]
        if (q && isComplete(this.answers[q.key])) {
          this.move(1)
          return 'moved'
        }
        return 'ignored'
      }
      const gap = this.questions.findIndex((q) => !isComplete(this.answers[q.key]))
      if (gap >= 0) {
        this.cursor = gap
        this.inReason = this.answers[this.questions[gap]?.key ?? '']?.satisfied === false
        return 'moved'
      }
      return 'ignored'
    }
    if (text) return 'ignored'
    if (key === '1') return this.answer(true)
    if (key === '2') return this.answer(false)
    if (key === 'ArrowDown') {
      this.move(1)
      return 'moved'
    }
    if (key === 'ArrowUp') {
      this.move(-1)
      return 'moved'
    }
    return 'ignored'
  }

  /** Save the ballot and go to the next household of the village. */
  save = async (): Promise<PaperResult | null> => {
    const hh = this.household
    if (!hh || !this.complete || this.saving) return null
    this.saving = true
    const answers = Object.fromEntries(
      this.questions.map((q) => {
        const a = this.answers[q.key] as DraftAnswer
        return [q.key, a.satisfied ? { satisfied: true } : { satisfied: false, reason: a.reason.trim() }]
      }),
    )
    try {
      const body = { householdId: hh.id, channel: this.channel, answers, ...(this.comment.trim() ? { comment: this.comment.trim() } : {}) }
      const res = this.resolveSerial
        ? await this.client.resolvePaper(this.roundId, this.resolveSerial, body)
        : await this.client.enterPaper(this.roundId, { ...body, ...(this.round?.doubleEntry ? { serial: this.serial.trim() } : {}) })
      if (this.resolveSerial) this.resolveSerial = null
      this.savedCount++
      const text =
        res.status === 'counted'
          ? `Đã lưu phiếu hộ ${hh.code} — ${hh.headName}.`
          : res.status === 'pending'
            ? `Đã lưu lần nhập thứ nhất của phiếu số ${this.serial.trim()}; chờ người thứ hai nhập lại.`
            : `Phiếu số ${this.serial.trim()}: hai lần nhập khác nhau, đã chuyển vào hàng chờ đối chiếu.`
      this.lastMessage = { kind: res.status === 'mismatch' ? 'error' : 'success', text }
      if (res.status === 'mismatch') toasts.show(text, 'error')
      this.advance(hh.id)
      return res
    } catch (err) {
      if (err instanceof ApiError && err.code === 'already_answered') {
        this.lastMessage = { kind: 'error', text: `Hộ ${hh.code} đã tham gia rồi; chuyển sang hộ tiếp theo.` }
        toasts.show(errorMessage(err), 'error')
        this.advance(hh.id)
      } else {
        this.lastMessage = { kind: 'error', text: errorMessage(err) }
        handleError(err, 'Lưu phiếu')
      }
      return null
    } finally {
      this.saving = false
    }
  }

  /** Drop the saved household from the pending list and select the next one. */
  private advance(doneId: string): void {
    const i = this.households.findIndex((h) => h.id === doneId)
    this.households = this.households.filter((h) => h.id !== doneId)
    this.householdsTotal = Math.max(0, this.householdsTotal - 1)
    this.householdId = this.households[Math.max(0, i)]?.id ?? this.households[0]?.id ?? ''
    this.reset()
    // the page ran out but more households are pending: fetch the next ones
    if (this.households.length === 0 && this.householdsTotal > 0) {
      this.page = Math.min(this.page, this.pages)
      void this.loadHouseholds()
    }
  }
}

function isComplete(a: DraftAnswer | undefined): boolean {
  if (!a || a.satisfied === null) return false
  return a.satisfied || a.reason.trim() !== ''
}
