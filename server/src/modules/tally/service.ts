import type { AppDb, Conn } from '@app/db'
import {
  hiddenVillages,
  type RoundCoverage,
  type RoundTally,
  type RuleSetSnapshot,
  resultsWithheld,
  type ShownRoundTally,
  suppressRoundTally,
  type UnitCoverage,
  villageVerdict,
} from '@app/shared'
import { AppError, conflict, forbidden } from '../../lib/app-error.js'
import type { Clock } from '../../lib/clock.js'
import { canonicalJson } from '../../lib/hash.js'
import type { AuditService } from '../audit/service.js'
import type { BallotService } from '../ballots/service.js'
import type { IntegrityService } from '../integrity/service.js'
import { type Actor, assertRole } from '../policy.js'
import type { RoundRow } from '../rounds/repo.js'
import type { RoundService } from '../rounds/service.js'
import type { UnitService } from '../units/service.js'
import { buildRoundTally, METHOD_VERSION, Z } from './queries/get-round-tally.js'
import { createTallyRepo, type QuestionCounts, type VillageCounts } from './repo.js'

/**
 * A round's frame (village → households) in the commune's village order, whatever order its JSON keys are in: a
 * PostgreSQL database made before migration 0001 stored it as jsonb, which sorts an object's keys, so its villages
 * would come out in id order. Villages no longer among the commune's come last.
 */
function inVillageOrder(frame: Record<string, number>, villages: { id: string }[]): [string, number][] {
  const rank = new Map(villages.map((v, i) => [v.id, i]))
  return Object.entries(frame).sort(([a], [b]) => (rank.get(a) ?? rank.size) - (rank.get(b) ?? rank.size))
}

export function createTallyService(deps: {
  db: AppDb
  clock: Clock
  audit: AuditService
  rounds: RoundService
  units: UnitService
  ballots: BallotService
  /** Freezes the integrity signals into the sealed record (before the fingerprints they use are deleted). */
  integrity: Pick<IntegrityService, 'freeze'>
  /** PRIVACY_MIN_CELL: figures on fewer ballots are withheld wherever results are served. */
  minCell: number
}) {
  const { db, clock, audit, rounds, units, ballots, integrity, minCell } = deps
  const repo = createTallyRepo(db)
  /** Work inside the unsealing transaction, given the seal undone (the council voids its decision on it). */
  const unsealingHooks: ((e: { roundId: string; sealId: string; actor: Actor; reason: string }, tx: Conn) => Promise<void>)[] = []

  async function inputFor(
    r: RoundRow,
    status: RoundRow['status'],
    villageCounts: Map<string, VillageCounts>,
    questionCounts: QuestionCounts[],
  ) {
    const children = await units.children(r.communeId, 'village')
    const frame = inVillageOrder(await rounds.frameOf(r), children)
    const names = new Map(children.map((v) => [v.id, v.name]))
    const questions = await rounds.questionsOf(r)
    const commune = await units.findById(r.communeId)
    return {
      round: {
        id: r.id,
        status,
        communeId: r.communeId,
        communeName: commune?.name ?? '',
        thresholdBp: r.thresholdBp,
        coverageBp: r.coverageBp,
        coverageScope: r.coverageScope,
        overallKey: questions.find((q) => q.isOverall)?.key ?? '',
        questionKeys: questions.map((q) => q.key),
        ruleSet: (r.ruleSetSnapshot as RuleSetSnapshot | null) ?? null,
      },
      villages: frame.map(([id, households]) => ({ id, name: names.get(id) ?? id, households })),
      villageCounts,
      questionCounts,
    }
  }

  /** The tally from the live counters. */
  async function live(r: RoundRow): Promise<RoundTally> {
    return buildRoundTally(await inputFor(r, r.status, await repo.villageCounters(r.id), await repo.questionCounters(r.id)))
  }

  /** The tally recomputed from the ballots themselves (ignores the counters). */
  async function fromBallots(r: RoundRow, status: RoundRow['status'] = r.status): Promise<RoundTally> {
    return buildRoundTally(await inputFor(r, status, await repo.recountVillages(r.id), await repo.recountQuestions(r.id)))
  }

  function assertMayReadTally(actor: Actor, r: RoundRow) {
    if (actor.role === 'collector') throw forbidden('collectors see their own entry counts only')
    if (actor.role === 'council' && r.status !== 'sealed') throw forbidden('the council reads results once they are sealed')
  }

  return {
    live,
    fromBallots,
    /** Register work to run inside every unseal, after the move, with the id of the seal undone. */
    onUnsealing(hook: (e: { roundId: string; sealId: string; actor: Actor; reason: string }, tx: Conn) => Promise<void>): void {
      unsealingHooks.push(hook)
    },

    /**
     * GET /tally: the frozen JSON once sealed, else from the counters of a closed round, served with small groups
     * withheld (complementary suppression) for every reader. Never while the round may
     * still take answers (409 results_not_disclosed); the first read is recorded as the disclosure.
     */
    async tally(actor: Actor, roundId: string): Promise<ShownRoundTally> {
      const r = await rounds.getVisible(actor, roundId)
      assertMayReadTally(actor, r)
      await rounds.disclose(actor, r, 'tally')
      const sealed = r.status === 'sealed' ? await repo.sealed(r.id) : undefined
      const t = sealed ? (JSON.parse(sealed.tallyJson) as RoundTally) : await live(r)
      // results are out once the round is closed; before that coverage (per village and channel) stays live and
      // whether any result of an open round is served at all is the disclosure rule's business
      if (r.status === 'draft' || r.status === 'open') return suppressRoundTally(t, 1)
      return suppressRoundTally(t, minCell)
    },

    /**
     * The villages whose results are withheld (small, or their complements), from the frozen tally once sealed:
     * every per-village figure or text served anywhere follows this set.
     */
    async hiddenVillagesOf(r: RoundRow): Promise<Set<string>> {
      const sealed = r.status === 'sealed' || r.status === 'returned' ? await repo.sealed(r.id) : undefined
      return hiddenVillages(sealed ? (JSON.parse(sealed.tallyJson) as RoundTally) : await live(r), minCell)
    },

    /** Ballots per village and channel (participations; every one landed once the round is closed). */
    async villageChannels(roundId: string): Promise<Map<string, Record<string, number>>> {
      return new Map(
        [...(await repo.villageCounters(roundId))].map(([v, c]) => [
          v,
          { link: c.link, paper: c.paper, meeting: c.meeting, assisted: c.assisted },
        ]),
      )
    },

    /** A tally as it may be served anywhere (screens, exports, PDFs, public pages). */
    shown(t: RoundTally): ShownRoundTally {
      return suppressRoundTally(t, minCell)
    },
    minCell,

    /**
     * GET /coverage: who has taken part, per village and channel, live in every status. Participations and their
     * counters are written when a ballot is accepted, before it lands, and carry no answer.
     */
    async coverage(actor: Actor, roundId: string): Promise<RoundCoverage> {
      const r = await rounds.getVisible(actor, roundId)
      if (actor.role === 'collector') throw forbidden('collectors see their own entry counts only')
      const counts = await repo.villageCounters(r.id)
      const children = await units.children(r.communeId, 'village')
      const names = new Map(children.map((v) => [v.id, v.name]))
      const frame = inVillageOrder(await rounds.frameOf(r), children)
      const communeName = (await units.findById(r.communeId))?.name ?? ''
      const unit = (unitId: string, name: string, households: number, participated: number): Omit<UnitCoverage, 'verdict'> => ({
        unitId,
        name,
        households,
        participated,
        coverage: households > 0 ? participated / households : null,
      })
      const villages: UnitCoverage[] = frame.map(([id, households]) => {
        const participated = counts.get(id)?.participated ?? 0
        return {
          ...unit(id, names.get(id) ?? id, households, participated),
          verdict: villageVerdict({ households, participated }, r.coverageBp),
        }
      })
      const households = villages.reduce((a, v) => a + v.households, 0)
      const participated = villages.reduce((a, v) => a + v.participated, 0)
      const communeVerdict =
        households === 0
          ? 'no_data'
          : r.coverageScope === 'commune'
            ? villageVerdict({ households, participated }, r.coverageBp)
            : villages.some((v) => v.verdict === 'insufficient_coverage')
              ? 'insufficient_coverage'
              : 'meets_coverage'
      const byChannel = { link: 0, paper: 0, meeting: 0, assisted: 0 }
      for (const c of counts.values()) {
        byChannel.link += c.link
        byChannel.paper += c.paper
        byChannel.meeting += c.meeting
        byChannel.assisted += c.assisted
      }
      return {
        roundId: r.id,
        status: r.status,
        coverageBp: r.coverageBp,
        coverageScope: r.coverageScope,
        commune: { ...unit(r.communeId, communeName, households, participated), verdict: communeVerdict },
        villages,
        byChannel,
        resultsAvailable: !resultsWithheld(r.status) && (actor.role !== 'council' || r.status === 'sealed' || r.status === 'returned'),
        disclosedAt: r.disclosedAt,
      }
    },

    /**
     * Recompute the counters from the ballots and compare. With `repair`, replace the counters by the
     * recount (logged). Never needed in normal operation; it is the check that they agree.
     */
    async recount(actor: Actor | null, roundId: string, opts: { repair?: boolean } = {}) {
      const r = actor ? await rounds.getVisible(actor, roundId) : await rounds.findById(roundId)
      if (!r) throw new AppError('not_found', 'round not found', 404)
      if (actor) assertRole(actor, ['admin', 'front_staff'])
      const counted = canonicalJson(await live(r))
      const recounted = canonicalJson(await fromBallots(r))
      const matches = counted === recounted
      if (!matches && opts.repair) {
        if (r.status === 'sealed') throw conflict('invalid_transition', 'a sealed round cannot be changed')
        await db.transaction(async (tx) => {
          await repo.replaceCounters(r.id, await repo.recountVillages(r.id, tx), await repo.recountQuestions(r.id, tx), tx)
          await audit.record(tx, { actorId: actor?.id ?? null, action: 'tally.repair', targetType: 'round', targetId: r.id })
        })
      }
      return { roundId: r.id, matches, repaired: !matches && opts.repair === true }
    },

    /**
     * closed → sealed: freeze the tally (recomputed from the ballots, and checked against the
     * counters), the method version, the thresholds used and the ledger root hash.
     */
    async seal(actor: Actor, roundId: string) {
      const r = await rounds.getManaged(actor, roundId)
      if (r.status !== 'closed')
        throw new AppError('invalid_transition', `cannot seal a round that is ${r.status}`, 409, { status: r.status, action: 'seal' })
      const ledger = await ballots.verifyLedger(r.id)
      if (!ledger.ok) throw conflict('conflict', `the ballot ledger does not verify (${ledger.reason}); the round cannot be sealed`)
      const recounted = await fromBallots(r)
      const tally: RoundTally = { ...recounted, status: 'sealed' }
      if (canonicalJson(await live(r)) !== canonicalJson(recounted))
        throw conflict('conflict', 'the live counters disagree with the ballots; run a recount first')
      const now = clock.now().toISOString()
      // IMMEDIATE: read-then-write; deferred, a seal committed by another process in between
      // failed the lock upgrade with SQLITE_BUSY_SNAPSHOT (500) instead of answering 409 below.
      const sealed = await db.transaction(
        async (tx) => {
          const config = {
            thresholdBp: r.thresholdBp,
            coverageBp: r.coverageBp,
            coverageScope: r.coverageScope,
            z: Z,
            level: r.level,
            ruleSet: r.ruleSetSnapshot ?? null,
          }
          // the move first: a seal committed by another process in between answers 409 there, not a 500 on the
          // sealed_results key
          const row = await rounds.transition(tx, r, 'sealed', actor, null, {
            patch: { sealedAt: now },
            data: { ledgerRootHash: ledger.rootHash, ballots: ledger.count },
          })
          // sealing publishes the result (the public verify page and the minutes serve it from now on)
          await rounds.markDisclosed(tx, r.id, actor, 'seal')
          await repo.insertSealed(
            {
              roundId: r.id,
              tallyJson: canonicalJson(tally),
              methodVersion: METHOD_VERSION,
              configJson: canonicalJson(config),
              ledgerRootHash: ledger.rootHash,
              sealedBy: actor.id,
              sealedAt: now,
            },
            tx,
          )
          // the signals go into the sealed record first, then the fingerprints they were built on (TRUST.md §2.4)
          await integrity.freeze(r, tx)
          await ballots.forgetFingerprints(r.id, tx)
          return await rounds.toDto((await rounds.findById(r.id, tx)) ?? row)
        },
        { behavior: 'immediate' },
      )
      // the deleted fingerprints must not linger in the WAL either
      await ballots.truncateWal()
      return sealed
    },

    /** sealed → closed by an admin with a reason (logged); the frozen result is removed and the council decision on it voided. */
    async unseal(actor: Actor, roundId: string, reason: string) {
      assertRole(actor, ['admin'])
      const r = await rounds.getVisible(actor, roundId)
      if (r.status !== 'sealed') throw new AppError('invalid_transition', `cannot unseal a round that is ${r.status}`, 409)
      return await db.transaction(async (tx) => {
        const prior = await repo.sealed(r.id, tx)
        await repo.deleteSealed(r.id, tx)
        const row = await rounds.transition(tx, r, 'closed', actor, reason, { data: { ledgerRootHash: prior?.ledgerRootHash ?? null } })
        if (prior) for (const h of unsealingHooks) await h({ roundId: r.id, sealId: prior.sealId, actor, reason }, tx)
        return await rounds.toDto(row)
      })
    },

    /** The sealed record (for minutes, exports and the public verify page). */
    async sealedRecord(roundId: string) {
      const s = await repo.sealed(roundId)
      if (!s) return undefined
      return {
        tally: JSON.parse(s.tallyJson) as RoundTally,
        tallyJson: s.tallyJson,
        methodVersion: s.methodVersion,
        config: JSON.parse(s.configJson) as Record<string, unknown>,
        ledgerRootHash: s.ledgerRootHash,
        sealedAt: s.sealedAt,
        sealedBy: s.sealedBy,
        sealId: s.sealId,
      }
    },
  }
}
export type TallyService = ReturnType<typeof createTallyService>
