import type { AppDb } from '@app/db'
import {
  type FeedbackItem,
  type FeedbackQuery,
  type FeedbackStatus,
  type FeedbackSummary,
  mergedVillagesLabelVi,
  type UpdateFeedbackBody,
} from '@app/shared'
import { AppError, badRequest, forbidden, notFound } from '../../lib/app-error.js'
import type { AuditService } from '../audit/service.js'
import { type Actor, assertRole } from '../policy.js'
import type { RoundRow } from '../rounds/repo.js'
import type { RoundService } from '../rounds/service.js'
import type { UnitService } from '../units/service.js'
import { createFeedbackRepo, type FeedbackRow } from './repo.js'

/** The only allowed moves: new → forwarded (to an agency) → resolved (with a follow-up note). */
const NEXT: Record<FeedbackStatus, FeedbackStatus | null> = { new: 'forwarded', forwarded: 'resolved', resolved: null }

/**
 * The feedback inbox: every "not satisfied" reason and every comment, per question/criterion,
 * without identity (no ballot id, no household, no time). Front staff in scope (and admin).
 */
export function createFeedbackService(deps: {
  db: AppDb
  audit: AuditService
  rounds: RoundService
  units: UnitService
  /** Villages whose results are withheld (TRUST.md §2.2): their reasons and comments name no village. */
  privacy: { hiddenVillagesOf(r: RoundRow): Promise<Set<string>>; minCell: number }
}) {
  const { db, audit, rounds, units, privacy } = deps
  const repo = createFeedbackRepo(db)

  /** The round of an inbox request: reasons and comments are results, served once the round has closed (TRUST.md §2.2). */
  async function roundFor(actor: Actor, roundId: string): Promise<RoundRow> {
    const r = await rounds.getVisible(actor, roundId)
    if (actor.role !== 'admin' && actor.role !== 'front_staff') throw forbidden('the feedback inbox is for Front staff')
    await rounds.disclose(actor, r, 'feedback')
    return r
  }

  async function toItems(r: RoundRow, rows: FeedbackRow[]): Promise<FeedbackItem[]> {
    const questions = new Map((await rounds.questionsOf(r)).map((q) => [q.key, q]))
    const villages = new Map((await units.children(r.communeId, 'village')).map((v) => [v.id, v.name]))
    const hidden = await privacy.hiddenVillagesOf(r)
    return rows.map((f) => {
      const q = f.questionKey ? questions.get(f.questionKey) : undefined
      // a reason from a village under the privacy minimum (or its complement) would point at its few households
      const withheld = f.villageId !== null && hidden.has(f.villageId)
      return {
        id: f.id,
        kind: f.kind,
        questionKey: f.questionKey,
        questionText: q?.text ?? null,
        criterionRef: q?.criterionRef ?? null,
        villageId: withheld ? null : f.villageId,
        villageName: withheld ? mergedVillagesLabelVi(privacy.minCell) : f.villageId ? (villages.get(f.villageId) ?? null) : null,
        text: f.text,
        status: f.status,
        assigneeAgency: f.assigneeAgency,
        followUp: f.followUp,
      }
    })
  }

  return {
    /** Counts and the most frequent texts of a round's feedback, for the minutes. */
    counts: repo.counts,
    topTexts: repo.topTexts,

    async list(actor: Actor, roundId: string, q: FeedbackQuery) {
      const r = await roundFor(actor, roundId)
      const { items, total } = await repo.list(r.id, q, q)
      return { items: await toItems(r, items), page: q.page, limit: q.limit, total }
    },

    async update(actor: Actor, id: string, body: UpdateFeedbackBody): Promise<FeedbackItem> {
      assertRole(actor, ['admin', 'front_staff'])
      const f = await repo.findById(id)
      if (!f) throw notFound('feedback')
      const r = await roundFor(actor, f.roundId)
      if (NEXT[f.status] !== body.status)
        throw new AppError(
          'invalid_transition',
          `feedback goes new → forwarded → resolved; cannot move ${f.status} → ${body.status}`,
          409,
          {
            status: f.status,
          },
        )
      if (body.status === 'forwarded' && !body.assigneeAgency && !f.assigneeAgency)
        throw badRequest('validation_failed', 'say which agency the feedback is forwarded to', {
          issues: [{ path: 'assigneeAgency', message: 'required when forwarding' }],
        })
      if (body.status === 'resolved' && !body.followUp)
        throw badRequest('validation_failed', 'describe how the feedback was resolved', {
          issues: [{ path: 'followUp', message: 'required when resolving' }],
        })
      return await db.transaction(async (tx) => {
        const row = await repo.update(
          id,
          {
            status: body.status,
            ...(body.assigneeAgency ? { assigneeAgency: body.assigneeAgency } : {}),
            ...(body.followUp ? { followUp: body.followUp } : {}),
          },
          tx,
        )
        await audit.record(tx, {
          actorId: actor.id,
          action: `feedback.${body.status === 'forwarded' ? 'forward' : 'resolve'}`,
          targetType: 'feedback',
          targetId: id,
          data: { roundId: r.id, from: f.status, to: body.status, assigneeAgency: body.assigneeAgency ?? f.assigneeAgency ?? null },
        })
        return (await toItems(r, [row]))[0] as FeedbackItem
      })
    },

    async summary(actor: Actor, roundId: string): Promise<FeedbackSummary> {
      const r = await roundFor(actor, roundId)
      const zero = () => ({ total: 0, new: 0, forwarded: 0, resolved: 0 })
      const total = zero()
      const comments = zero()
      const questions = await rounds.questionsOf(r)
      const byQuestion = new Map(
        questions.map((q) => [q.key, { questionKey: q.key, questionText: q.text, criterionRef: q.criterionRef ?? null, ...zero() }]),
      )
      for (const c of await repo.counts(r.id)) {
        const add = (o: ReturnType<typeof zero>) => {
          o.total += c.n
          o[c.status] += c.n
        }
        add(total)
        if (c.kind === 'comment' || !c.questionKey) add(comments)
        else {
          let q = byQuestion.get(c.questionKey)
          if (!q) {
            q = { questionKey: c.questionKey, questionText: c.questionKey, criterionRef: null, ...zero() }
            byQuestion.set(c.questionKey, q)
          }
          add(q)
        }
      }
      const byCriterion = new Map<string, { criterionRef: string } & ReturnType<typeof zero>>()
      for (const q of byQuestion.values()) {
        if (!q.criterionRef) continue
        const c = byCriterion.get(q.criterionRef) ?? { criterionRef: q.criterionRef, ...zero() }
        for (const k of ['total', 'new', 'forwarded', 'resolved'] as const) c[k] += q[k]
        byCriterion.set(q.criterionRef, c)
      }
      return { roundId: r.id, total, byQuestion: [...byQuestion.values()], byCriterion: [...byCriterion.values()], comments }
    },
  }
}
export type FeedbackService = ReturnType<typeof createFeedbackService>
