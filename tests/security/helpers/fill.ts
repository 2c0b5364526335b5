import type { RequestSpec } from '../authz-matrix.js'
import type { ScopeFixtures } from './world.js'

/**
 * The generic path-param filler: a valid target of the given scope for every parameter name in the
 * route table. A new parameter name fails loudly so its filler gets added here.
 */
export function fillParams(path: string, f: ScopeFixtures, spec: RequestSpec = {}): string {
  const idFor = (): string => {
    if (path.startsWith('/api/rounds/')) return f.rounds[spec.round ?? 'open']
    if (path.startsWith('/api/public/rounds/')) return f.rounds[spec.round ?? 'sealed']
    if (path.startsWith('/api/units/')) return unit()
    if (path.startsWith('/api/users/') && path.endsWith('/password')) return f.spareUserId
    if (path.startsWith('/api/users/')) return f.staffUserId
    if (path.startsWith('/api/questionnaire-templates/')) return f.templateId
    if (path.startsWith('/api/feedback/')) return f.feedbackId
    if (path.startsWith('/api/rule-sets/')) return f.ruleSetId
    throw new Error(`no filler for :id in ${path}: add one to tests/security/helpers/fill.ts`)
  }
  const unit = () => (spec.unit === 'village' ? (f.villages[0]?.id as string) : spec.unit === 'province' ? f.province.id : f.commune.id)
  const byName: Record<string, () => string> = {
    id: idFor,
    communeId: () => f.commune.id,
    villageId: () => (spec.unit === 'village' || !spec.unit ? (f.villages[0]?.id as string) : unit()),
    roundId: () => f.rounds[spec.round ?? 'sealed'],
    userId: () => f.collectorId,
    // under /api/units/:villageId the household must be one of that village (villages[0])
    householdId: () => (path.startsWith('/api/units/') ? f.villageHouseholdId : f.invitedHouseholdId),
    ballotId: () => f.ballotId,
    serial: () => f.mismatchSerial,
    token: () => f.unusedToken,
    receipt: () => f.receipt,
    requestId: () => f.requestId,
    decisionId: () => f.decisionId,
  }
  return path
    .replace(/:([A-Za-z0-9_]+)/g, (_m, name: string) => {
      const fill = byName[name]
      if (!fill) throw new Error(`no filler for :${name} in ${path}: add one to tests/security/helpers/fill.ts`)
      return encodeURIComponent(fill())
    })
    .replace(/\*$/, 'x')
}

export function queryString(q: Record<string, string> | undefined): string {
  if (!q) return ''
  const s = new URLSearchParams(q).toString()
  return s ? `?${s}` : ''
}
