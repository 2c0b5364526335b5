import type { Role } from '@app/shared'
import { forbidden, notFound } from '../lib/app-error.js'

/** The authenticated staff member acting on a request. */
export interface Actor {
  id: string
  username: string
  role: Role
  unitId: string
}

/** Answers "is unit `unitId` inside the subtree rooted at `scopeId`?" (inclusive). */
export type ScopeResolver = (unitId: string, scopeId: string) => Promise<boolean>

export function assertRole(actor: Actor, roles: readonly Role[]): void {
  if (!roles.includes(actor.role)) throw forbidden()
}

/** Admin sees everything; everyone else only their unit's subtree. */
export async function canSeeUnit(actor: Actor, unitId: string, within: ScopeResolver): Promise<boolean> {
  return actor.role === 'admin' || (await within(unitId, actor.unitId))
}

/** A unit outside the caller's scope answers 404, so ids cannot be probed. */
export async function assertUnitInScope(actor: Actor, unitId: string, within: ScopeResolver, what = 'unit'): Promise<void> {
  if (!(await canSeeUnit(actor, unitId, within))) throw notFound(what)
}

/** Roles allowed to see households' phones and addresses. */
export function canSeeContact(actor: Actor): boolean {
  return actor.role === 'admin' || actor.role === 'front_staff'
}
