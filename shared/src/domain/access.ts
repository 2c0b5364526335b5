/**
 * Who may read what, where the staff app must know it before asking (so it never asks for what it will
 * be refused). The server enforces the same functions; these only keep the app from calling in vain.
 */
import type { Role } from '../schemas/auth.js'

const SEALED = ['sealed', 'returned']

/**
 * A round's integrity signals: admin; province- (or legacy district-) level Front staff; the council
 * once the round is sealed; the commune's own Front staff only once sealed (never the commune being
 * assessed while it is being assessed); collectors never.
 */
export function mayReadIntegritySignals(actor: { role: Role; unitKind?: string | undefined }, roundStatus: string): boolean {
  if (actor.role === 'admin') return true
  if (actor.role === 'collector') return false
  if (SEALED.includes(roundStatus)) return true
  return actor.role === 'front_staff' && (actor.unitKind === 'province' || actor.unitKind === 'district')
}

/** Dissatisfied reasons and comments (the feedback inbox) are for Front staff and admins only. */
export function mayReadFeedback(actor: { role: Role }): boolean {
  return actor.role === 'admin' || actor.role === 'front_staff'
}

/**
 * Reopening a closed round (TRUST.md §2.2): only Front staff of a province (above the commune, so never
 * the commune reopening its own assessment), and only while no result of it has been disclosed.
 */
export function mayReopenRound(
  actor: { role: Role; unitKind?: string | undefined },
  round: { status: string; disclosedAt: string | null },
): boolean {
  return actor.role === 'front_staff' && actor.unitKind === 'province' && round.status === 'closed' && round.disclosedAt === null
}
