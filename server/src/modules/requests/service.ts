import type { AppDb } from '@app/db'
import {
  CreateHouseholdRequestBody,
  type HouseholdRequest,
  type PublicRequestPage,
  type RequestSummary,
  type ResolveHouseholdRequestBody,
} from '@app/shared'
import { AppError, badRequest, conflict, notFound } from '../../lib/app-error.js'
import type { Clock } from '../../lib/clock.js'
import type { AuditService } from '../audit/service.js'
import type { InvitationService } from '../invitations/service.js'
import type { Actor } from '../policy.js'
import type { RoundRow } from '../rounds/repo.js'
import type { RoundService } from '../rounds/service.js'
import type { UnitService } from '../units/service.js'
import { createRequestRepo, type HouseholdRequestRow } from './repo.js'

/** The one answer to every accepted request: it never says whether the household has already answered. */
export const RECEIVED_MESSAGE = 'Mặt trận Tổ quốc xã đã nhận yêu cầu của ông/bà và sẽ liên hệ để gửi phiếu hoặc đến tận nhà. Xin cảm ơn.'

const roundClosed = () =>
  new AppError('round_closed', 'Hiện không có đợt lấy ý kiến nào đang mở ở xã (hoặc thôn) này. Xin cảm ơn ông/bà.', 410)

/** Names compared the way people write them: Unicode NFC, lower case, single spaces. */
export function normalizeName(s: string): string {
  return s.normalize('NFC').toLocaleLowerCase('vi').replace(/\s+/g, ' ').trim()
}

export type FormResult =
  | { ok: true; message: string }
  | { ok: false; status: 400; errors: Record<string, string>; values: Record<string, string> }

export function createRequestService(deps: {
  db: AppDb
  clock: Clock
  audit: AuditService
  rounds: RoundService
  units: UnitService
  invitations: InvitationService
}) {
  const { db, clock, audit, rounds, units, invitations } = deps
  const repo = createRequestRepo(db)

  /** Rounds of a commune that accept ballots right now (follow-up rounds included). */
  async function openRounds(communeId: string): Promise<RoundRow[]> {
    const now = clock.now().getTime()
    return (await rounds.listAll({ communeIds: [communeId], status: 'open' }))
      .filter((r) => new Date(r.opensAt).getTime() <= now && now < new Date(r.closesAt).getTime())
      .sort((a, b) => (a.purpose === b.purpose ? a.createdAt.localeCompare(b.createdAt) : a.purpose === 'recognition' ? -1 : 1))
  }

  async function commune(communeId: string) {
    const c = await units.findById(communeId)
    if (c?.kind !== 'commune') throw notFound('commune')
    return c
  }

  /** The public page's data: the commune, its open rounds and their villages. No count of anything. */
  async function page(communeId: string): Promise<PublicRequestPage> {
    const c = await commune(communeId)
    const open = await openRounds(c.id)
    const villages = new Map<string, string>()
    for (const r of open) for (const v of await rounds.villagesOf(r)) villages.set(v.id, v.name)
    return {
      commune: { id: c.id, name: c.name },
      rounds: open.map((r) => ({ id: r.id, title: r.title, closesAt: r.closesAt })),
      villages: [...villages.entries()].map(([id, name]) => ({ id, name })).sort((a, b) => a.name.localeCompare(b.name, 'vi')),
    }
  }

  /**
   * A resident's request. Always the same answer when accepted (and an identical pending request is
   * not stored twice); 410 when no round of the commune (covering the village) is open.
   */
  async function create(communeId: string, body: CreateHouseholdRequestBody): Promise<{ status: 'received'; message: string }> {
    const c = await commune(communeId)
    const open = await openRounds(c.id)
    if (open.length === 0) throw roundClosed()
    let round = open[0] as RoundRow
    if (body.villageId) {
      const village = await units.findById(body.villageId)
      if (village?.kind !== 'village' || village.parentId !== c.id)
        throw badRequest('validation_failed', 'Thôn/ấp không thuộc xã này.', {
          issues: [{ path: 'villageId', message: 'Thôn/ấp không thuộc xã này.' }],
        })
      let covering: RoundRow | undefined
      for (const r of open) {
        if ((await rounds.villagesOf(r)).some((v) => v.id === village.id)) {
          covering = r
          break
        }
      }
      if (!covering) throw roundClosed()
      round = covering
    }
    const row = { roundId: round.id, villageId: body.villageId ?? null, headName: body.headName, phone: body.phone ?? null }
    await db.transaction(async (tx) => {
      if (await repo.findPendingDuplicate(row, tx)) return
      await repo.insert({ ...row, note: body.note || null, createdAt: clock.now().toISOString() }, tx)
    })
    return { status: 'received', message: RECEIVED_MESSAGE }
  }

  /** The plain HTML form (no JavaScript): validate, create, or give the messages back to show. */
  async function submitForm(communeId: string, raw: Record<string, unknown>): Promise<FormResult> {
    const parsed = CreateHouseholdRequestBody.safeParse(raw)
    const values = Object.fromEntries(
      ['villageId', 'headName', 'phone', 'note'].map((k) => [k, typeof raw[k] === 'string' ? (raw[k] as string).slice(0, 600) : '']),
    )
    if (!parsed.success) {
      const errors: Record<string, string> = {}
      for (const i of parsed.error.issues) errors[String(i.path[0] ?? 'form')] ??= i.message
      return { ok: false, status: 400, errors, values }
    }
    try {
      return { ok: true, message: (await create(communeId, parsed.data)).message }
    } catch (e) {
      if (e instanceof AppError && e.code === 'validation_failed')
        return { ok: false, status: 400, errors: { villageId: e.message }, values }
      throw e
    }
  }

  /** Staff reading or resolving requests: Front staff in scope (or admin); they carry names and phones. */
  async function managedRound(actor: Actor, roundId: string): Promise<RoundRow> {
    return actor.role === 'admin' ? await rounds.getVisible(actor, roundId) : await rounds.getManaged(actor, roundId)
  }

  async function toDtos(round: RoundRow, rows: HouseholdRequestRow[]): Promise<HouseholdRequest[]> {
    const villages = await rounds.villagesOf(round)
    const names = new Map(villages.map((v) => [v.id, v.name]))
    const hhs = await repo.householdsForMatching(villages.map((v) => v.id))
    const invited = await invitations.invitedHouseholds(round.id)
    const took = await invitations.participatedHouseholds(round.id)
    return rows.map((r) => {
      const name = normalizeName(r.headName)
      const candidates = hhs
        .filter(
          (h) => (!r.villageId || h.villageId === r.villageId) && (normalizeName(h.headName) === name || (r.phone && h.phone === r.phone)),
        )
        .slice(0, 20)
        .map((h) => ({
          householdId: h.id,
          villageId: h.villageId,
          code: h.code,
          headName: h.headName,
          invited: invited.has(h.id),
          participated: took.has(h.id),
        }))
      return {
        id: r.id,
        roundId: r.roundId,
        villageId: r.villageId,
        villageName: r.villageId ? (names.get(r.villageId) ?? null) : null,
        headName: r.headName,
        phone: r.phone,
        note: r.note,
        status: r.status,
        resolution: r.resolution,
        createdAt: r.createdAt,
        resolvedAt: r.resolvedAt,
        candidates,
      }
    })
  }

  return {
    page,
    create,
    submitForm,

    async list(actor: Actor, roundId: string): Promise<HouseholdRequest[]> {
      const round = await managedRound(actor, roundId)
      return await toDtos(round, await repo.listByRound(round.id))
    },

    /**
     * Resolve a request: `issue_link` revokes/reissues the matched household's link (staff pick the
     * household; one unambiguous candidate is taken as is), `visit` plans a paper visit, `reject`
     * needs a reason. New and visit-planned requests can be resolved; others answer 409.
     */
    async resolve(actor: Actor, roundId: string, requestId: string, body: ResolveHouseholdRequestBody) {
      const round = await managedRound(actor, roundId)
      const req = await repo.findById(requestId)
      if (!req || req.roundId !== round.id) throw notFound('request')
      if (req.status !== 'new' && req.status !== 'visit_planned')
        throw conflict('invalid_transition', `the request is already ${req.status}`, { status: req.status })
      const now = clock.now().toISOString()
      let link: { householdId: string; villageId: string; url?: string | undefined } | undefined
      if (body.action === 'issue_link') {
        let householdId = body.householdId
        if (!householdId) {
          const [dto] = await toDtos(round, [req])
          const open = dto?.candidates.filter((c) => !c.participated) ?? []
          if (open.length !== 1)
            throw badRequest('validation_failed', 'choose the household to send a link to', {
              issues: [{ path: 'householdId', message: 'required (no single matching household)' }],
            })
          householdId = (open[0] as { householdId: string }).householdId
        }
        link = await invitations.reissue(actor, round.id, householdId, body.channel ?? 'print')
      }
      const status = body.action === 'issue_link' ? 'link_issued' : body.action === 'visit' ? 'visit_planned' : 'rejected'
      const row = await db.transaction(async (tx) => {
        const updated = await repo.resolve(req.id, { status, resolution: body.reason ?? null, resolvedBy: actor.id, resolvedAt: now }, tx)
        await audit.record(tx, {
          actorId: actor.id,
          action: 'request.resolve',
          targetType: 'household_request',
          targetId: req.id,
          reason: body.reason ?? null,
          data: { roundId: round.id, action: body.action, ...(link ? { householdId: link.householdId } : {}) },
        })
        return updated
      })
      return { id: row.id, status: row.status, ...(link ? { link } : {}) }
    },

    /** Requests of a round per status, for the minutes ("N requests: x links sent, y visits, z rejected"). */
    async requestSummary(roundId: string): Promise<RequestSummary> {
      const out: RequestSummary = { total: 0, new: 0, link_issued: 0, visit_planned: 0, rejected: 0 }
      for (const r of await repo.countByStatus(roundId)) {
        out[r.status] = r.n
        out.total += r.n
      }
      return out
    },
  }
}
export type RequestService = ReturnType<typeof createRequestService>
