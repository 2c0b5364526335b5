import { notFound } from '../../lib/app-error.js'
import { type Actor, canSeeUnit, type ScopeResolver } from '../policy.js'
import type { RoundRow } from './repo.js'

/**
 * Who may see a round: admin; front_staff and council whose unit contains the commune; a collector
 * assigned to the round. Everyone else gets 404 (ids can't be probed).
 */
export async function canViewRound(
  actor: Actor,
  round: RoundRow,
  within: ScopeResolver,
  collectorVillages: () => Promise<string[]>,
): Promise<boolean> {
  if (actor.role === 'admin') return true
  if (actor.role === 'collector') return (await collectorVillages()).length > 0
  return await canSeeUnit(actor, round.communeId, within)
}

/** Managing a round (edit, open, close, invitations, paper entry of any village) is for front_staff in scope. */
export async function assertCanManageRound(actor: Actor, round: RoundRow, within: ScopeResolver): Promise<void> {
  if (actor.role !== 'front_staff' || !(await canSeeUnit(actor, round.communeId, within))) throw notFound('round')
}
