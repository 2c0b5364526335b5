import type { Db } from '@app/db'
import type { CouncilDecision, CreateCouncilDecisionBody, ResurveyBody, Round } from '@app/shared'
import { AppError, conflict } from '../../lib/app-error.js'
import type { AuditService } from '../audit/service.js'
import { type Actor, assertRole } from '../policy.js'
import type { RoundService } from '../rounds/service.js'
import { type CouncilDecisionRow, createCouncilRepo } from './repo.js'

function toDto(r: CouncilDecisionRow): CouncilDecision {
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
    createdAt: r.createdAt,
  }
}

/**
 * The appraisal council's decision on a sealed round (DOMAIN §1.4: the council votes, e.g. 20/20).
 * `return_for_resurvey` marks the round `returned`; Front staff may then open a new round linked to it.
 */
export function createCouncilService(deps: { db: Db; audit: AuditService; rounds: RoundService }) {
  const { db, audit, rounds } = deps
  const repo = createCouncilRepo(db)

  return {
    record(actor: Actor, roundId: string, body: CreateCouncilDecisionBody): CouncilDecision {
      const r = rounds.getVisible(actor, roundId)
      assertRole(actor, ['council'])
      if (r.status !== 'sealed')
        throw new AppError('invalid_transition', `the council decides on sealed rounds; this one is ${r.status}`, 409, {
          status: r.status,
          action: 'council_decision',
        })
      return db.transaction((tx) => {
        if (repo.listByRound(r.id, tx).length > 0)
          throw conflict('already_exists', 'the council decision for this round is already recorded')
        const row = repo.insert(
          {
            roundId: r.id,
            votesFor: body.votesFor,
            votesAgainst: body.votesAgainst,
            votesAbstain: body.votesAbstain,
            decision: body.decision,
            notes: body.notes ?? null,
            decidedAt: body.decidedAt,
            recordedBy: actor.id,
          },
          tx,
        )
        if (body.decision === 'return_for_resurvey') rounds.transition(tx, r, 'returned', actor, body.notes ?? null)
        audit.record(tx, {
          actorId: actor.id,
          action: 'council.decide',
          targetType: 'round',
          targetId: r.id,
          data: {
            decision: body.decision,
            votesFor: body.votesFor,
            votesAgainst: body.votesAgainst,
            votesAbstain: body.votesAbstain,
            decidedAt: body.decidedAt,
          },
        })
        return toDto(row)
      })
    },

    list(actor: Actor, roundId: string): CouncilDecision[] {
      const r = rounds.getVisible(actor, roundId)
      assertRole(actor, ['admin', 'front_staff', 'council'])
      return repo.listByRound(r.id).map(toDto)
    },

    /** A new draft round re-surveying a returned one: same commune, level and thresholds, linked by previousRoundId. */
    resurvey(actor: Actor, roundId: string, body: ResurveyBody): Round {
      const r = rounds.getManaged(actor, roundId)
      if (r.status !== 'returned')
        throw new AppError('invalid_transition', `only a round returned by the council can be re-surveyed; this one is ${r.status}`, 409, {
          status: r.status,
          action: 'resurvey',
        })
      return db.transaction((tx) => {
        const existing = repo.resurveyOf(r.id, tx)
        if (existing) throw conflict('already_exists', 'this round already has a re-survey round', { roundId: existing.id })
        const created = rounds.create(
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
        audit.record(tx, {
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
