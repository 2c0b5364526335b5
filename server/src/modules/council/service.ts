import type { AppDb, Conn } from '@app/db'
import {
  type AmendCouncilDecisionBody,
  type CouncilDecision,
  type CouncilDecisionKind,
  type CouncilDecisionList,
  type CreateCouncilDecisionBody,
  decisionAgainstVerdict,
  type RecordEvent,
  type ResurveyBody,
  type Round,
  type RoundTally,
} from '@app/shared'
import { AppError, conflict, notFound } from '../../lib/app-error.js'
import type { Clock } from '../../lib/clock.js'
import type { AuditService } from '../audit/service.js'
import { type Actor, assertRole } from '../policy.js'
import type { RoundRow } from '../rounds/repo.js'
import type { RoundService } from '../rounds/service.js'
import { createTallyRepo } from '../tally/repo.js'
import type { TallyService } from '../tally/service.js'
import { type CouncilDecisionRow, createCouncilRepo } from './repo.js'

type Verdict = RoundTally['commune']['verdict']

/** The audit actions that make up a sealed result's record (the public page and the minutes list them). */
const RECORD_ACTIONS = ['round.seal', 'round.unseal', 'round.reopen', 'council.decide', 'council.amend', 'council.void'] as const

function toDto(r: CouncilDecisionRow & { recordedByName?: string | null }, state: CouncilDecision['state']): CouncilDecision {
  return {
    id: r.id,
    roundId: r.roundId,
    votesFor: r.votesFor,
    votesAgainst: r.votesAgainst,
    votesAbstain: r.votesAbstain,
    decision: r.decision,
    notes: r.notes,
    decidedAt: r.decidedAt,
    recordedBy: r.recordedBy,
    recordedByName: r.recordedByName ?? null,
    createdAt: r.createdAt,
    version: r.version,
    supersedesId: r.supersedesId,
    reason: r.reason,
    verdict: (r.verdict as Verdict | null) ?? null,
    againstVerdict: r.againstVerdict,
    state,
    voidedAt: r.voidedAt,
    voidReason: r.voidReason,
  }
}

/** What the audit entry of a decision or amendment carries: enough to print the record without the row. */
function decisionData(row: CouncilDecisionRow): Record<string, unknown> {
  return {
    decisionId: row.id,
    version: row.version,
    supersedesId: row.supersedesId,
    decision: row.decision,
    votesFor: row.votesFor,
    votesAgainst: row.votesAgainst,
    votesAbstain: row.votesAbstain,
    decidedAt: row.decidedAt,
    againstVerdict: row.againstVerdict,
  }
}

const event = (kind: RecordEvent['kind'], at: string, over: Partial<RecordEvent> = {}): RecordEvent => ({
  kind,
  at,
  reason: null,
  ledgerRootHash: null,
  decision: null,
  votes: null,
  decidedAt: null,
  version: null,
  againstVerdict: null,
  ...over,
})

/**
 * The appraisal council's decision on a sealed round (DOMAIN §1.4: the council votes, e.g. 20/20), on the record
 * (TRUST.md §2.8): a decision belongs to one seal; it is amended by a new version with a reason, never
 * overwritten; one against the verdict of the rule set needs a reason; unsealing voids it (kept in history).
 * `return_for_resurvey` marks the round `returned`; Front staff may then open a new round linked to it.
 */
export function createCouncilService(deps: { db: AppDb; clock: Clock; audit: AuditService; rounds: RoundService; tally: TallyService }) {
  const { db, clock, audit, rounds, tally } = deps
  const repo = createCouncilRepo(db)
  const tallyRepo = createTallyRepo(db)

  /** The seal a decision is made on: the round sealed (or returned) with its frozen result. */
  async function sealOf(r: RoundRow, tx: Conn, action: string) {
    const s = r.status === 'sealed' || r.status === 'returned' ? await tallyRepo.sealed(r.id, tx) : undefined
    if (!s)
      throw new AppError('invalid_transition', `the council decides on sealed rounds; this one is ${r.status}`, 409, {
        status: r.status,
        action,
      })
    return { sealId: s.sealId, verdict: (JSON.parse(s.tallyJson) as RoundTally).commune.verdict }
  }

  function assertReason(decision: CouncilDecisionKind, verdict: Verdict, reason: string | undefined) {
    if (decisionAgainstVerdict(decision, verdict) && !reason?.trim())
      throw new AppError(
        'reason_required_against_verdict',
        'Quyết định này khác với kết luận theo quy định; cần ghi rõ lý do của hội đồng.',
        422,
        { decision, verdict, issues: [{ path: 'reason', message: 'Cần ghi lý do khi quyết định khác với kết luận theo quy định.' }] },
      )
  }

  // unsealing voids the decision made on that seal, in the same transaction (kept, with the unseal's reason)
  tally.onUnsealing(async ({ roundId, sealId, actor, reason }, tx) => {
    const current = await repo.current(roundId, sealId, tx)
    if (!current) return
    await repo.markVoided(current.id, { voidedAt: clock.now().toISOString(), voidedBy: actor.id, voidReason: reason }, tx)
    await audit.record(tx, {
      actorId: actor.id,
      action: 'council.void',
      targetType: 'round',
      targetId: roundId,
      reason,
      data: { decisionId: current.id, version: current.version },
    })
  })

  /** Seal, unseal, reopen (after the first seal), reseal and decisions, from the hash-chained audit log, in its order. */
  async function history(roundId: string, tx: Conn = db): Promise<RecordEvent[]> {
    const out: RecordEvent[] = []
    let sealed = false
    for (const e of await audit.about(tx, 'round', roundId, RECORD_ACTIONS)) {
      const d = (e.data ? JSON.parse(e.data) : {}) as Record<string, unknown>
      const root = typeof d.ledgerRootHash === 'string' ? d.ledgerRootHash : null
      switch (e.action) {
        case 'round.seal':
          out.push(event(sealed ? 'reseal' : 'seal', e.at, { ledgerRootHash: root }))
          sealed = true
          break
        case 'round.unseal':
          out.push(event('unseal', e.at, { reason: e.reason, ledgerRootHash: root }))
          break
        case 'round.reopen':
          if (sealed) out.push(event('reopen', e.at, { reason: e.reason }))
          break
        case 'council.decide':
        case 'council.amend':
          out.push(
            event(e.action === 'council.decide' ? 'decision' : 'amendment', e.at, {
              reason: e.reason,
              decision: d.decision as CouncilDecisionKind,
              votes: { for: Number(d.votesFor ?? 0), against: Number(d.votesAgainst ?? 0), abstain: Number(d.votesAbstain ?? 0) },
              decidedAt: typeof d.decidedAt === 'string' ? d.decidedAt : null,
              version: typeof d.version === 'number' ? d.version : 1,
              againstVerdict: typeof d.againstVerdict === 'boolean' ? d.againstVerdict : null,
            }),
          )
          break
        case 'council.void':
          out.push(event('void', e.at, { reason: e.reason, version: typeof d.version === 'number' ? d.version : null }))
          break
      }
    }
    return out
  }

  /** The decision in force on the round's current seal, as the record prints it. */
  async function currentDecision(roundId: string, sealId: string): Promise<RecordEvent | null> {
    const c = await repo.current(roundId, sealId)
    if (!c) return null
    return event(c.version === 1 ? 'decision' : 'amendment', c.createdAt, {
      reason: c.reason,
      decision: c.decision,
      votes: { for: c.votesFor, against: c.votesAgainst, abstain: c.votesAbstain },
      decidedAt: c.decidedAt,
      version: c.version,
      againstVerdict: c.againstVerdict,
    })
  }

  /** Move the round between sealed and returned when a (new version of the) decision starts or stops returning it. */
  async function followDecision(
    tx: Conn,
    r: RoundRow,
    from: CouncilDecisionKind | null,
    to: CouncilDecisionKind,
    actor: Actor,
    note: string | null,
  ) {
    const returning = to === 'return_for_resurvey'
    const wasReturning = from === 'return_for_resurvey'
    if (returning && !wasReturning) await rounds.transition(tx, r, 'returned', actor, note)
    if (!returning && wasReturning) {
      const resurvey = await repo.resurveyOf(r.id, tx)
      if (resurvey)
        throw conflict('resurvey_exists', 'Đã tạo đợt lấy ý kiến lại cho đợt này; không thể bỏ quyết định trả lại.', {
          roundId: resurvey.id,
        })
      await rounds.transition(tx, r, 'sealed', actor, note)
    }
  }

  return {
    history,
    currentDecision,

    async record(actor: Actor, roundId: string, body: CreateCouncilDecisionBody): Promise<CouncilDecision> {
      const visible = await rounds.getVisible(actor, roundId)
      assertRole(actor, ['council'])
      // IMMEDIATE: two members saving at once must not both see "no decision yet"
      return await db.transaction(
        async (tx) => {
          const r = (await rounds.findById(visible.id, tx)) ?? visible
          const { sealId, verdict } = await sealOf(r, tx, 'council_decision')
          const current = await repo.current(r.id, sealId, tx)
          if (current)
            throw conflict(
              'decision_exists',
              'Hội đồng đã ghi quyết định cho kết quả này; muốn thay đổi thì sửa đổi quyết định, kèm lý do.',
              {
                currentId: current.id,
              },
            )
          assertReason(body.decision, verdict, body.reason)
          const row = await repo.insert(
            {
              roundId: r.id,
              sealId,
              version: 1,
              votesFor: body.votesFor,
              votesAgainst: body.votesAgainst,
              votesAbstain: body.votesAbstain,
              decision: body.decision,
              notes: body.notes || null,
              decidedAt: body.decidedAt,
              recordedBy: actor.id,
              reason: body.reason || null,
              verdict,
              againstVerdict: decisionAgainstVerdict(body.decision, verdict),
            },
            tx,
          )
          await followDecision(tx, r, null, body.decision, actor, body.notes || null)
          await audit.record(tx, {
            actorId: actor.id,
            action: 'council.decide',
            targetType: 'round',
            targetId: r.id,
            reason: row.reason,
            data: decisionData(row),
          })
          return toDto({ ...row, recordedByName: actor.username }, 'current')
        },
        { behavior: 'immediate' },
      )
    },

    /** A new version of the decision in force (`decisionId` must be it), with the reason; the old one stays in history. */
    async amend(actor: Actor, roundId: string, decisionId: string, body: AmendCouncilDecisionBody): Promise<CouncilDecision> {
      const visible = await rounds.getVisible(actor, roundId)
      assertRole(actor, ['council'])
      return await db.transaction(
        async (tx) => {
          const r = (await rounds.findById(visible.id, tx)) ?? visible
          const target = await repo.findById(decisionId, tx)
          if (!target || target.roundId !== r.id) throw notFound('council decision')
          const { sealId, verdict } = await sealOf(r, tx, 'council_amend')
          const current = await repo.current(r.id, sealId, tx)
          if (!current || current.id !== target.id)
            throw conflict(
              'decision_superseded',
              'Quyết định này đã được sửa đổi hoặc không còn hiệu lực; hãy tải lại trang để xem quyết định hiện hành.',
              {
                currentId: current?.id ?? null,
              },
            )
          assertReason(body.decision, verdict, body.reason)
          const row = await repo.insert(
            {
              roundId: r.id,
              sealId,
              version: current.version + 1,
              supersedesId: current.id,
              votesFor: body.votesFor,
              votesAgainst: body.votesAgainst,
              votesAbstain: body.votesAbstain,
              decision: body.decision,
              notes: body.notes || null,
              decidedAt: body.decidedAt,
              recordedBy: actor.id,
              reason: body.reason,
              verdict,
              againstVerdict: decisionAgainstVerdict(body.decision, verdict),
            },
            tx,
          )
          await followDecision(tx, r, current.decision, body.decision, actor, body.reason)
          await audit.record(tx, {
            actorId: actor.id,
            action: 'council.amend',
            targetType: 'round',
            targetId: r.id,
            reason: body.reason,
            data: decisionData(row),
          })
          return toDto({ ...row, recordedByName: actor.username }, 'current')
        },
        { behavior: 'immediate' },
      )
    },

    async list(actor: Actor, roundId: string): Promise<CouncilDecisionList> {
      const r = await rounds.getVisible(actor, roundId)
      assertRole(actor, ['admin', 'front_staff', 'council'])
      const seal = r.status === 'sealed' || r.status === 'returned' ? await tallyRepo.sealed(r.id) : undefined
      const current = seal ? await repo.current(r.id, seal.sealId) : undefined
      const rows = await repo.listByRound(r.id)
      const superseded = new Set(rows.map((x) => x.supersedesId).filter((x): x is string => x !== null))
      return {
        items: rows.map((x) =>
          toDto(x, x.voidedAt !== null ? 'voided' : superseded.has(x.id) ? 'superseded' : x.id === current?.id ? 'current' : 'voided'),
        ),
        currentId: current?.id ?? null,
        verdict: seal ? (JSON.parse(seal.tallyJson) as RoundTally).commune.verdict : null,
        history: await history(r.id),
      }
    },

    /** A new draft round re-surveying a returned one: same commune, level and thresholds, linked by previousRoundId. */
    async resurvey(actor: Actor, roundId: string, body: ResurveyBody): Promise<Round> {
      const r = await rounds.getManaged(actor, roundId)
      if (r.status !== 'returned')
        throw new AppError('invalid_transition', `only a round returned by the council can be re-surveyed; this one is ${r.status}`, 409, {
          status: r.status,
          action: 'resurvey',
        })
      return await db.transaction(async (tx) => {
        const existing = await repo.resurveyOf(r.id, tx)
        if (existing) throw conflict('already_exists', 'this round already has a re-survey round', { roundId: existing.id })
        const created = await rounds.create(
          actor,
          {
            communeId: r.communeId,
            level: r.level,
            templateId: body.templateId ?? r.templateId,
            title: body.title ?? `${r.title} (lấy ý kiến lại)`.slice(0, 300),
            opensAt: body.opensAt,
            closesAt: body.closesAt,
            thresholdBp: r.thresholdBp,
            coverageBp: r.coverageBp,
            coverageScope: r.coverageScope,
            doubleEntry: r.doubleEntry,
          },
          { previousRoundId: r.id },
        )
        await audit.record(tx, {
          actorId: actor.id,
          action: 'round.resurvey',
          targetType: 'round',
          targetId: created.id,
          data: { previousRoundId: r.id },
        })
        return created
      })
    },
  }
}
export type CouncilService = ReturnType<typeof createCouncilService>
