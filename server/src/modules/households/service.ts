import { type AppDb, type Conn, rounds } from '@app/db'
import {
  type CreateHouseholdBody,
  foldVi,
  type Household,
  type ImportRejection,
  type ImportResult,
  isWellFormedText,
  MOBILE_RULE_VI,
  normalizeVnPhone,
  type UpdateHouseholdBody,
  viCollator,
  vnDay,
} from '@app/shared'
import { and, eq, isNull, or } from 'drizzle-orm'
import { AppError, badRequest, forbidden } from '../../lib/app-error.js'
import type { Clock } from '../../lib/clock.js'
import type { AuditService } from '../audit/service.js'
import { type Actor, assertRole, canSeeContact } from '../policy.js'
import type { UnitService } from '../units/service.js'
import { type FileKind, type ParsedRow, parseHouseholdFile } from './parse.js'
import { excerpt, type ImportLimits } from './reader.js'
import { createHouseholdRepo, type HouseholdRowDb, type NewHousehold } from './repo.js'

const MAX_LEN = { householdCode: 32, headName: 200, address: 500 } as const

export function toHouseholdDto(h: HouseholdRowDb, withContact: boolean): Household {
  const base = { id: h.id, villageId: h.villageId, code: h.code, headName: h.headName, active: h.active }
  return withContact ? { ...base, phone: h.phone, address: h.address } : base
}

export type ImportProgress = (done: number, total: number) => void

export function createHouseholdService(deps: { db: AppDb; clock: Clock; audit: AuditService; units: UnitService; limits: ImportLimits }) {
  const { db, clock, audit, units, limits } = deps
  const repo = createHouseholdRepo(db)

  function validateRows(rows: ParsedRow[], villageByCode: Map<string, string>) {
    const rejected: ImportRejection[] = []
    const good: { row: ParsedRow; villageId: string; phone: string | null }[] = []
    const seen = new Set<string>()
    for (const r of rows) {
      const reject = (code: ImportRejection['code'], message: string) => rejected.push({ row: r.row, code, message })
      if (!r.villageCode || !r.householdCode || !r.headName) {
        const miss = [!r.villageCode && 'mã thôn/ấp', !r.householdCode && 'mã hộ', !r.headName && 'tên chủ hộ'].filter(Boolean)
        reject('missing_field', `thiếu ${miss.join(', ')}`)
        continue
      }
      if (![r.villageCode, r.householdCode, r.headName, r.phone, r.address].every(isWellFormedText)) {
        reject('ill_formed_text', 'có ký tự không hợp lệ (ký tự điều khiển hoặc mã Unicode hỏng); sửa ô đó trong tệp')
        continue
      }
      const villageId = villageByCode.get(r.villageCode.toUpperCase())
      if (!villageId) {
        reject('unknown_village', `mã ấp/thôn "${excerpt(r.villageCode, 40)}" không thuộc xã này`)
        continue
      }
      if (r.householdCode.length > MAX_LEN.householdCode || r.headName.length > MAX_LEN.headName || r.address.length > MAX_LEN.address) {
        reject('too_long', 'một trường quá dài (mã hộ ≤ 32, họ tên ≤ 200, địa chỉ ≤ 500 ký tự)')
        continue
      }
      let phone: string | null = null
      if (r.phone) {
        phone = normalizeVnPhone(r.phone)
        if (!phone) {
          reject('invalid_phone', `số điện thoại không hợp lệ: ${MOBILE_RULE_VI}`)
          continue
        }
      }
      const key = `${villageId}|${r.householdCode}`
      if (seen.has(key)) {
        reject('duplicate_in_file', `mã hộ ${r.householdCode} lặp lại trong tệp`)
        continue
      }
      seen.add(key)
      good.push({ row: r, villageId, phone })
    }
    return { rejected, good }
  }

  /**
   * Open rounds of a commune with the villages each covers (every village of the commune when none are named).
   * `reopenable` adds rounds closed but not yet disclosed: the province may still reopen them, so their frame is
   * the one a household joining now would enter without the record.
   */
  async function openRoundsOf(communeId: string, villageIds: string[], tx: Conn, opts: { reopenable?: boolean } = {}) {
    const live = opts.reopenable
      ? or(eq(rounds.status, 'open'), and(eq(rounds.status, 'closed'), isNull(rounds.disclosedAt)))
      : eq(rounds.status, 'open')
    return (
      await tx
        .select({
          id: rounds.id,
          title: rounds.title,
          status: rounds.status,
          villageIds: rounds.villageIds,
          frameSnapshot: rounds.frameSnapshot,
        })
        .from(rounds)
        .where(and(eq(rounds.communeId, communeId), live))
    ).map((r) => ({ ...r, covers: new Set(r.villageIds ?? villageIds) }))
  }

  /**
   * Households joining a village of an open round change the frame the round was opened with (its coverage
   * denominators): refused to commune staff (409 frame_frozen); the province Front (or an admin) adds them with
   * a reason (422 reason_required), each round's frame grows by them and the addition goes on the record.
   */
  async function freezeCheck(
    actor: Actor,
    communeId: string,
    added: Map<string, number>,
    villageIds: string[],
    reason: string | undefined,
    tx: Conn,
    /** Who asks: a file (the import) or the form for one household. */
    source: 'file' | 'form' = 'file',
  ) {
    const open = (await openRoundsOf(communeId, villageIds, tx, { reopenable: true }))
      .map((r) => ({ ...r, added: [...added].filter(([v]) => r.covers.has(v)) }))
      .filter((r) => r.added.length > 0)
    if (open.length === 0) return []
    const n = new Set(open.flatMap((r) => r.added.map(([v]) => v))).size
    const households = [...added].filter(([v]) => open.some((r) => r.covers.has(v))).reduce((a, [, k]) => a + k, 0)
    const names = new Map((await units.children(communeId, 'village')).map((v) => [v.id, v.name]))
    const where = [...new Set(open.flatMap((r) => r.added.map(([v]) => names.get(v) ?? v)))].join(', ')
    const details = { households, villages: n, rounds: open.map((r) => ({ roundId: r.id, title: r.title })) }
    const titles = open.map((r) => `“${r.title}”`).join(', ')
    // a closed round whose results are not out yet can be reopened: its frame is still the round's
    const allOpen = open.every((r) => r.status === 'open')
    const state = allOpen ? 'đang mở' : 'đã kết thúc thu phiếu nhưng chưa công bố kết quả (còn có thể mở lại)'
    const later = allOpen ? 'sau khi kết thúc đợt' : 'sau khi công bố kết quả'
    const province = actor.role === 'admin' || (actor.role === 'front_staff' && (await units.findById(actor.unitId))?.kind === 'province')
    const subject = source === 'file' ? `Tệp có ${households} hộ mới ở ${where}` : `Thêm hộ vào ${where}`
    if (!province)
      throw new AppError(
        'frame_frozen',
        source === 'file'
          ? `${subject}, nơi đợt ${titles} ${state}: danh sách hộ đã chốt khi mở đợt nên không thêm được. Bỏ các hộ mới khỏi tệp (sửa số điện thoại, địa chỉ vẫn được), hoặc đề nghị Ban Thường trực MTTQ tỉnh bổ sung kèm lý do.`
          : `${where} thuộc đợt ${titles} ${state}: danh sách hộ đã chốt khi mở đợt nên không thêm hộ được (sửa họ tên, số điện thoại, địa chỉ của hộ đã có vẫn được). Đề nghị Ban Thường trực MTTQ tỉnh bổ sung kèm lý do, hoặc thêm ${later}.`,
        409,
        details,
      )
    if (!reason)
      throw new AppError('reason_required', `${subject}, nơi đợt ${titles} ${state}: hãy ghi lý do bổ sung (sẽ in trong biên bản).`, 422, {
        ...details,
        issues: [{ path: 'reason', message: 'required' }],
      })
    return open
  }

  /** Each open round's frame grows by the households added with the province's reason, on the record. */
  async function growFrames(actor: Actor, frozen: Awaited<ReturnType<typeof freezeCheck>>, reason: string | undefined, tx: Conn) {
    for (const r of await frozen) {
      const frame = { ...((r.frameSnapshot as Record<string, number> | null) ?? {}) }
      for (const [v, k] of r.added) frame[v] = (frame[v] ?? 0) + k
      await tx.update(rounds).set({ frameSnapshot: frame }).where(eq(rounds.id, r.id))
      await audit.record(tx, {
        actorId: actor.id,
        action: 'round.frame_addition',
        targetType: 'round',
        targetId: r.id,
        reason: reason ?? null,
        data: { households: r.added.reduce((a, [, k]) => a + k, 0), villages: Object.fromEntries(r.added) },
      })
    }
  }

  /** The village a household form writes to: Front staff or admin, in scope (404 outside), and a village. */
  async function villageForEdit(actor: Actor, villageId: string) {
    assertRole(actor, ['admin', 'front_staff'])
    const village = await units.getVisible(actor, villageId)
    if (village.kind !== 'village' || !village.parentId)
      throw badRequest('validation_failed', 'households belong to a village', {
        issues: [{ path: 'villageId', message: 'not a village' }],
      })
    return { village, communeId: village.parentId, villageIds: (await units.children(village.parentId, 'village')).map((v) => v.id) }
  }

  /** '' clears a phone or address; a phone is kept in its normal form (84…). */
  const phoneOf = (raw: string | null | undefined) => (raw ? normalizeVnPhone(raw) : null)
  const addressOf = (raw: string | null | undefined) => (raw ? raw : null)

  return {
    /** One household row, unscoped: for modules that check the scope themselves (paper entry). */
    findById: repo.findById,

    /**
     * Add one household to a village by hand. Its code is unique in the village (409 already_exists). In a village
     * of an open round the frame is frozen: as for the import, commune staff are refused (409 frame_frozen) and
     * the province adds it with a reason (422 reason_required), which grows the round's frame on the record.
     */
    async createOne(actor: Actor, villageId: string, body: CreateHouseholdBody): Promise<Household> {
      const { village, communeId, villageIds } = await villageForEdit(actor, villageId)
      return await db.transaction(
        async (tx) => {
          const clash = (await repo.listByVillage(villageId, tx)).find((h) => h.code.toUpperCase() === body.code.toUpperCase())
          if (clash)
            throw new AppError(
              'already_exists',
              `Mã hộ ${clash.code} đã có ở ${village.name} (chủ hộ ${clash.headName}${clash.active ? '' : ', đang ngừng theo dõi'}). Dùng mã khác, hoặc sửa hộ đó.`,
              409,
              { householdId: clash.id },
            )
          await growFrames(
            actor,
            await freezeCheck(actor, communeId, new Map([[villageId, 1]]), villageIds, body.reason, tx, 'form'),
            body.reason,
            tx,
          )
          const row = {
            villageId,
            code: body.code,
            headName: body.headName,
            phone: phoneOf(body.phone),
            address: addressOf(body.address),
            active: true,
            source: 'manual',
            asOf: vnDay(clock.now()),
          }
          await repo.insertMany([row], tx)
          const created = (await repo.listByVillage(villageId, tx)).find((h) => h.code === body.code)
          if (!created) throw new Error('household insert lost')
          await audit.record(tx, {
            actorId: actor.id,
            action: 'household.create',
            targetType: 'household',
            targetId: created.id,
            reason: body.reason ?? null,
            data: { villageId, withPhone: row.phone !== null, withAddress: row.address !== null },
          })
          return toHouseholdDto(created, canSeeContact(actor))
        },
        { behavior: 'immediate' },
      )
    },

    /**
     * Edit one household. Name, phone and address may change at any time (the frame counts households, not their
     * contacts). Surveying it again (`active: true`) joins the frame like an addition; no longer surveying it
     * (`active: false`) while an open round covers its village is refused to everyone (409 frame_frozen): the
     * frame the round opened with stays until the round closes.
     */
    async updateOne(actor: Actor, villageId: string, householdId: string, body: UpdateHouseholdBody): Promise<Household> {
      const { village, communeId, villageIds } = await villageForEdit(actor, villageId)
      return await db.transaction(
        async (tx) => {
          const cur = await repo.findById(householdId, tx)
          if (!cur || cur.villageId !== villageId) throw new AppError('not_found', 'Không tìm thấy hộ này ở thôn/ấp đã chọn.', 404)
          const patch: Partial<NewHousehold> = {}
          if (body.headName !== undefined && body.headName !== cur.headName) patch.headName = body.headName
          if (body.phone !== undefined && phoneOf(body.phone) !== cur.phone) patch.phone = phoneOf(body.phone)
          if (body.address !== undefined && addressOf(body.address) !== cur.address) patch.address = addressOf(body.address)
          if (body.active !== undefined && body.active !== cur.active) patch.active = body.active
          if (patch.active === true)
            await growFrames(
              actor,
              await freezeCheck(actor, communeId, new Map([[villageId, 1]]), villageIds, body.reason, tx, 'form'),
              body.reason,
              tx,
            )
          if (patch.active === false) {
            const open = (await openRoundsOf(communeId, villageIds, tx)).filter((r) => r.covers.has(villageId))
            if (open.length)
              throw new AppError(
                'frame_frozen',
                `${village.name} đang thu phiếu của đợt ${open.map((r) => `“${r.title}”`).join(', ')}: danh sách hộ đã chốt khi mở đợt nên chưa ngừng theo dõi hộ ${cur.code} được. Làm việc này sau khi kết thúc đợt (hộ không tham gia thì độ bao phủ ghi nhận đúng như vậy).`,
                409,
                { rounds: open.map((r) => ({ roundId: r.id, title: r.title })) },
              )
          }
          if (Object.keys(patch).length === 0) return toHouseholdDto(cur, canSeeContact(actor))
          await repo.update(cur.id, { ...patch, asOf: vnDay(clock.now()) }, tx)
          await audit.record(tx, {
            actorId: actor.id,
            action: patch.active === false ? 'household.deactivate' : patch.active === true ? 'household.reactivate' : 'household.update',
            targetType: 'household',
            targetId: cur.id,
            reason: body.reason ?? null,
            data: { villageId, fields: Object.keys(patch) },
          })
          const next = await repo.findById(cur.id, tx)
          if (!next) throw new AppError('not_found', 'Không tìm thấy hộ này ở thôn/ấp đã chọn.', 404)
          return toHouseholdDto(next, canSeeContact(actor))
        },
        { behavior: 'immediate' },
      )
    },

    /**
     * Import households of one commune from a CSV or XLSX file. Good rows are upserted by
     * (village, household code); row-level problems are reported with their row number. A malformed
     * file is rejected whole and nothing is written. Re-importing the same file changes nothing.
     */
    async import(
      actor: Actor,
      communeId: string,
      file: { buffer: Buffer; kind: FileKind },
      onProgress?: ImportProgress,
      /** Why households are added to villages of an open round (province Front staff or admin only). */
      reason?: string,
    ): Promise<ImportResult> {
      assertRole(actor, ['admin', 'front_staff'])
      const commune = await units.getVisible(actor, communeId)
      if (commune.kind !== 'commune')
        throw badRequest('validation_failed', 'households are imported into a commune', {
          issues: [{ path: 'communeId', message: 'not a commune' }],
        })
      const rows = await parseHouseholdFile(file.buffer, file.kind, limits)
      const villages = await units.children(communeId, 'village')
      const villageByCode = new Map(villages.map((v) => [v.code.toUpperCase(), v.id]))
      const { rejected, good } = validateRows(rows, villageByCode)
      const asOf = vnDay(clock.now())
      let created = 0
      let updated = 0
      let unchanged = 0
      // IMMEDIATE: the transaction reads the village's households and then writes. Deferred, a second
      // process (the import CLI beside the server) committing in between made the upgrade fail with
      // SQLITE_BUSY_SNAPSHOT → 500 under concurrent imports; immediate takes the write lock first and waits (busy_timeout).
      await db.transaction(
        async (tx) => {
          const existing = new Map(
            (
              await repo.inVillages(
                villages.map((v) => v.id),
                tx,
              )
            ).map((h) => [`${h.villageId}|${h.code}`, h]),
          )
          const inserts: NewHousehold[] = []
          // households that join the frame: new ones, and inactive ones made active again
          const joining = new Map<string, number>()
          for (const g of good) {
            const cur = existing.get(`${g.villageId}|${g.row.householdCode}`)
            if (!cur?.active) joining.set(g.villageId, (joining.get(g.villageId) ?? 0) + 1)
          }
          const frozen = joining.size
            ? await freezeCheck(
                actor,
                communeId,
                joining,
                villages.map((v) => v.id),
                reason,
                tx,
              )
            : []
          await growFrames(actor, frozen, reason, tx)
          // progress counts rows settled: compared (and updated when needed), or inserted
          let settled = 0
          for (const [i, g] of good.entries()) {
            const next = { headName: g.row.headName, phone: g.phone, address: g.row.address || null, active: true }
            const cur = existing.get(`${g.villageId}|${g.row.householdCode}`)
            if (!cur) {
              inserts.push({ villageId: g.villageId, code: g.row.householdCode, ...next, source: 'import', asOf })
              created++
            } else if (cur.headName !== next.headName || cur.phone !== next.phone || cur.address !== next.address || !cur.active) {
              await repo.update(cur.id, { ...next, asOf }, tx)
              updated++
            } else unchanged++
            if (cur) settled++
            if (onProgress && i % 1000 === 0) onProgress(settled, good.length)
          }
          for (let i = 0; i < inserts.length; i += 1000) {
            const chunk = inserts.slice(i, i + 1000)
            await repo.insertMany(chunk, tx)
            settled += chunk.length
            onProgress?.(settled, good.length)
          }
          await audit.record(tx, {
            actorId: actor.id,
            action: 'households.import',
            targetType: 'unit',
            targetId: communeId,
            data: { kind: file.kind, rows: rows.length, created, updated, unchanged, rejected: rejected.length },
          })
        },
        { behavior: 'immediate' },
      )
      onProgress?.(good.length, good.length)
      return { created, updated, unchanged, rejected }
    },

    /** A village's households, paginated; phones and addresses only for roles allowed to see them. */
    async listByVillage(actor: Actor, villageId: string, q: { page: number; limit: number; q?: string | undefined }) {
      const village = await units.getVisible(actor, villageId)
      if (village.kind !== 'village')
        throw badRequest('validation_failed', 'households are listed per village', {
          issues: [{ path: 'villageId', message: 'not a village' }],
        })
      // Names of heads of household only where the work needs them: the Front (and admin) in scope, a
      // collector in the villages assigned to them; the council appraises results and needs none.
      if (actor.role === 'council') throw forbidden('household lists are for the Front and assigned collectors')
      if (actor.role === 'collector' && !(await repo.isAssignedCollector(actor.id, villageId)))
        throw forbidden('household lists are for the Front and the collectors assigned to this village')
      const needle = q.q ? foldVi(q.q) : null
      const all = (await repo.listByVillage(villageId))
        .filter((h) => (needle ? foldVi(`${h.code} ${h.headName}`).includes(needle) : true))
        .sort((a, b) => viCollator.compare(a.code, b.code))
      const withContact = canSeeContact(actor)
      return {
        items: all.slice((q.page - 1) * q.limit, q.page * q.limit).map((h) => toHouseholdDto(h, withContact)),
        page: q.page,
        limit: q.limit,
        total: all.length,
      }
    },
  }
}
export type HouseholdService = ReturnType<typeof createHouseholdService>
