import type { AppDb, Conn } from '@app/db'
import {
  type CreateRoundBody,
  type Question,
  ROUND_TRANSITIONS,
  type Round,
  type RoundAction,
  type RuleSetSnapshot,
  resultsWithheld,
  roundAction,
  type UpdateRoundBody,
  vnDateVi,
  vnDay,
} from '@app/shared'
import { AppError, badRequest, conflict, forbidden, notFound } from '../../lib/app-error.js'
import type { Clock } from '../../lib/clock.js'
import type { AuditService } from '../audit/service.js'
import { type Actor, assertRole } from '../policy.js'
import type { QuestionnaireService } from '../questionnaires/service.js'
import type { UnitService } from '../units/service.js'
import { assertCanManageRound, canViewRound } from './policy.js'
import { createRoundRepo, type RoundRow } from './repo.js'

export interface LevelRule {
  name: string
  thresholdBp: number
  coverageBp: number
}

/** 9000 → "90 %", 8550 → "85,5 %" (for messages). */
const bpText = (bp: number) => `${(bp / 100).toLocaleString('vi-VN', { maximumFractionDigits: 2 })} %`
/** The first and last day (Vietnam time) of a round's window. */
interface RoundDays {
  first: string
  last: string
}
const roundDays = (opensAt: string, closesAt: string): RoundDays => ({ first: vnDay(new Date(opensAt)), last: vnDay(new Date(closesAt)) })
/** Does a period (inclusive days, null = open-ended) cover every day of the round? */
const covers = (from: string | null, to: string | null, p: RoundDays) => (!from || from <= p.first) && (!to || p.last <= to)
const dayVi = (day: string) => day.split('-').reverse().join('/')
const periodVi = (from: string | null, to: string | null) =>
  from && to ? `từ ${dayVi(from)} đến ${dayVi(to)}` : from ? `từ ${dayVi(from)}` : to ? `đến ${dayVi(to)}` : 'không giới hạn'

const invalidTransition = (from: string, action: string) =>
  new AppError('invalid_transition', `cannot ${action} a round that is ${from}`, 409, { status: from, action })

type RoundPatch = Partial<Omit<RoundRow, 'id' | 'status'>>

/** What a staff screen shows instead of a result while answers may still arrive (TRUST.md §2.2). */
export const resultsNotDisclosed = (status: string) =>
  new AppError(
    'results_not_disclosed',
    'Kết quả chỉ hiển thị khi đợt lấy ý kiến đã kết thúc thu phiếu; trong lúc đang thu phiếu chỉ theo dõi được độ bao phủ.',
    409,
    { status },
  )

/** Reopening after disclosure would let two disclosures be compared, naming the households that answered in between. */
export const resultsDisclosed = (disclosedAt: string) =>
  new AppError(
    'results_disclosed',
    'Kết quả của đợt này đã được công bố nên không thể mở lại để nhận thêm ý kiến. Hãy mở một đợt lấy ý kiến bổ sung cho các hộ chưa tham gia.',
    409,
    { disclosedAt },
  )

/** What served a round's result first (recorded with the disclosure). */
export type DisclosedVia = 'tally' | 'feedback' | 'follow_up' | 'integrity' | 'export' | 'minutes' | 'notices' | 'public' | 'seal'

/** What each move stamps on the round, besides its status. */
const STAMPS: Record<RoundAction, (now: string) => RoundPatch> = {
  open: (now) => ({ openedAt: now }),
  close: (now) => ({ closedAt: now }),
  reopen: () => ({ closedAt: null }),
  seal: (now) => ({ sealedAt: now }),
  unseal: () => ({ sealedAt: null }),
  return_for_resurvey: () => ({}),
  withdraw_return: () => ({}),
}

/** The audit action of each move; a return and its withdrawal are recorded by the council decision that makes them. */
const AUDIT: Record<RoundAction, string | null> = {
  open: 'round.open',
  close: 'round.close',
  reopen: 'round.reopen',
  seal: 'round.seal',
  unseal: 'round.unseal',
  return_for_resurvey: null,
  withdraw_return: null,
}

export interface TransitionOptions {
  /** Further columns the move sets (the snapshots at open, a new closesAt at reopen, a shared timestamp). */
  patch?: RoundPatch
  /** Audit data recorded with the move. */
  data?: Record<string, unknown>
}

export function createRoundService(deps: {
  db: AppDb
  clock: Clock
  audit: AuditService
  units: UnitService
  questionnaires: QuestionnaireService
  levels: Readonly<Record<string, LevelRule>>
}) {
  const { db, clock, audit, units, questionnaires, levels } = deps
  const repo = createRoundRepo(db)
  const within = units.within
  /**
   * Work that must finish inside the closing transaction, before the status changes: the ballot service lands
   * every pending ballot there (TRUST.md §2.3), so a closed round never has a ballot waiting.
   */
  const closingHooks: ((roundId: string, tx: Conn) => Promise<unknown>)[] = []
  const runClosingHooks = async (roundId: string, tx: Conn) => {
    for (const h of closingHooks) await h(roundId, tx)
  }
  /**
   * What must be settled before a round may close (paper forms keyed twice that do not agree yet): each
   * check answers the refusal, or null. A staff close gets the refusal; the end-of-window close waits.
   */
  const closeChecks: ((roundId: string, tx: Conn) => Promise<AppError | null>)[] = []
  /** Checks a title given by staff must pass (the messaging service: the Zalo template's limit). */
  const titleChecks: ((title: string) => Promise<void>)[] = []
  const checkTitle = async (title: string | undefined) => {
    if (title !== undefined) for (const c of titleChecks) await c(title)
  }
  const closeBlocker = async (roundId: string, tx: Conn): Promise<AppError | null> => {
    for (const c of closeChecks) {
      const err = await c(roundId, tx)
      if (err) return err
    }
    return null
  }

  async function questionsOf(r: RoundRow): Promise<Question[]> {
    if (r.questionnaireSnapshot) return r.questionnaireSnapshot as Question[]
    return (await questionnaires.templateById(r.templateId))?.questions.map((q) => ({ ...q, criterionRef: q.criterionRef ?? null })) ?? []
  }

  /** The villages a round covers: all of the commune's, or the subset a targeted round names. */
  async function villagesOf(r: Pick<RoundRow, 'communeId' | 'villageIds'>) {
    const all = await units.children(r.communeId, 'village')
    if (!r.villageIds) return all
    const wanted = new Set(r.villageIds)
    return all.filter((v) => wanted.has(v.id))
  }

  /** The part of the commune a round asks: 'commune' for every village, else its villages in a stable order. */
  async function scopeKey(r: Pick<RoundRow, 'communeId' | 'villageIds'>): Promise<string> {
    if (!r.villageIds) return 'commune'
    const covered = (await villagesOf(r)).map((v) => v.id)
    if (covered.length === (await units.children(r.communeId, 'village')).length) return 'commune'
    return [...covered].sort().join(',')
  }

  /**
   * One open round per commune, purpose and scope: two at once would ask the same households twice and
   * split their answers and requests between rounds. Checked inside the transaction that opens.
   */
  async function assertNoOtherOpen(r: RoundRow): Promise<void> {
    const key = await scopeKey(r)
    let other: RoundRow | undefined
    for (const o of await repo.list({ communeIds: [r.communeId], status: 'open' })) {
      if (o.id !== r.id && o.purpose === r.purpose && (await scopeKey(o)) === key) {
        other = o
        break
      }
    }
    if (!other) return
    const scope = key === 'commune' ? 'toàn xã' : (await villagesOf(other)).map((v) => v.name).join(', ')
    const purpose = other.purpose === 'follow_up' ? 'khảo sát lại' : 'lấy ý kiến'
    throw new AppError(
      'round_already_open',
      `Xã đang có đợt ${purpose} “${other.title}” (${scope}) đang mở đến ${vnDateVi(other.closesAt)}. Kết thúc đợt đó trước khi mở đợt mới cùng phạm vi.`,
      409,
      { roundId: other.id, title: other.title, purpose: other.purpose, villageIds: other.villageIds ?? null },
    )
  }

  async function frameOf(r: RoundRow): Promise<Record<string, number>> {
    if (r.frameSnapshot) return r.frameSnapshot as Record<string, number>
    const counts = await units.activeHouseholdCounts()
    return Object.fromEntries((await villagesOf(r)).map((v) => [v.id, counts.get(v.id) ?? 0]))
  }

  async function toDto(r: RoundRow): Promise<Round> {
    const commune = await units.findById(r.communeId)
    return {
      id: r.id,
      communeId: r.communeId,
      communeName: commune?.name ?? '',
      level: r.level,
      legalBasis: r.legalBasis,
      title: r.title,
      templateId: r.templateId,
      status: r.status,
      thresholdBp: r.thresholdBp,
      coverageBp: r.coverageBp,
      coverageScope: r.coverageScope,
      doubleEntry: r.doubleEntry,
      historical: r.historical,
      purpose: r.purpose,
      villageIds: r.villageIds ?? null,
      previousRoundId: r.previousRoundId,
      opensAt: r.opensAt,
      closesAt: r.closesAt,
      openedAt: r.openedAt,
      closedAt: r.closedAt,
      sealedAt: r.sealedAt,
      disclosedAt: r.disclosedAt,
      createdAt: r.createdAt,
      questions: await questionsOf(r),
      ruleSet: (r.ruleSetSnapshot as RuleSetSnapshot | null) ?? null,
      households: Object.values(await frameOf(r)).reduce((a, b) => a + b, 0),
    }
  }

  /** A round the actor may see, else 404. */
  async function getVisible(actor: Actor, id: string): Promise<RoundRow> {
    const r = await repo.findById(id)
    if (!r || !(await canViewRound(actor, r, within, async () => await repo.collectorVillages(r.id, actor.id)))) throw notFound('round')
    return r
  }

  async function getManaged(actor: Actor, id: string): Promise<RoundRow> {
    const r = await repo.findById(id)
    if (!r) throw notFound('round')
    if (!(await canViewRound(actor, r, within, async () => await repo.collectorVillages(r.id, actor.id)))) throw notFound('round')
    assertRole(actor, ['front_staff'])
    await assertCanManageRound(actor, r, within)
    return r
  }

  function checkWindow(opensAt: string, closesAt: string) {
    if (new Date(opensAt).getTime() >= new Date(closesAt).getTime()) {
      throw badRequest('validation_failed', 'closesAt must be after opensAt', {
        issues: [{ path: 'closesAt', message: 'must be after opensAt' }],
      })
    }
  }

  function levelRule(level: string): LevelRule {
    const rule = levels[level]
    if (!rule) {
      throw badRequest('validation_failed', `unknown level ${level}`, {
        issues: [{ path: 'level', message: `one of ${Object.keys(levels).join(', ')}` }],
      })
    }
    return rule
  }

  /**
   * The rule set a round is created with, as a snapshot: it must be made for the round's level. Its
   * coverage and overall bars also become the round's threshold/coverage fields (shown everywhere the
   * two-number rule was), so a rule set and explicit numbers are not given together.
   */
  async function ruleSetFor(ruleSetId: string, level: string, body: Partial<CreateRoundBody>, period?: RoundDays) {
    const rs = await questionnaires.ruleSetById(ruleSetId)
    if (!rs) throw notFound('rule set')
    if (!rs.levels.includes(level))
      throw new AppError('rule_set_level_mismatch', `Bộ quy tắc ${rs.code} không áp dụng cho cấp ${level}`, 400, {
        levels: rs.levels,
        level,
      })
    if (period && !body.historical && !covers(rs.legalBasis.effectiveFrom, rs.legalBasis.effectiveTo, period))
      throw new AppError(
        'rule_set_out_of_period',
        `Bộ quy tắc ${rs.code} (${rs.legalBasis.number}) có hiệu lực ${periodVi(rs.legalBasis.effectiveFrom, rs.legalBasis.effectiveTo)}, không bao trùm thời gian của đợt (${dayVi(period.first)} – ${dayVi(period.last)}). Chọn bộ quy tắc đang có hiệu lực, hoặc đánh dấu đợt theo quy định của giai đoạn trước.`,
        422,
        { effectiveFrom: rs.legalBasis.effectiveFrom, effectiveTo: rs.legalBasis.effectiveTo, ...period },
      )
    if (body.thresholdBp !== undefined || body.coverageBp !== undefined || body.coverageScope !== undefined)
      throw badRequest('validation_failed', 'a rule set fixes the bars; give either ruleSetId or thresholdBp/coverageBp/coverageScope', {
        issues: [{ path: 'ruleSetId', message: 'not together with thresholdBp, coverageBp or coverageScope' }],
      })
    const bars = rs.bars as RuleSetSnapshot['bars']
    const snapshot: RuleSetSnapshot = {
      id: rs.id,
      code: rs.code,
      version: rs.version,
      name: rs.name,
      legalBasis: rs.legalBasis,
      levels: rs.levels,
      bars,
      provisional: rs.provisional,
      note: rs.note,
    }
    const cov = bars.find((b) => b.kind === 'coverage')
    const overall = bars.find((b) => b.kind === 'overall')
    return {
      snapshot,
      thresholdBp: overall?.minBp,
      coverageBp: cov?.minBp,
      coverageScope: cov && cov.kind === 'coverage' ? cov.scope : undefined,
    }
  }

  /** Province Front staff: the ones who may lower a level's bars and add to a frozen household frame (TRUST.md §2.8). */
  async function isProvinceStaff(actor: Actor): Promise<boolean> {
    return actor.role === 'front_staff' && (await units.findById(actor.unitId))?.kind === 'province'
  }

  /**
   * Numbers below the level's rule (its configured threshold and coverage floor) are the province's call, with
   * a reason: 403 rule_below_level for anyone else, 422 reason_required without one. Returns the audit entry
   * to record with the round, or null when the numbers meet the rule.
   */
  async function checkRuleFloor(
    actor: Actor,
    level: string,
    numbers: { thresholdBp: number; coverageBp: number },
    reason: string | undefined,
  ) {
    const rule = levelRule(level)
    if (numbers.thresholdBp >= rule.thresholdBp && numbers.coverageBp >= rule.coverageBp) return null
    const below = [
      numbers.thresholdBp < rule.thresholdBp
        ? `ngưỡng hài lòng ${bpText(numbers.thresholdBp)} (mức của cấp: ${bpText(rule.thresholdBp)})`
        : null,
      numbers.coverageBp < rule.coverageBp
        ? `tỷ lệ hộ tham gia ${bpText(numbers.coverageBp)} (mức của cấp: ${bpText(rule.coverageBp)})`
        : null,
    ].filter(Boolean)
    const details = { level, ...numbers, levelThresholdBp: rule.thresholdBp, levelCoverageBp: rule.coverageBp }
    if (!(await isProvinceStaff(actor)))
      throw new AppError(
        'rule_below_level',
        `Mức đặt thấp hơn quy định của cấp ${rule.name}: ${below.join('; ')}. Chỉ Ban Thường trực MTTQ tỉnh được đặt mức thấp hơn, kèm lý do.`,
        403,
        details,
      )
    if (!reason)
      throw new AppError(
        'reason_required',
        `Mức đặt thấp hơn quy định của cấp ${rule.name}: ${below.join('; ')}. Hãy ghi lý do (sẽ in trong biên bản).`,
        422,
        { ...details, issues: [{ path: 'ruleOverrideReason', message: 'required' }] },
      )
    return { reason, data: details }
  }

  /**
   * The form a round gets when none is named: the newest version of a form made for the level whose
   * period covers the round's days (a round from 15/02/2026 gets the QĐ 51/2025 form); forms of a
   * later period first.
   */
  async function defaultTemplate(level: string, period: RoundDays) {
    const fits = (await questionnaires.templates())
      .filter((t) => t.levels.includes(level) && covers(t.periodFrom, t.periodTo, period))
      .sort((a, b) => (b.periodFrom ?? '').localeCompare(a.periodFrom ?? '') || a.code.localeCompare(b.code) || b.version - a.version)
    const t = fits[0]
    if (!t)
      throw new AppError(
        'no_template_for_period',
        `Chưa có mẫu phiếu cho cấp ${level} áp dụng trong thời gian ${dayVi(period.first)} – ${dayVi(period.last)}; chọn mẫu phiếu (templateId).`,
        422,
        { level, ...period },
      )
    return t
  }

  /**
   * The rule set a round gets when it names neither a rule set nor numbers: the one in force for the
   * level over the round's days, the province's own before a national one, the newest version. None:
   * the level's configured numbers, as before rule sets.
   */
  async function defaultRuleSetId(level: string, communeId: string, period: RoundDays): Promise<string | undefined> {
    let provinceId: string | undefined
    for (const id of await units.ancestorIds(communeId)) {
      const u = await units.findById(id)
      if (u?.kind === 'province') {
        provinceId = u.id
        break
      }
    }
    const latest = new Map<string, Awaited<ReturnType<typeof questionnaires.ruleSets>>[number]>()
    for (const rs of await questionnaires.ruleSets()) {
      const key = `${rs.provinceId ?? ''}/${rs.code}`
      const cur = latest.get(key)
      if (!cur || rs.version > cur.version) latest.set(key, rs)
    }
    const fits = [...latest.values()]
      .filter((rs) => rs.levels.includes(level) && (rs.provinceId === null || rs.provinceId === provinceId))
      .filter((rs) => covers(rs.legalBasis.effectiveFrom, rs.legalBasis.effectiveTo, period))
      .sort(
        (a, b) =>
          Number(b.provinceId !== null) - Number(a.provinceId !== null) ||
          b.legalBasis.effectiveFrom.localeCompare(a.legalBasis.effectiveFrom) ||
          a.code.localeCompare(b.code),
      )
    return fits[0]?.id
  }

  /** A form made for a period is used only within it, unless the round is run under the rules of an earlier period. */
  function assertTemplateInPeriod(template: { code: string; periodFrom: string | null; periodTo: string | null }, period: RoundDays) {
    if (!covers(template.periodFrom, template.periodTo, period))
      throw new AppError(
        'template_out_of_period',
        `Mẫu phiếu ${template.code} dùng ${periodVi(template.periodFrom, template.periodTo)}, không bao trùm thời gian của đợt (${dayVi(period.first)} – ${dayVi(period.last)}). Chọn mẫu phiếu của giai đoạn hiện hành, hoặc đánh dấu đợt theo quy định của giai đoạn trước.`,
        422,
        { periodFrom: template.periodFrom, periodTo: template.periodTo, ...period },
      )
  }

  /** A round is run in a commune that exists on its days: not in one merged away on 01/07/2025, nor before a new one exists. */
  function assertUnitInForce(unit: { name: string; validFrom: string | null; validTo: string | null }, period: RoundDays) {
    if (!covers(unit.validFrom, unit.validTo, period))
      throw new AppError(
        'unit_not_in_force',
        `Xã ${unit.name} chỉ tồn tại ${periodVi(unit.validFrom, unit.validTo)}, không bao trùm thời gian của đợt (${dayVi(period.first)} – ${dayVi(period.last)}); chọn xã hiện hành.`,
        422,
        { validFrom: unit.validFrom, validTo: unit.validTo, ...period },
      )
  }

  /** A template names the levels it is made for; an empty list (older custom templates) fits any. */
  function assertTemplateFits(template: { code: string; levels: string[] }, level: string) {
    if (template.levels.length > 0 && !template.levels.includes(level))
      throw new AppError(
        'template_level_mismatch',
        `Mẫu phiếu ${template.code} không dùng cho cấp ${level}; mẫu này dành cho: ${template.levels.join(', ')}`,
        400,
        { levels: template.levels, level },
      )
  }

  async function recordOverride(tx: Conn, actor: Actor, roundId: string, o: { reason: string; data: Record<string, unknown> }) {
    await audit.record(tx, {
      actorId: actor.id,
      action: 'round.rule_override',
      targetType: 'round',
      targetId: roundId,
      reason: o.reason,
      data: o.data,
    })
  }

  /**
   * The one way a round's status changes: the move must be an edge of ROUND_TRANSITIONS from the
   * status the round has *inside this transaction* (a concurrent move answers 409, not a lost
   * update); stamps the move's time, applies `patch` and records it in the audit log.
   */
  async function transition(
    tx: Conn,
    round: Pick<RoundRow, 'id'>,
    to: RoundRow['status'],
    actor: Actor | null,
    reason: string | null,
    opts: TransitionOptions = {},
  ): Promise<RoundRow> {
    // transitions of one round (two seals at once, on one instance or two) take turns: the second reads the first's
    // status and answers 409
    await repo.lockForTransition(round.id, tx)
    const fresh = await repo.findById(round.id, tx)
    if (!fresh) throw notFound('round')
    const action = roundAction(fresh.status, to)
    if (!action) {
      const wanted = (Object.keys(ROUND_TRANSITIONS) as RoundAction[]).find((a) => ROUND_TRANSITIONS[a].to === to) ?? to
      throw invalidTransition(fresh.status, wanted)
    }
    // results disclosed once (TRUST.md §2.2): a disclosed round takes no more answers
    if (action === 'reopen' && fresh.disclosedAt) throw resultsDisclosed(fresh.disclosedAt)
    if (to === 'closed' && fresh.status === 'open') {
      const blocked = await closeBlocker(fresh.id, tx)
      if (blocked) throw blocked
      // every pending ballot lands before the status leaves `open` (TRUST.md §2.3)
      await runClosingHooks(fresh.id, tx)
    }
    const row = await repo.update(fresh.id, { ...STAMPS[action](clock.now().toISOString()), ...opts.patch, status: to }, tx)
    const auditAction = AUDIT[action]
    if (auditAction)
      await audit.record(tx, {
        actorId: actor?.id ?? null,
        action: auditAction,
        targetType: 'round',
        targetId: fresh.id,
        reason,
        ...(opts.data ? { data: opts.data } : {}),
      })
    return row
  }

  /**
   * Record, inside `tx`, that a result of the round is being served (the first time only: one audit entry). The
   * round must have closed: a draft or open round answers 409 results_not_disclosed, also when it was reopened
   * between the caller's read and this write.
   */
  async function markDisclosed(tx: Conn, roundId: string, actor: Actor | null, via: DisclosedVia): Promise<void> {
    const fresh = await repo.findById(roundId, tx)
    if (!fresh) throw notFound('round')
    if (resultsWithheld(fresh.status)) throw resultsNotDisclosed(fresh.status)
    if (fresh.disclosedAt) return
    await repo.update(fresh.id, { disclosedAt: clock.now().toISOString() }, tx)
    await audit.record(tx, { actorId: actor?.id ?? null, action: 'round.disclose', targetType: 'round', targetId: fresh.id, data: { via } })
  }

  return {
    toDto,
    transition,
    markDisclosed,
    /** 409 results_not_disclosed while the round may still take answers (draft, open). */
    assertResultsReadable(r: Pick<RoundRow, 'status'>): void {
      if (resultsWithheld(r.status)) throw resultsNotDisclosed(r.status)
    },
    /**
     * Before serving a result of `r`: refuse while answers may still arrive, and record the first serving as the
     * disclosure (a write only the first time; later reads cost one status check).
     */
    async disclose(actor: Actor | null, r: Pick<RoundRow, 'id' | 'status' | 'disclosedAt'>, via: DisclosedVia): Promise<void> {
      if (resultsWithheld(r.status)) throw resultsNotDisclosed(r.status)
      if (r.disclosedAt) return
      await db.transaction((tx) => markDisclosed(tx, r.id, actor, via))
    },
    /** Register work to run inside every close (by staff or at the end of the window), before the status changes. */
    onClosing(hook: (roundId: string, tx: Conn) => Promise<unknown>): void {
      closingHooks.push(hook)
    },
    /** Register a check of titles given by staff (throws the refusal). */
    checkTitle(check: (title: string) => Promise<void>): void {
      titleChecks.push(check)
    },
    /** Register a condition a close must meet (checked inside the closing transaction). */
    checkBeforeClose(check: (roundId: string, tx: Conn) => Promise<AppError | null>): void {
      closeChecks.push(check)
    },
    findById: (id: string, tx?: Conn) => repo.findById(id, tx),
    /** Rounds by commune / status, unscoped (for the server's own jobs and scripts, never a route). */
    listAll: (q: Parameters<typeof repo.list>[0]) => repo.list(q),
    windowOf: (id: string, tx?: Conn) => repo.windowOf(id, tx),
    collectorVillages: (roundId: string, userId: string) => repo.collectorVillages(roundId, userId),
    /** Demo seeding only: give a round a window (and times) in the past, as if collected months ago (not audited, no route). */
    backdateWindow: (id: string, w: { opensAt: string; closesAt: string; openedAt?: string; closedAt?: string; sealedAt?: string }) =>
      repo.update(id, w),
    getVisible,
    getManaged,
    questionsOf,
    frameOf,
    villagesOf,

    async list(actor: Actor, q: { communeId?: string | undefined; status?: RoundRow['status'] | undefined }): Promise<Round[]> {
      let communeIds: string[] | undefined
      if (actor.role === 'collector') {
        const ids = new Set(await repo.collectorRoundIds(actor.id))
        const mine = (await repo.list({ status: q.status })).filter((r) => ids.has(r.id) && (!q.communeId || r.communeId === q.communeId))
        return Promise.all(mine.map(toDto))
      }
      if (q.communeId) {
        await units.getVisible(actor, q.communeId)
        communeIds = [q.communeId]
      } else if (actor.role !== 'admin') {
        communeIds = (await units.subtree(actor.unitId)).filter((u) => u.kind === 'commune').map((u) => u.id)
      }
      return Promise.all((await repo.list({ communeIds, status: q.status })).map(toDto))
    },

    async get(actor: Actor, id: string): Promise<Round> {
      return await toDto(await getVisible(actor, id))
    },

    async create(actor: Actor, body: CreateRoundBody, opts: { previousRoundId?: string } = {}): Promise<Round> {
      assertRole(actor, ['front_staff'])
      const commune = await units.getVisible(actor, body.communeId)
      if (commune.kind !== 'commune')
        throw badRequest('validation_failed', 'a round is run in a commune', { issues: [{ path: 'communeId', message: 'not a commune' }] })
      const rule = levelRule(body.level)
      checkWindow(body.opensAt, body.closesAt)
      const period = roundDays(body.opensAt, body.closesAt)
      assertUnitInForce(commune, period)
      const template = await (body.templateId ? questionnaires.templateById(body.templateId) : defaultTemplate(body.level, period))
      if (!template) throw notFound('questionnaire template')
      assertTemplateFits(template, body.level)
      if (!body.historical) assertTemplateInPeriod(template, period)
      const numbers = body.thresholdBp !== undefined || body.coverageBp !== undefined || body.coverageScope !== undefined
      const ruleSetId = await (body.ruleSetId ?? (numbers ? undefined : defaultRuleSetId(body.level, commune.id, period)))
      const rs = await (ruleSetId ? ruleSetFor(ruleSetId, body.level, body, period) : undefined)
      await checkTitle(body.title)
      if (
        body.villageIds &&
        (await villagesOf({ communeId: commune.id, villageIds: body.villageIds })).length !== new Set(body.villageIds).size
      ) {
        throw badRequest('validation_failed', 'villages must belong to the commune', {
          issues: [{ path: 'villageIds', message: 'unknown village' }],
        })
      }
      const previousRoundId = opts.previousRoundId ?? body.previousRoundId
      if (previousRoundId && (await repo.findById(previousRoundId))?.communeId !== commune.id) throw notFound('previous round')
      const override = await (rs
        ? null
        : checkRuleFloor(
            actor,
            body.level,
            { thresholdBp: body.thresholdBp ?? rule.thresholdBp, coverageBp: body.coverageBp ?? rule.coverageBp },
            body.ruleOverrideReason,
          ))
      const criteria = template.criteriaSetId ? await questionnaires.criteriaSetById(template.criteriaSetId) : undefined
      return db.transaction(async (tx) => {
        const row = await repo.insert(
          {
            communeId: commune.id,
            level: body.level,
            legalBasis: criteria?.legalBasis ?? null,
            title: body.title ?? `Lấy ý kiến sự hài lòng của người dân — ${rule.name} — xã ${commune.name}`,
            templateId: template.id,
            thresholdBp: (await rs)?.thresholdBp ?? body.thresholdBp ?? rule.thresholdBp,
            coverageBp: (await rs)?.coverageBp ?? body.coverageBp ?? rule.coverageBp,
            coverageScope: (await rs)?.coverageScope ?? body.coverageScope ?? 'village',
            ruleSetSnapshot: (await rs)?.snapshot ?? null,
            doubleEntry: body.doubleEntry ?? false,
            historical: body.historical ?? false,
            purpose: body.purpose ?? 'recognition',
            villageIds: body.villageIds ? [...new Set(body.villageIds)] : null,
            opensAt: new Date(body.opensAt).toISOString(),
            closesAt: new Date(body.closesAt).toISOString(),
            createdBy: actor.id,
            previousRoundId: previousRoundId ?? null,
          },
          tx,
        )
        await audit.record(tx, {
          actorId: actor.id,
          action: 'round.create',
          targetType: 'round',
          targetId: row.id,
          data: {
            communeId: row.communeId,
            level: row.level,
            thresholdBp: row.thresholdBp,
            coverageBp: row.coverageBp,
            coverageScope: row.coverageScope,
            ruleSet: rs ? { id: (await rs).snapshot.id, code: (await rs).snapshot.code, version: (await rs).snapshot.version } : null,
            template: { id: template.id, code: template.code, version: template.version },
            ...(body.historical ? { historical: true } : {}),
          },
        })
        if (override) await recordOverride(tx, actor, row.id, override)
        return toDto(row)
      })
    },

    async update(actor: Actor, id: string, body: UpdateRoundBody): Promise<Round> {
      const r = await getManaged(actor, id)
      if (r.status !== 'draft') throw invalidTransition(r.status, 'edit')
      if (body.level) levelRule(body.level)
      const level = body.level ?? r.level
      const template = await questionnaires.templateById(body.templateId ?? r.templateId)
      if (!template) throw notFound('questionnaire template')
      if (body.templateId || body.level) assertTemplateFits(template, level)
      await checkTitle(body.title)
      const { ruleSetId, ruleOverrideReason, historical: givenHistorical, ...fields } = body
      // stored on the round: an edit of a historical round keeps its earlier period unless the flag is cleared
      const historical = givenHistorical ?? r.historical
      const snapshot = r.ruleSetSnapshot as RuleSetSnapshot | null
      const opensAt = body.opensAt ? new Date(body.opensAt).toISOString() : r.opensAt
      const closesAt = body.closesAt ? new Date(body.closesAt).toISOString() : r.closesAt
      checkWindow(opensAt, closesAt)
      // an edit that moves the window or changes the form or rule set is held to the same periods as creation
      const period = roundDays(opensAt, closesAt)
      const moved = body.opensAt !== undefined || body.closesAt !== undefined
      if (moved) {
        const commune = await units.findById(r.communeId)
        if (commune) assertUnitInForce(commune, period)
      }
      if ((moved || body.templateId) && !historical) assertTemplateInPeriod(template, period)
      if (
        moved &&
        !ruleSetId &&
        snapshot &&
        !historical &&
        !covers(snapshot.legalBasis.effectiveFrom, snapshot.legalBasis.effectiveTo, period)
      )
        throw new AppError(
          'rule_set_out_of_period',
          `Bộ quy tắc ${snapshot.code} (${snapshot.legalBasis.number}) có hiệu lực ${periodVi(snapshot.legalBasis.effectiveFrom, snapshot.legalBasis.effectiveTo)}, không bao trùm thời gian mới của đợt (${dayVi(period.first)} – ${dayVi(period.last)}); chọn bộ quy tắc đang có hiệu lực.`,
          422,
          { effectiveFrom: snapshot.legalBasis.effectiveFrom, effectiveTo: snapshot.legalBasis.effectiveTo, ...period },
        )
      let ruleFields: Record<string, unknown> = {}
      if (ruleSetId) {
        const rs = await ruleSetFor(ruleSetId, level, body, period)
        ruleFields = {
          ruleSetSnapshot: rs.snapshot,
          thresholdBp: rs.thresholdBp ?? r.thresholdBp,
          coverageBp: rs.coverageBp ?? r.coverageBp,
          coverageScope: rs.coverageScope ?? r.coverageScope,
        }
      } else if (snapshot && body.level && !snapshot.levels.includes(body.level)) {
        throw new AppError('rule_set_level_mismatch', `Bộ quy tắc ${snapshot.code} không áp dụng cho cấp ${body.level}`, 400, {
          levels: snapshot.levels,
          level: body.level,
        })
      } else if (snapshot && (body.thresholdBp !== undefined || body.coverageBp !== undefined || body.coverageScope !== undefined)) {
        // explicit numbers replace the rule set: the round goes back to the two-bar rule
        ruleFields = { ruleSetSnapshot: null }
      }
      if (
        body.villageIds &&
        (await villagesOf({ communeId: r.communeId, villageIds: body.villageIds })).length !== new Set(body.villageIds).size
      ) {
        throw badRequest('validation_failed', 'villages must belong to the commune', {
          issues: [{ path: 'villageIds', message: 'unknown village' }],
        })
      }
      // the numbers as they will be after this edit, checked against the level's rule whenever the edit touches them
      const touchesRule = body.thresholdBp !== undefined || body.coverageBp !== undefined || body.level !== undefined
      // a rule set governs its own bars; explicit numbers (or a level change without a rule set) meet the level's rule
      const withoutRuleSet = !ruleSetId && (!snapshot || ruleFields.ruleSetSnapshot === null)
      const override = await (withoutRuleSet && touchesRule
        ? checkRuleFloor(
            actor,
            level,
            { thresholdBp: body.thresholdBp ?? r.thresholdBp, coverageBp: body.coverageBp ?? r.coverageBp },
            ruleOverrideReason,
          )
        : null)
      return db.transaction(async (tx) => {
        const row = await repo.update(id, { ...fields, ...ruleFields, opensAt, closesAt, historical }, tx)
        if (override) await recordOverride(tx, actor, id, override)
        await audit.record(tx, {
          actorId: actor.id,
          action: 'round.update',
          targetType: 'round',
          targetId: id,
          data: { fields: Object.keys(body).filter((k) => k !== 'historical'), ...(historical ? { historical: true } : {}) },
        })
        return toDto(row)
      })
    },

    /** draft → open: snapshot the questionnaire and the household frame; refuse a commune without households. */
    async open(actor: Actor, id: string): Promise<Round> {
      const r = await getManaged(actor, id)
      if (r.status !== 'draft') throw invalidTransition(r.status, 'open')
      const now = clock.now()
      if (new Date(r.closesAt).getTime() <= now.getTime())
        throw conflict('invalid_transition', 'the collection window has already ended; edit closesAt first')
      const template = await questionnaires.templateById(r.templateId)
      if (!template) throw notFound('questionnaire template')
      const frame = await frameOf(r)
      const total = Object.values(frame).reduce((a, b) => a + b, 0)
      if (total === 0) throw conflict('no_households', 'the commune has no active households; import them first')
      return await db.transaction(async (tx) => {
        await assertNoOtherOpen(r)
        const row = await transition(tx, r, 'open', actor, null, {
          patch: {
            openedAt: now.toISOString(),
            questionnaireSnapshot: template.questions.map((q) => ({
              key: q.key,
              text: q.text,
              criterionRef: q.criterionRef ?? null,
              isOverall: q.isOverall,
              ...(q.answerType ? { answerType: q.answerType } : {}),
              ...(q.favourable ? { favourable: q.favourable } : {}),
            })),
            frameSnapshot: frame,
          },
          data: { households: total, templateId: template.id, templateVersion: template.version },
        })
        return toDto(row)
      })
    },

    async close(actor: Actor, id: string, reason?: string): Promise<Round> {
      const r = await getManaged(actor, id)
      if (r.status !== 'open') throw invalidTransition(r.status, 'close')
      return await db.transaction(async (tx) => toDto(await transition(tx, r, 'closed', actor, reason ?? null)))
    },

    /**
     * closed → open again: only front_staff of a province (above the commune), with a reason, and only before any
     * result was disclosed (a round closed by mistake); afterwards more answers go to a follow-up round.
     */
    async reopen(actor: Actor, id: string, body: { reason: string; closesAt?: string | undefined }): Promise<Round> {
      const r = await getManaged(actor, id)
      const unit = await units.findById(actor.unitId)
      if (unit?.kind !== 'province') throw forbidden('only province-level Front staff may reopen a round')
      if (r.status !== 'closed') throw invalidTransition(r.status, 'reopen')
      if (r.disclosedAt) throw resultsDisclosed(r.disclosedAt)
      const closesAt = body.closesAt ? new Date(body.closesAt).toISOString() : r.closesAt
      if (new Date(closesAt).getTime() <= clock.now().getTime()) {
        throw badRequest('validation_failed', 'give a new closesAt in the future to reopen', {
          issues: [{ path: 'closesAt', message: 'must be in the future' }],
        })
      }
      return await db.transaction(async (tx) => {
        await assertNoOtherOpen(r)
        return toDto(await transition(tx, r, 'open', actor, body.reason, { patch: { closesAt }, data: { closesAt } }))
      })
    },

    /** Close every open round whose window has ended (run periodically by the server). */
    async closeExpired(): Promise<number> {
      const now = clock.now().toISOString()
      const expired = await repo.expiredOpen(now)
      let closed = 0
      for (const r of expired) {
        // A person may have closed it since the list was read: then there is nothing left to do.
        await db.transaction(async (tx) => {
          if ((await repo.findById(r.id, tx))?.status !== 'open') return
          // unsettled paper forms keep it open (no new ballot is taken after the window) until they are settled
          if (await closeBlocker(r.id, tx)) return
          await transition(tx, r, 'closed', null, 'collection window ended', { patch: { closedAt: now } })
          closed++
        })
      }
      return closed
    },

    /** Collectors of a round and their villages: all of them for front staff, one's own for a collector. */
    async collectors(actor: Actor, id: string): Promise<{ userId: string; username: string; villageIds: string[] }[]> {
      const r = await getVisible(actor, id)
      if (actor.role === 'council') throw forbidden()
      const byUser = new Map<string, { userId: string; username: string; villageIds: string[] }>()
      for (const a of await repo.assignments(r.id)) {
        if (actor.role === 'collector' && a.userId !== actor.id) continue
        const cur = byUser.get(a.userId) ?? { userId: a.userId, username: a.username, villageIds: [] }
        cur.villageIds.push(a.villageId)
        byUser.set(a.userId, cur)
      }
      return [...byUser.values()]
    },

    /** Assign a collector (a user with role collector in scope) to some villages of the round. */
    async assignCollector(
      actor: Actor,
      id: string,
      body: { userId: string; villageIds: string[] },
    ): Promise<{ userId: string; villageIds: string[] }> {
      const r = await getManaged(actor, id)
      // An unknown user used to reach the foreign key and answer 500 (found by fuzzing): the assignee must
      // be a collector account in the caller's scope, else 404 like any id outside it.
      const user = await repo.userById(body.userId)
      if (user?.role !== 'collector' || user.disabled || !(await within(user.unitId, actor.unitId))) throw notFound('collector')
      const villages = new Set((await villagesOf(r)).map((v) => v.id))
      const bad = body.villageIds.filter((v) => !villages.has(v))
      if (bad.length)
        throw badRequest('validation_failed', 'villages must belong to the round commune', {
          issues: bad.map((v) => ({ path: 'villageIds', message: `unknown village ${v}` })),
        })
      return db.transaction(async (tx) => {
        await repo.assignCollector(id, body.userId, body.villageIds, tx)
        await audit.record(tx, { actorId: actor.id, action: 'round.assign_collector', targetType: 'round', targetId: id, data: body })
        return body
      })
    },
  }
}
export type RoundService = ReturnType<typeof createRoundService>
