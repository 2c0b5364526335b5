import type { AppDb } from '@app/db'
import type { CriteriaTrend, FollowUpCandidates } from '@app/shared'
import { hiddenQuestionCells, isSmallCell, satisfactionRate } from '@app/shared'
import { forbidden } from '../../lib/app-error.js'
import type { Actor } from '../policy.js'
import type { RoundRow } from '../rounds/repo.js'
import type { RoundService } from '../rounds/service.js'
import type { UnitService } from '../units/service.js'
import { createFollowUpRepo } from './repo.js'

const DONE: readonly RoundRow['status'][] = ['closed', 'sealed', 'returned']

/**
 * Re-survey follow-up: which villages were mostly dissatisfied on a question (the
 * target of a follow-up round after remediation, POST /api/rounds with purpose follow_up), and how
 * each criterion's rate moved across a commune's rounds.
 */
export function createFollowUpService(deps: {
  db: AppDb
  rounds: RoundService
  units: UnitService
  dissatisfiedBp: number
  /** PRIVACY_MIN_CELL */
  minBallots: number
  /** Villages whose results are withheld (small, or their complements): never named as candidates. */
  privacy: { hiddenVillagesOf(r: RoundRow): Promise<Set<string>> }
  /** The criteria set a round's form refers to (its criteria's names), null for a form without one. */
  criteriaOf(r: RoundRow): Promise<{ id: string; name: string; criteria: { ref: string; name: string }[] } | null>
}) {
  const { db, rounds, units, dissatisfiedBp, minBallots, privacy, criteriaOf } = deps
  const repo = createFollowUpRepo(db)

  function assertMayRead(actor: Actor, r: RoundRow) {
    if (actor.role === 'collector') throw forbidden('collectors see their own entry counts only')
    if (actor.role === 'council' && !['sealed', 'returned'].includes(r.status))
      throw forbidden('the council reads results once they are sealed')
  }

  return {
    /** Villages with ≥ minBallots valid ballots where the share not satisfied on some question ≥ the threshold. */
    async candidates(actor: Actor, roundId: string): Promise<FollowUpCandidates> {
      const r = await rounds.getVisible(actor, roundId)
      assertMayRead(actor, r)
      await rounds.disclose(actor, r, 'follow_up')
      const questions = new Map((await rounds.questionsOf(r)).map((q) => [q.key, q]))
      const names = new Map((await units.children(r.communeId, 'village')).map((v) => [v.id, v.name]))
      const byVillage = new Map<string, FollowUpCandidates['villages'][number]['questions']>()
      const cells = await repo.villageQuestions(r.id)
      const hiddenVillages = await privacy.hiddenVillagesOf(r)
      // a village's figures beside the commune's would give back a withheld neighbour (complementary suppression)
      const hidden = hiddenQuestionCells(
        [...questions.keys()],
        [...new Set(cells.map((c) => c.villageId))].map((unitId) => ({ unitId })),
        new Map(cells.map((c) => [`${c.questionKey}|${c.villageId}`, c.valid])),
        hiddenVillages,
        minBallots,
      )
      for (const c of cells) {
        const q = questions.get(c.questionKey)
        if (!q || c.valid < minBallots || hidden.has(`${c.questionKey}|${c.villageId}`)) continue
        const notSatisfied = c.valid - c.satisfied
        // integer-exact: notSatisfied / valid >= bp / 10000
        if (notSatisfied * 10_000 < dissatisfiedBp * c.valid) continue
        const list = byVillage.get(c.villageId) ?? []
        list.push({
          key: q.key,
          text: q.text,
          criterionRef: q.criterionRef ?? null,
          valid: c.valid,
          notSatisfied,
          dissatisfiedShare: notSatisfied / c.valid,
        })
        byVillage.set(c.villageId, list)
      }
      const order = [...questions.keys()]
      return {
        roundId: r.id,
        thresholdBp: dissatisfiedBp,
        minBallots,
        villages: [...byVillage.entries()]
          .map(([villageId, qs]) => ({
            villageId,
            villageName: names.get(villageId) ?? villageId,
            questions: qs.sort((a, b) => order.indexOf(a.key) - order.indexOf(b.key)),
          }))
          .sort((a, b) => a.villageName.localeCompare(b.villageName, 'vi')),
      }
    },

    /**
     * Per criterion ref: the commune-level rate in each round whose results are disclosed, oldest first. A closed
     * round nobody has read the result of yet is left out rather than disclosed by a list.
     */
    async criteriaTrend(actor: Actor, communeId: string): Promise<CriteriaTrend> {
      const commune = await units.getVisible(actor, communeId)
      if (actor.role === 'collector') throw forbidden('collectors see their own entry counts only')
      const visible = (r: RoundRow) =>
        r.disclosedAt !== null && (actor.role === 'council' ? ['sealed', 'returned'].includes(r.status) : DONE.includes(r.status))
      const list = (await rounds.listAll({ communeIds: [commune.id] })).filter(visible)
      const date = (r: RoundRow) => r.sealedAt ?? r.closedAt ?? r.closesAt
      list.sort((a, b) => date(a).localeCompare(date(b)))
      const counts = new Map((await repo.roundQuestions(list.map((r) => r.id))).map((c) => [`${c.roundId}|${c.questionKey}`, c]))
      // one row per criterion of one criteria set: "Tiêu chí 9" of QĐ 318/2022 and of QĐ 51/2025 are different criteria
      const rows = new Map<string, CriteriaTrend['criteria'][number]>()
      for (const r of list) {
        const set = await criteriaOf(r)
        for (const q of await rounds.questionsOf(r)) {
          if (!q.criterionRef) continue
          const c = counts.get(`${r.id}|${q.key}`)
          const valid = c?.valid ?? 0
          const small = isSmallCell(valid, minBallots)
          const satisfied = small ? null : (c?.satisfied ?? 0)
          const key = `${set?.id ?? ''}|${q.criterionRef}`
          const row = rows.get(key) ?? {
            criterionRef: q.criterionRef,
            name: set?.criteria.find((x) => x.ref === q.criterionRef)?.name ?? null,
            criteriaSet: set?.name ?? null,
            points: [],
          }
          row.points.push({
            roundId: r.id,
            title: r.title,
            purpose: r.purpose,
            status: r.status,
            date: date(r),
            closedAt: r.closedAt ?? r.closesAt,
            questionKey: q.key,
            valid,
            satisfied,
            rate: satisfied === null ? null : satisfactionRate(satisfied, valid),
          })
          rows.set(key, row)
        }
      }
      // sets in the order they were first used, criteria by number within a set
      const setOrder = [...new Set([...rows.keys()].map((k) => k.split('|')[0]))]
      return {
        communeId: commune.id,
        criteria: [...rows.entries()]
          .sort(
            ([a, x], [b, y]) =>
              setOrder.indexOf(a.split('|')[0]) - setOrder.indexOf(b.split('|')[0]) ||
              x.criterionRef.localeCompare(y.criterionRef, 'vi', { numeric: true }),
          )
          .map(([, row]) => row),
      }
    },
  }
}
export type FollowUpService = ReturnType<typeof createFollowUpService>
