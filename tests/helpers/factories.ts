import type { Db } from '@app/db'
import { households, provinceSettings, units, users } from '@app/db'
import { hashPassword } from '@app/server/lib/passwords.ts'
import type { Role } from '@app/shared'

export const TEST_PASSWORD = 'hailong-test-pw'
let cachedHash: string | undefined

type UnitInsert = typeof units.$inferInsert

/**
 * A unit. A province allows the link channel (personal links by QR, Zalo, SMS) with a test basis, as the demo
 * provinces do, unless `linkChannel: false`.
 */
export function makeUnit(db: Db, row: Partial<UnitInsert> & Pick<UnitInsert, 'kind' | 'name'> & { linkChannel?: boolean }) {
  const { linkChannel, ...values } = row
  const unit = db
    .insert(units)
    .values({
      code: values.code ?? `${values.kind.slice(0, 1).toUpperCase()}${Math.random().toString(36).slice(2, 8)}`,
      parentId: null,
      ...values,
    })
    .returning()
    .get()
  // a database built by older migrations (the storage migration test) has no such table yet
  const hasSettings = db.$client.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'province_settings'").get()
  if (unit.kind === 'province' && linkChannel !== false && hasSettings)
    db.insert(provinceSettings).values({ provinceId: unit.id, linkEnabled: true, linkLegalBasis: TEST_LINK_BASIS }).run()
  return unit
}

export const TEST_LINK_BASIS = 'Kế hoạch số 01/KH-UBND ngày 02/01/2026 của Ủy ban nhân dân tỉnh Thử'

/** A province with one commune and `villages` villages, each with `perVillage` households. */
export function makeCommune(
  db: Db,
  opts: { provinceName?: string; name?: string; code?: string; villages?: number; perVillage?: number; province?: { id: string } } = {},
) {
  const province = opts.province ?? makeUnit(db, { kind: 'province', name: opts.provinceName ?? 'Tỉnh Thử' })
  const code = opts.code ?? 'XT'
  const commune = makeUnit(db, { kind: 'commune', name: opts.name ?? 'Xã Thử', code, parentId: province.id })
  const villages = Array.from({ length: opts.villages ?? 2 }, (_, i) =>
    makeUnit(db, { kind: 'village', name: `Ấp ${i + 1}`, code: `${code}-${String(i + 1).padStart(2, '0')}`, parentId: commune.id }),
  )
  const hh = villages.flatMap((v) => makeHouseholds(db, v.id, opts.perVillage ?? 0))
  return { province, commune, villages, households: hh }
}

export function makeHouseholds(db: Db, villageId: string, n: number, prefix = 'H') {
  const rows = Array.from({ length: n }, (_, i) => ({
    villageId,
    code: `${prefix}${String(i + 1).padStart(4, '0')}`,
    headName: `Chủ Hộ Thử ${i + 1}`,
    phone: `8490${String(1_000_000 + i).padStart(7, '0')}`,
    address: `Số ${i + 1}`,
    asOf: '2025-06-01',
  }))
  const out: (typeof households.$inferSelect)[] = []
  for (let i = 0; i < rows.length; i += 1000)
    out.push(
      ...db
        .insert(households)
        .values(rows.slice(i, i + 1000))
        .returning()
        .all(),
    )
  return out
}

export async function makeUser(db: Db, opts: { username: string; role: Role; unitId: string; disabled?: boolean }) {
  cachedHash ??= await hashPassword(TEST_PASSWORD)
  return db
    .insert(users)
    .values({ username: opts.username, role: opts.role, unitId: opts.unitId, passwordHash: cachedHash, disabled: opts.disabled ?? false })
    .returning()
    .get()
}
