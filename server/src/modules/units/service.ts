import { type AppDb, first, provinceSettings } from '@app/db'
import {
  type CreateUnitBody,
  foldVi,
  type LinkChannelSetting,
  PARENT_KINDS,
  type SetLinkChannelBody,
  type Unit,
  type UnitListQuery,
  type UpdateUnitBody,
  viCollator,
} from '@app/shared'
import { eq } from 'drizzle-orm'
import { badRequest, conflict, forbidden, notFound } from '../../lib/app-error.js'
import type { AuditService } from '../audit/service.js'
import { type Actor, assertRole, assertUnitInScope, canSeeUnit, type ScopeResolver } from '../policy.js'
import { createUnitRepo, type UnitRow } from './repo.js'

export function toUnitDto(u: UnitRow, households?: number): Unit {
  return {
    id: u.id,
    kind: u.kind,
    name: u.name,
    code: u.code,
    parentId: u.parentId,
    validFrom: u.validFrom,
    validTo: u.validTo,
    successorId: u.successorId,
    ...(households === undefined ? {} : { households }),
  }
}

function assertDateOrder(validFrom: string | null, validTo: string | null): void {
  if (validFrom && validTo && validFrom > validTo) {
    throw badRequest('validation_failed', 'validFrom must not be after validTo', {
      issues: [{ path: 'validTo', message: 'before validFrom' }],
    })
  }
}

export function createUnitService(deps: { db: AppDb; audit: AuditService }) {
  const { db, audit } = deps
  const repo = createUnitRepo(db)

  /** Is `unitId` inside the subtree of `scopeId`? */
  const within: ScopeResolver = async (unitId, scopeId) => (await repo.ancestorIds(unitId)).includes(scopeId)

  /** Household totals for every unit of a list of units that forms whole subtrees. */
  async function householdTotals(all: UnitRow[]): Promise<Map<string, number>> {
    const perVillage = await repo.activeHouseholdCounts()
    const totals = new Map<string, number>()
    const byId = new Map(all.map((u) => [u.id, u]))
    for (const u of all) {
      if (u.kind !== 'village') continue
      const n = perVillage.get(u.id) ?? 0
      let cur: UnitRow | undefined = u
      while (cur) {
        totals.set(cur.id, (totals.get(cur.id) ?? 0) + n)
        cur = cur.parentId ? byId.get(cur.parentId) : undefined
      }
    }
    return totals
  }

  async function provinceOf(unitId: string): Promise<UnitRow | undefined> {
    for (const id of await repo.ancestorIds(unitId)) {
      const u = await repo.findById(id)
      if (u?.kind === 'province') return u
    }
    return undefined
  }

  /** The link channel setting that governs a unit (its province's); off when the province set nothing. */
  async function linkChannelOf(unitId: string): Promise<LinkChannelSetting | null> {
    const p = await provinceOf(unitId)
    if (!p) return null
    const row = await first(db.select().from(provinceSettings).where(eq(provinceSettings.provinceId, p.id)))
    return {
      provinceId: p.id,
      provinceName: p.name,
      enabled: row?.linkEnabled ?? false,
      legalBasis: row?.linkLegalBasis ?? null,
      updatedAt: row?.updatedAt ?? null,
    }
  }

  async function getVisible(actor: Actor, id: string): Promise<UnitRow> {
    const u = await repo.findById(id)
    if (!u || !(await canSeeUnit(actor, id, within))) throw notFound('unit')
    return u
  }

  return {
    within,
    getVisible,
    // the reads other modules make of the unit tree; writes stay behind create and update
    findById: repo.findById,
    children: repo.children,
    subtree: repo.subtree,
    ancestorIds: repo.ancestorIds,
    activeHouseholdCounts: repo.activeHouseholdCounts,
    predecessorsOf: repo.predecessorsOf,

    async list(actor: Actor, q: UnitListQuery): Promise<Unit[]> {
      const all = await repo.subtree(actor.role === 'admin' ? null : actor.unitId)
      const totals = await householdTotals(await (actor.role === 'admin' ? all : repo.subtree(actor.unitId)))
      const needle = q.q ? foldVi(q.q) : null
      return all
        .filter((u) => (q.parentId ? u.parentId === q.parentId : true))
        .filter((u) => (q.kind ? u.kind === q.kind : true))
        .filter((u) => (needle ? foldVi(`${u.name} ${u.code}`).includes(needle) : true))
        .sort((a, b) => viCollator.compare(a.name, b.name))
        .map((u) => toUnitDto(u, totals.get(u.id) ?? 0))
    },

    async get(actor: Actor, id: string): Promise<Unit> {
      const u = await getVisible(actor, id)
      const totals = await householdTotals(await repo.subtree(u.id))
      return toUnitDto(u, totals.get(u.id) ?? 0)
    },

    /** Admin anywhere; front_staff inside their scope (e.g. add a village to their commune). */
    async create(actor: Actor, body: CreateUnitBody): Promise<Unit> {
      assertRole(actor, ['admin', 'front_staff'])
      const parentId = body.parentId ?? null
      const parent = parentId ? await repo.findById(parentId) : undefined
      if (parentId && (!parent || !(await canSeeUnit(actor, parentId, within)))) throw notFound('parent unit')
      if (!parentId && actor.role !== 'admin') throw notFound('parent unit')
      assertDateOrder(body.validFrom ?? null, body.validTo ?? null)
      if (!PARENT_KINDS[body.kind].includes(parent?.kind ?? null)) {
        throw badRequest('validation_failed', `a ${body.kind} cannot be placed under ${parent?.kind ?? 'the root'}`, {
          issues: [{ path: 'parentId', message: 'wrong parent kind' }],
        })
      }
      return await db.transaction(async (tx) => {
        const siblings = parentId ? await repo.children(parentId, undefined, tx) : (await repo.subtree(null, tx)).filter((u) => !u.parentId)
        let code = body.code
        if (!code) {
          const prefix = parent?.code ? `${parent.code}-` : ''
          let i = siblings.length + 1
          while (siblings.some((s) => s.code === `${prefix}${String(i).padStart(2, '0')}`)) i++
          code = `${prefix}${String(i).padStart(2, '0')}`
        }
        if (siblings.some((s) => s.code === code)) throw conflict('already_exists', `code ${code} is already used under this parent`)
        const row = await repo.insert(
          { kind: body.kind, name: body.name, code, parentId, validFrom: body.validFrom ?? null, validTo: body.validTo ?? null },
          tx,
        )
        await audit.record(tx, {
          actorId: actor.id,
          action: 'unit.create',
          targetType: 'unit',
          targetId: row.id,
          data: { kind: row.kind, code },
        })
        return toUnitDto(row, 0)
      })
    },

    /** The province a unit belongs to (itself for a province). */
    provinceOf,

    linkChannelOf,

    async linkChannel(actor: Actor, id: string): Promise<LinkChannelSetting> {
      await getVisible(actor, id)
      const s = await linkChannelOf(id)
      if (!s) throw notFound('province')
      return s
    },

    /** Admin, or the Front staff of that province (not a commune's): the province's own decision. */
    async setLinkChannel(actor: Actor, id: string, body: SetLinkChannelBody): Promise<LinkChannelSetting> {
      assertRole(actor, ['admin', 'front_staff'])
      const u = await getVisible(actor, id)
      if (u.kind !== 'province')
        throw badRequest('validation_failed', 'Chỉ cấp tỉnh mới thiết lập kênh lấy ý kiến qua đường link/Zalo', {
          issues: [{ path: 'id', message: 'not a province' }],
        })
      if (actor.role !== 'admin' && actor.unitId !== u.id) throw forbidden()
      const legalBasis = body.legalBasis ?? null
      await db.transaction(async (tx) => {
        await tx
          .insert(provinceSettings)
          .values({ provinceId: u.id, linkEnabled: body.enabled, linkLegalBasis: legalBasis, updatedBy: actor.id })
          .onConflictDoUpdate({
            target: provinceSettings.provinceId,
            set: { linkEnabled: body.enabled, linkLegalBasis: legalBasis, updatedBy: actor.id, updatedAt: new Date().toISOString() },
          })
        await audit.record(tx, {
          actorId: actor.id,
          action: 'province.link_channel',
          targetType: 'unit',
          targetId: u.id,
          data: { enabled: body.enabled, legalBasis },
        })
      })
      return (await linkChannelOf(u.id)) as LinkChannelSetting
    },

    async update(actor: Actor, id: string, body: UpdateUnitBody): Promise<Unit> {
      assertRole(actor, ['admin', 'front_staff'])
      const u = await getVisible(actor, id)
      if (actor.role !== 'admin' && u.id === actor.unitId) throw notFound('unit')
      if (body.successorId) {
        // an unknown successor is a 404 like a foreign one (and never reaches the foreign key as a 500)
        const successor = await repo.findById(body.successorId)
        if (!successor) throw notFound('successor unit')
        await assertUnitInScope(actor, successor.id, within, 'successor unit')
        if (successor.id === u.id || successor.kind !== u.kind) {
          throw badRequest('validation_failed', 'the successor must be another unit of the same kind', {
            issues: [{ path: 'successorId', message: successor.id === u.id ? 'a unit cannot succeed itself' : `not a ${u.kind}` }],
          })
        }
      }
      // check the dates as they will be stored, not only when both are in the patch
      assertDateOrder(body.validFrom === undefined ? u.validFrom : body.validFrom, body.validTo === undefined ? u.validTo : body.validTo)
      return await db.transaction(async (tx) => {
        if (body.code && body.code !== u.code) {
          const clash = await repo.findChildByCode(u.parentId, body.code, tx)
          if (clash) throw conflict('already_exists', `code ${body.code} is already used under this parent`)
        }
        const row = await repo.update(id, body, tx)
        if (!row) throw notFound('unit')
        await audit.record(tx, {
          actorId: actor.id,
          action: 'unit.update',
          targetType: 'unit',
          targetId: id,
          data: { fields: Object.keys(body) },
        })
        return toUnitDto(row)
      })
    },
  }
}
export type UnitService = ReturnType<typeof createUnitService>
