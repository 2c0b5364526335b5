import type { AppDb } from '@app/db'
import type { PaperBallotBody } from '@app/shared'
import { AppError, badRequest, conflict, notFound } from '../../lib/app-error.js'
import type { Clock } from '../../lib/clock.js'
import { canonicalJson } from '../../lib/hash.js'
import type { AuditService } from '../audit/service.js'
import {
  alreadyAnswered,
  assertAcceptsBallots,
  assertSettlesPaper,
  cleanAnswers,
  submissionHash,
  validateAnswers as validate,
} from '../ballots/rules.js'
import type { BallotService } from '../ballots/service.js'
import type { HouseholdService } from '../households/service.js'
import { type Actor, assertRole } from '../policy.js'
import type { RoundService } from '../rounds/service.js'
import { createPaperRepo } from './repo.js'

/**
 * Paper and meeting ballots keyed by staff: single entry, or double entry (two keyings by different people,
 * matched by the form's serial) with the reconciliation of forms whose keyings disagree. A settled form is
 * accepted through the ballot service like any other ballot.
 */
export function createPaperService(deps: {
  db: AppDb
  clock: Clock
  audit: AuditService
  rounds: RoundService
  households: HouseholdService
  ballots: BallotService
}) {
  const { db, clock, audit, rounds, households, ballots } = deps
  const repo = createPaperRepo(db)
  // a paper form keyed once or twice is a household's answer not counted yet, and its rows name the household
  // (TRUST.md §2.1): the round closes once every form is settled
  rounds.checkBeforeClose(async (roundId, tx) => {
    const { mismatches, awaitingSecondEntry } = await repo.unsettledPaper(roundId, tx)
    const n = mismatches + awaitingSecondEntry
    if (n === 0) return null
    const parts = [
      mismatches ? `${mismatches} phiếu lệch giữa hai lần nhập` : null,
      awaitingSecondEntry ? `${awaitingSecondEntry} phiếu chờ nhập lần hai` : null,
    ].filter(Boolean)
    return new AppError(
      'unresolved_mismatches',
      `Còn ${n} phiếu giấy nhập hai lần chưa đối chiếu xong (${parts.join(', ')}). Hãy đối chiếu hết trước khi kết thúc đợt.`,
      409,
      { unresolved: n, mismatches, awaitingSecondEntry },
    )
  })

  return {
    /**
     * A paper or meeting ballot keyed by staff. front_staff of the commune for any village; a
     * collector only for the villages assigned to them in this round. In double-entry rounds the
     * first keying waits for a second one by someone else (matched by serial).
     */
    async enterPaper(
      actor: Actor,
      roundId: string,
      body: PaperBallotBody & { serial?: string | undefined },
    ): Promise<{ status: 'counted'; receipt: string } | { status: 'pending' | 'mismatch' }> {
      assertRole(actor, ['front_staff', 'collector'])
      const round = await rounds.getVisible(actor, roundId)
      if (actor.role === 'front_staff') await rounds.getManaged(actor, roundId)
      const hh = await households.findById(body.householdId)
      const villages = new Set((await rounds.villagesOf(round)).map((v) => v.id))
      if (!hh || !villages.has(hh.villageId)) throw notFound('household')
      if (actor.role === 'collector' && !(await rounds.collectorVillages(round.id, actor.id)).includes(hh.villageId))
        throw notFound('household')
      const completing = round.doubleEntry && !!body.serial && (await repo.paperEntriesFor(round.id, body.serial)).length > 0
      if (completing) assertSettlesPaper(round)
      else assertAcceptsBallots(round, clock.now())
      const questions = await rounds.questionsOf(round)
      validate(questions, body.answers)
      const answers = cleanAnswers(questions, body.answers)
      const comment = body.comment?.trim() || null
      const contentHash = submissionHash(answers, comment)
      return await db.transaction(async (tx) => {
        // a close may have committed since the check above
        const current = await rounds.windowOf(round.id, tx)
        if (!current) throw notFound('round')
        if (completing) assertSettlesPaper(current)
        else assertAcceptsBallots(current, clock.now())
        if (await ballots.participated(round.id, hh.id, tx)) throw alreadyAnswered()
        if (round.doubleEntry) {
          if (!body.serial)
            throw badRequest('validation_failed', 'this round uses double entry: give the paper serial number', {
              issues: [{ path: 'serial', message: 'required' }],
            })
          const prior = await repo.paperEntriesFor(round.id, body.serial, tx)
          if (prior.some((p) => p.enteredBy === actor.id))
            throw conflict('same_enterer', 'the second entry of a paper form must be made by another person')
          const serial = body.serial
          const stage = () =>
            repo.insertPaperEntry(
              {
                roundId: round.id,
                serial,
                householdId: hh.id,
                villageId: hh.villageId,
                channel: body.channel,
                answers,
                comment,
                enteredBy: actor.id,
              },
              tx,
            )
          const first = prior[0]
          if (!first) {
            await stage()
            await audit.record(tx, {
              actorId: actor.id,
              action: 'paper.first_entry',
              targetType: 'round',
              targetId: round.id,
              data: { serial: body.serial },
            })
            return { status: 'pending' as const }
          }
          const same =
            first.householdId === hh.id && first.channel === body.channel && submissionHash(first.answers, first.comment) === contentHash
          if (!same || first.status === 'mismatch') {
            await stage()
            await repo.markPaperMismatch(round.id, body.serial, tx)
            await audit.record(tx, {
              actorId: actor.id,
              action: 'paper.mismatch',
              targetType: 'round',
              targetId: round.id,
              data: { serial: body.serial },
            })
            return { status: 'mismatch' as const }
          }
          await repo.deletePaperEntries(round.id, body.serial, tx)
        }
        const { receipt } = await ballots.acceptKeyed({
          round,
          householdId: hh.id,
          villageId: hh.villageId,
          channel: body.channel,
          answers,
          comment,
          contentHash,
          enteredBy: actor.id,
          paperSerial: body.serial ?? null,
        })
        // day only and no serial: an entry's time or form number must not order paper ballots (TRUST.md §2.1)
        await audit.record(tx, {
          actorId: actor.id,
          action: 'ballot.paper',
          targetType: 'round',
          targetId: round.id,
          data: { channel: body.channel, villageId: hh.villageId },
          dayOnly: true,
        })
        return { status: 'counted' as const, receipt }
      })
    },

    /**
     * The double-entry reconciliation queue: serials waiting for a second keying or in conflict. Shows
     * which fields differ, never who the household is.
     */
    async paperQueue(actor: Actor, roundId: string) {
      const round = await rounds.getManaged(actor, roundId)
      const rows = await repo.paperQueue(round.id)
      const bySerial = new Map<string, typeof rows>()
      for (const r of rows) bySerial.set(r.serial, [...(bySerial.get(r.serial) ?? []), r])
      return [...bySerial.entries()].map(([serial, entries]) => {
        const [a, b] = entries
        const keys = new Set([...Object.keys(a?.answers ?? {}), ...Object.keys(b?.answers ?? {})])
        const differs = b ? [...keys].filter((k) => canonicalJson(a?.answers[k] ?? null) !== canonicalJson(b.answers[k] ?? null)) : []
        return {
          serial,
          villageId: a?.villageId ?? '',
          status: entries.some((e) => e.status === 'mismatch') ? ('mismatch' as const) : ('pending' as const),
          entries: entries.length,
          householdDiffers: b ? a?.householdId !== b.householdId : false,
          differingQuestions: differs,
          commentDiffers: b ? (a?.comment ?? null) !== (b.comment ?? null) : false,
        }
      })
    },

    /**
     * Resolve a mismatched serial with a third keying from the paper form, by Front staff who keyed neither
     * entry: a keyer settling their own disagreement could count whatever they liked (TRUST.md §2.8).
     */
    async resolvePaper(
      actor: Actor,
      roundId: string,
      serial: string,
      body: PaperBallotBody,
    ): Promise<{ status: 'counted'; receipt: string }> {
      const round = await rounds.getManaged(actor, roundId)
      assertSettlesPaper(round)
      const entries = await repo.paperEntriesFor(round.id, serial)
      if (entries.length === 0) throw notFound('paper entry')
      if (entries.some((e) => e.enteredBy === actor.id))
        throw new AppError(
          'resolver_keyed_entry',
          `Ông/bà đã nhập phiếu số ${serial}; phiếu lệch phải do người chưa nhập lần nào đối chiếu với phiếu gốc.`,
          403,
          { serial },
        )
      const hh = await households.findById(body.householdId)
      const villages = new Set((await rounds.villagesOf(round)).map((v) => v.id))
      if (!hh || !villages.has(hh.villageId)) throw notFound('household')
      const questions = await rounds.questionsOf(round)
      validate(questions, body.answers)
      const answers = cleanAnswers(questions, body.answers)
      const comment = body.comment?.trim() || null
      return await db.transaction(async (tx) => {
        const current = await rounds.windowOf(round.id, tx)
        if (!current) throw notFound('round')
        assertSettlesPaper(current)
        if ((await repo.paperEntriesFor(round.id, serial, tx)).length === 0) throw notFound('paper entry')
        await repo.deletePaperEntries(round.id, serial, tx)
        const { receipt } = await ballots.acceptKeyed({
          round,
          householdId: hh.id,
          villageId: hh.villageId,
          channel: body.channel,
          answers,
          comment,
          contentHash: submissionHash(answers, comment),
          enteredBy: actor.id,
          paperSerial: serial,
        })
        await audit.record(tx, { actorId: actor.id, action: 'paper.resolve', targetType: 'round', targetId: round.id, data: { serial } })
        return { status: 'counted' as const, receipt }
      })
    },
  }
}
export type PaperService = ReturnType<typeof createPaperService>
