import type { Db } from '@app/db'
import { type CommuneOverview, type CommuneTrend, type OverviewQuery, type RoundSummary, type UnitOverview, viCollator } from '@app/shared'
import { badRequest, forbidden } from '../../lib/app-error.js'
import { type Actor, assertRole } from '../policy.js'
import type { RoundRow } from '../rounds/repo.js'
import type { LevelRule } from '../rounds/service.js'
import type { TallyService } from '../tally/service.js'
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
 * Province / legacy-district view and the per-commune trend. Reads the sealed JSON or the live
 * counters (O(villages × questions) per round), never the ballots, so it stays fast at any size.
 */
export function createOverviewService(deps: {
  db: Db
  units: UnitService
  tally: TallyService
  levels: Readonly<Record<string, LevelRule>>
}) {
  const { db, units, tally, levels } = deps
  const repo = createOverviewRepo(db)

  function summarize(actor: Actor, r: RoundRow): RoundSummary {
    const base = {
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
    const frozen = r.status === 'sealed' || r.status === 'returned' ? tally.sealedRecord(r.id)?.tally : undefined
    // the council reads results once sealed; a draft has no figures yet
    const hidden = r.status === 'draft' || (actor.role === 'council' && !frozen)
    const t = frozen ?? (hidden ? undefined : tally.live(r))
    if (!t)
      return {
        ...base,
        households: null,
        participated: null,
        valid: null,
        coverage: null,
        rate: null,
        verdict: null,
        robustness: null,
        source: 'none',
      }
    const c = t.commune
    return {
      ...base,
      households: c.households,
      participated: c.participated,
      valid: c.valid,
      coverage: c.coverage,
      rate: c.rate,
      verdict: c.verdict,
      robustness: c.robustness,
      source: frozen ? 'sealed' : 'live',
    }
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
    repo,
    summarize,

    /** Every commune under a province or legacy district (or one commune) with its latest round. */
    overview(actor: Actor, unitId: string, q: OverviewQuery): UnitOverview {
      const unit = units.getVisible(actor, unitId)
      assertReader(actor)
      if (unit.kind === 'village')
        throw badRequest('validation_failed', 'the overview is for a province, a district or a commune', {
          issues: [{ path: 'id', message: 'a village' }],
        })
      const communes = units.repo.subtree(unit.id).filter((u) => u.kind === 'commune')
      const latest = repo.latestByCommune(communes.map((c) => c.id))
      const items = communes.map((c) => {
        const r = latest.get(c.id)
        return { communeId: c.id, communeName: c.name, communeCode: c.code, parentId: c.parentId, round: r ? summarize(actor, r) : null }
      })
      return { unitId: unit.id, unitName: unit.name, unitKind: unit.kind, items: sortItems(items, q) }
    },

    /** All rounds of one commune in time order (NTM → nâng cao → kiểu mẫu, re-surveys included). */
    trend(actor: Actor, communeId: string): CommuneTrend {
      const unit = units.getVisible(actor, communeId)
      assertReader(actor)
      if (unit.kind !== 'commune')
        throw badRequest('validation_failed', 'the trend is per commune', { issues: [{ path: 'communeId', message: `a ${unit.kind}` }] })
      return { communeId: unit.id, communeName: unit.name, rounds: repo.roundsOfCommune(unit.id).map((r) => summarize(actor, r)) }
    },
  }
}
export type OverviewService = ReturnType<typeof createOverviewService>
