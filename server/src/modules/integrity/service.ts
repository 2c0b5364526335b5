import { type AppDb, type Conn, first, sealedIntegrity } from '@app/db'
import { type IntegrityReport, type IntegritySignal, mayReadIntegritySignals, resultsWithheld, type SignalKey } from '@app/shared'
import { eq } from 'drizzle-orm'
import type { IntegrityConfig } from '../../config.js'
import { forbidden, notFound } from '../../lib/app-error.js'
import type { Clock } from '../../lib/clock.js'
import { createAuditRepo } from '../audit/repo.js'
import type { Actor } from '../policy.js'
import type { RoundRow } from '../rounds/repo.js'
import type { RoundService } from '../rounds/service.js'
import type { UnitService } from '../units/service.js'
import type { UserService } from '../users/service.js'
import { createIntegrityRepo } from './repo.js'
import { collectorDayBurst, linkOpenBurst } from './signals/bursts.js'
import { collectorVsLink } from './signals/collector-vs-link.js'
import { fastCompletion } from './signals/fast-completion.js'
import { invalidationsDissatisfied } from './signals/invalidations.js'
import { perfectVillage } from './signals/perfect-village.js'
import { sharedDevice } from './signals/shared-device.js'
import { straightLining } from './signals/straight-lining.js'

/**
 * Signals computed from the answers themselves (satisfaction rates, identical answers, which answers were
 * invalidated). They are results: withheld until the round's results are disclosed (TRUST.md §2.2). The others
 * read only paradata (durations, devices, open times, who keyed what) and stay live for the province.
 */
export const ANSWER_SIGNALS: readonly SignalKey[] = [
  'straight_lining',
  'collector_vs_link',
  'perfect_village_one_day',
  'invalidations_dissatisfied',
]

/**
 * Who may read a round's integrity signals: admin; province- (or legacy district-) level Front staff
 * in scope; the council once the round is sealed; the commune's own Front staff only once sealed
 * (never the commune being assessed while it is being assessed); collectors never.
 */
export function assertMayReadSignals(actor: Actor, round: RoundRow, actorUnitKind: string | undefined): void {
  if (actor.role === 'collector') throw notFound('round')
  if (mayReadIntegritySignals({ role: actor.role, unitKind: actorUnitKind }, round.status)) return
  throw forbidden(
    actor.role === 'council'
      ? 'the council reads integrity signals once the round is sealed'
      : 'integrity signals are for the province Front and the council; the commune sees them once sealed',
  )
}

export function createIntegrityService(deps: {
  db: AppDb
  clock: Clock
  rounds: RoundService
  units: UnitService
  users: UserService
  config: Readonly<IntegrityConfig>
  /**
   * Villages whose results are withheld (small, or their complements; TRUST.md §2.2) and PRIVACY_MIN_CELL: the
   * signals built on answers (straight-lining, a perfect village, collector vs link) leave those villages out,
   * since describing them would give back what the tally withholds.
   */
  privacy?: { hiddenVillagesOf(r: RoundRow): Promise<Set<string>>; minCell: number }
}) {
  const { db, clock, rounds, units, users, config } = deps
  const repo = createIntegrityRepo(db)

  /**
   * Every signal of a round, computed now (no access check: the caller decides, e.g. the minutes annex); without
   * `answers`, the signals built on answers are not computed.
   */
  async function signals(round: RoundRow, opts: { answers?: boolean } = {}): Promise<IntegritySignal[]> {
    const answers = opts.answers ?? true
    const villages = await units.children(round.communeId, 'village')
    const villageNames = new Map(villages.map((v) => [v.id, v.name]))
    const usernameCache = new Map<string, string>()
    const channelRows = await repo.channels(round.id)
    const enterRows = await repo.entriesPerDay(round.id)
    for (const id of new Set([...channelRows.map((r) => r.enteredBy), ...enterRows.map((r) => r.userId)])) {
      const username = id ? await users.usernameOf(id) : undefined
      if (username && id) usernameCache.set(id, username)
    }
    const hidden = (await deps.privacy?.hiddenVillagesOf(round)) ?? new Set<string>()
    const shown = <T extends { villageId: string }>(rows: T[]) => rows.filter((r) => !hidden.has(r.villageId))
    const questionCount = (await rounds.questionsOf(round)).length
    const frame = await rounds.frameOf(round)
    const part = new Map((await repo.participationDays(round.id)).map((r) => [r.villageId, r]))
    const rates = new Map(answers ? (await repo.villageRates(round.id)).map((r) => [r.villageId, r]) : [])
    const villageDays = Object.entries(frame).map(([villageId, households]) => ({
      villageId,
      households,
      participated: part.get(villageId)?.participated ?? 0,
      days: part.get(villageId)?.days ?? 0,
      valid: rates.get(villageId)?.valid ?? 0,
      satisfied: rates.get(villageId)?.satisfied ?? 0,
    }))
    // Activity of staff whose unit is the commune, one of its villages or an ancestor, during the round.
    const chain = [...(await units.ancestorIds(round.communeId)), round.communeId, ...villages.map((v) => v.id)]
    const from = round.openedAt ?? round.opensAt
    const to = round.closedAt ?? clock.now().toISOString()
    const staffActivity = await repo.staffActivityBetween(chain, from, to)

    return [
      ...fastCompletion(await repo.linkDurations(round.id), { questionCount, villageNames }, config.fastCompletion),
      ...(answers ? straightLining(shown(await repo.straightLined(round.id)), { villageNames }, config.straightLining) : []),
      ...sharedDevice(await repo.devices(round.id), config.sharedDevice),
      ...collectorDayBurst(enterRows, { usernames: usernameCache }, config.bursts),
      ...linkOpenBurst(await repo.linkOpenWindows(round.id, config.bursts.windowMinutes), { villageNames, staffActivity }, config.bursts),
      ...(answers
        ? collectorVsLink(
            shown(channelRows),
            { villageNames, usernames: usernameCache, minCell: deps.privacy?.minCell ?? 0 },
            config.collectorVsLink,
          )
        : []),
      ...(answers ? perfectVillage(shown(villageDays), { villageNames }, config.perfectVillage) : []),
      ...(answers ? invalidationsDissatisfied(await repo.validity(round.id), config.invalidations) : []),
    ]
  }

  /**
   * The signals as frozen at the round's first seal, else computed now. Once frozen they are what the round is
   * judged by, unsealed or not: the device fingerprints behind them are gone, so a recount would lose signals.
   */
  async function current(round: RoundRow): Promise<IntegritySignal[]> {
    const frozen = await first(db.select().from(sealedIntegrity).where(eq(sealedIntegrity.roundId, round.id)))
    return frozen ? (JSON.parse(frozen.signalsJson) as IntegritySignal[]) : await signals(round)
  }

  return {
    signals,

    /**
     * At seal, inside its transaction: store the signals with the sealed record. Only the first seal writes:
     * after an unseal the fingerprints are already deleted, and signals recomputed without them would quietly
     * drop what the first seal showed the council (a shared device, say), so a reseal keeps the frozen ones.
     */
    async freeze(round: RoundRow, tx: Conn): Promise<void> {
      const signalsJson = JSON.stringify(await signals(round))
      await tx.insert(sealedIntegrity).values({ roundId: round.id, signalsJson, frozenAt: clock.now().toISOString() }).onConflictDoNothing()
    },

    /**
     * GET /api/rounds/:id/integrity. Signals built on answers only once the round's results are disclosed (a
     * closed round whose result nobody has read yet keeps them back too, so opening this panel never discloses).
     */
    async report(actor: Actor, roundId: string): Promise<IntegrityReport> {
      const round = await rounds.getVisible(actor, roundId)
      assertMayReadSignals(actor, round, (await units.findById(actor.unitId))?.kind)
      const names = new Map((await units.children(round.communeId, 'village')).map((v) => [v.id, v.name]))
      const frameAdditions = (await createAuditRepo().byTarget(db, 'round', round.id, ['round.frame_addition'])).map((e) => {
        const d = (e.data ? JSON.parse(e.data) : {}) as { households?: number; villages?: Record<string, number> }
        return {
          households: d.households ?? 0,
          villages: Object.keys(d.villages ?? {}).map((v) => names.get(v) ?? v),
          at: e.at,
          reason: e.reason ?? '',
        }
      })
      const answers = !resultsWithheld(round.status) && round.disclosedAt !== null
      return {
        roundId: round.id,
        status: round.status,
        signals: answers ? await current(round) : await signals(round, { answers }),
        withheld: answers ? [] : [...ANSWER_SIGNALS],
        frameAdditions,
      }
    },

    /** For the minutes annex: the signals of a round by id (the caller has checked access). */
    async forRound(roundId: string): Promise<IntegritySignal[]> {
      const round = await rounds.findById(roundId)
      if (!round) throw notFound('round')
      return await current(round)
    },
  }
}
export type IntegrityService = ReturnType<typeof createIntegrityService>
