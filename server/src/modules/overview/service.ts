import type { AppDb } from '@app/db'
import {
  type CommuneOverview,
  type CommuneTrend,
  isSmallCell,
  type OverviewQuery,
  type RoundSummary,
  resultsWithheld,
  type Tally,
  type UnitOverview,
  viCollator,
} from '@app/shared'
import { badRequest, forbidden } from '../../lib/app-error.js'
import { type Actor, assertRole } from '../policy.js'
import type { RoundRow } from '../rounds/repo.js'
import type { LevelRule, RoundService } from '../rounds/service.js'
import { buildRoundTally } from '../tally/queries/get-round-tally.js'
import type { UnitService } from '../units/service.js'
import { createOverviewRepo } from './repo.js'

const STATUS_ORDER: Record<RoundRow['status'], number> = { draft: 0, open: 1, closed: 2, sealed: 3, returned: 4 }

/** Compare with nulls last whatever the direction. */
function nullsLast(a: number | null | undefined, b: number | null | undefined, dir: 1 | -1): number {
  if (a == null && b == null) return 0
  if (a == null) return 1
  if (b == null) return -1
  return (a - b) * dir
}

/**
 * Province / legacy-district view and the per-commune trend. Reads the commune part of the sealed JSON
 * or the live counters of the overall question (O(villages) per round), never the ballots, and a fixed
 * number of queries per request whatever the number of communes, so it stays fast at any size.
 */
export function createOverviewService(deps: {
  db: AppDb
  units: UnitService
  rounds: RoundService
  levels: Readonly<Record<string, LevelRule>>
  /** PRIVACY_MIN_CELL: a commune figure on fewer ballots is withheld (a one-village follow-up round can be that small). */
  minCell: number
}) {
  const { db, units, rounds, levels, minCell } = deps
  const repo = createOverviewRepo(db)

  function base(r: RoundRow) {
    return {
      id: r.id,
      title: r.title,
      level: r.level,
      levelName: levels[r.level]?.name ?? r.level,
      status: r.status,
      opensAt: r.opensAt,
      closesAt: r.closesAt,
      sealedAt: r.sealedAt,
      previousRoundId: r.previousRoundId,
    }
  }

  /**
   * The commune figures of live rounds from their counters, read for all rounds at once (one query per
   * counter table) and put through the same buildRoundTally as GET /tally. Only the overall question's
   * counters are read: the commune's coverage, rate, verdict and robustness depend on nothing else, and
   * only the commune part of the result is used.
   */
  async function liveCommunes(rows: RoundRow[]): Promise<Map<string, Tally>> {
    const out = new Map<string, Tally>()
    if (rows.length === 0) return out
    const keyOf = new Map<string, string>()
    for (const r of rows) keyOf.set(r.id, (await rounds.questionsOf(r)).find((q) => q.isOverall)?.key ?? '')
    const villageCounts = await repo.villageCounters(rows.map((r) => r.id))
    const questionCounts = await repo.questionCounters(keyOf)
    for (const r of rows) {
      const overallKey = keyOf.get(r.id) ?? ''
      const t = buildRoundTally({
        round: {
          id: r.id,
          status: r.status,
          communeId: r.communeId,
          communeName: '',
          thresholdBp: r.thresholdBp,
          coverageBp: r.coverageBp,
          coverageScope: r.coverageScope,
          overallKey,
          questionKeys: [overallKey],
        },
        // village names appear only in the per-village part, which is not used here
        villages: Object.entries(await rounds.frameOf(r)).map(([id, households]) => ({ id, name: id, households })),
        villageCounts: villageCounts.get(r.id) ?? new Map(),
        questionCounts: questionCounts.get(r.id) ?? [],
      })
      out.set(r.id, t.commune)
    }
    return out
  }

  /**
   * One summary per round, in the order given: the sealed figures once sealed (or returned), else the
   * live counters; none for a draft, nor for the council before sealing. Until a round's results are disclosed
   * (open, or closed and not yet read) only its coverage is given: a list never discloses (TRUST.md §2.2). A fixed
   * number of queries whatever the number of rounds.
   */
  async function summarizeMany(actor: Actor, rows: RoundRow[]): Promise<RoundSummary[]> {
    const sealedJson = await repo.sealedCommuneJson(rows.filter((r) => r.status === 'sealed' || r.status === 'returned').map((r) => r.id))
    const frozen = new Map([...sealedJson].map(([id, json]) => [id, JSON.parse(json) as Tally]))
    // the council reads results once sealed; a draft has no figures yet
    const hidden = (r: RoundRow) => r.status === 'draft' || (actor.role === 'council' && !frozen.has(r.id))
    const live = await liveCommunes(rows.filter((r) => !frozen.has(r.id) && !hidden(r)))
    return rows.map((r) => {
      const c = frozen.get(r.id) ?? live.get(r.id)
      if (c && (resultsWithheld(r.status) || r.disclosedAt === null))
        return {
          ...base(r),
          households: c.households,
          participated: c.participated,
          valid: null,
          coverage: c.coverage,
          rate: null,
          verdict: null,
          robustness: null,
          source: 'live',
        }
      if (!c)
        return {
          ...base(r),
          households: null,
          participated: null,
          valid: null,
          coverage: null,
          rate: null,
          verdict: null,
          robustness: null,
          source: 'none',
        }
      // no province or district total is shown beside the communes, so a commune's own size is the only rule here
      // results are out once the round is closed (an open round's are the disclosure rule's business)
      const small = r.status !== 'open' && r.status !== 'draft' && isSmallCell(c.valid, minCell)
      return {
        ...base(r),
        households: c.households,
        participated: c.participated,
        valid: small ? null : c.valid,
        coverage: c.coverage,
        rate: small ? null : c.rate,
        verdict: c.verdict,
        robustness: small ? null : c.robustness,
        source: frozen.has(r.id) ? 'sealed' : 'live',
      }
    })
  }

  async function summarize(actor: Actor, r: RoundRow): Promise<RoundSummary> {
    return (await summarizeMany(actor, [r]))[0] as RoundSummary
  }

  function sortItems(items: CommuneOverview[], q: OverviewQuery): CommuneOverview[] {
    const dir = q.order === 'desc' ? -1 : 1
    const byName = (a: CommuneOverview, b: CommuneOverview) => viCollator.compare(a.communeName, b.communeName)
    const cmp: Record<OverviewQuery['sort'], (a: CommuneOverview, b: CommuneOverview) => number> = {
      name: (a, b) => byName(a, b) * dir,
      coverage: (a, b) => nullsLast(a.round?.coverage, b.round?.coverage, dir) || byName(a, b),
      rate: (a, b) => nullsLast(a.round?.rate, b.round?.rate, dir) || byName(a, b),
      status: (a, b) =>
        nullsLast(a.round ? STATUS_ORDER[a.round.status] : null, b.round ? STATUS_ORDER[b.round.status] : null, dir) || byName(a, b),
    }
    return [...items].sort(cmp[q.sort])
  }

  function assertReader(actor: Actor) {
    if (actor.role === 'collector') throw forbidden('collectors see their own entry counts only')
    assertRole(actor, ['admin', 'front_staff', 'council'])
  }

  return {
    summarize,

    /** Every commune under a province or legacy district (or one commune) with its latest round and every round in progress. */
    async overview(actor: Actor, unitId: string, q: OverviewQuery): Promise<UnitOverview> {
      const unit = await units.getVisible(actor, unitId)
      assertReader(actor)
      if (unit.kind === 'village')
        throw badRequest('validation_failed', 'the overview is for a province, a district or a commune', {
          issues: [{ path: 'id', message: 'a village' }],
        })
      const communes = await repo.communesUnder(unit.id)
      const current = await repo.currentByCommune(communes.map((c) => c.id))
      const roundRows = communes.flatMap((c) => current.get(c.id) ?? [])
      const summaries = new Map((await summarizeMany(actor, roundRows)).map((s) => [s.id, s]))
      // one row per round shown (a commune with two rounds in progress has two rows), one for a commune without any
      const items = communes.flatMap((c) => {
        const item = { communeId: c.id, communeName: c.name, communeCode: c.code, parentId: c.parentId }
        const rows = current.get(c.id) ?? []
        if (rows.length === 0) return [{ ...item, round: null }]
        return rows.map((r) => ({ ...item, round: summaries.get(r.id) ?? null }))
      })
      return { unitId: unit.id, unitName: unit.name, unitKind: unit.kind, items: sortItems(items, q) }
    },

    /** All rounds of one commune in time order (NTM → nâng cao → kiểu mẫu, re-surveys included). */
    async trend(actor: Actor, communeId: string): Promise<CommuneTrend> {
      const unit = await units.getVisible(actor, communeId)
      assertReader(actor)
      if (unit.kind !== 'commune')
        throw badRequest('validation_failed', 'the trend is per commune', { issues: [{ path: 'communeId', message: `a ${unit.kind}` }] })
      // the communes merged into this one (and theirs, back in time): their history reads here, summaries only
      const former = new Map<string, string>()
      let frontier = [unit.id]
      for (let depth = 0; depth < 5 && frontier.length; depth++) {
        const next = (await units.predecessorsOf(frontier)).filter((u) => u.kind === 'commune' && !former.has(u.id) && u.id !== unit.id)
        for (const u of next) former.set(u.id, u.name)
        frontier = next.map((u) => u.id)
      }
      const rows: RoundRow[] = []
      for (const id of [unit.id, ...former.keys()]) rows.push(...(await repo.roundsOfCommune(id)))
      rows.sort((a, b) => a.opensAt.localeCompare(b.opensAt) || a.createdAt.localeCompare(b.createdAt))
      const summaries = await summarizeMany(actor, rows)
      return {
        communeId: unit.id,
        communeName: unit.name,
        rounds: summaries.map((s, i) => ({ ...s, formerCommune: former.get(rows[i]?.communeId ?? '') ?? null })),
      }
    },
  }
}
export type OverviewService = ReturnType<typeof createOverviewService>
