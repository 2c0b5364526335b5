import { z } from 'zod'
import { Id, IsoDate, text } from './common.js'

export const UnitKind = z.enum(['province', 'district', 'commune', 'village'])
export type UnitKind = z.infer<typeof UnitKind>
export const UNIT_KINDS = UnitKind.options

export const UnitCode = text()
  .trim()
  .min(1)
  .max(32)
  .regex(/^[A-Za-z0-9._-]+$/, 'code: letters, digits, dot, dash, underscore')

export const Unit = z.object({
  id: Id,
  kind: UnitKind,
  name: z.string(),
  code: z.string(),
  parentId: Id.nullable(),
  validFrom: IsoDate.nullable(),
  validTo: IsoDate.nullable(),
  successorId: Id.nullable(),
  households: z.number().int().optional(),
})
export type Unit = z.infer<typeof Unit>

export const UnitListQuery = z.object({
  parentId: Id.optional(),
  kind: UnitKind.optional(),
  q: text().trim().max(100).optional(),
})
export type UnitListQuery = z.infer<typeof UnitListQuery>

export const CreateUnitBody = z.object({
  kind: UnitKind,
  name: text().trim().min(1).max(200),
  code: UnitCode.optional(),
  parentId: Id.nullable().optional(),
  validFrom: IsoDate.optional(),
  validTo: IsoDate.optional(),
})
export type CreateUnitBody = z.infer<typeof CreateUnitBody>

export const UpdateUnitBody = z
  .object({
    name: text().trim().min(1).max(200),
    code: UnitCode,
    validFrom: IsoDate.nullable(),
    validTo: IsoDate.nullable(),
    successorId: Id.nullable(),
  })
  .partial()
  .refine((b) => Object.keys(b).length > 0, 'nothing to update')
export type UpdateUnitBody = z.infer<typeof UpdateUnitBody>

/**
 * Whether the province lets the Front collect opinions through personal links (QR, Zalo, SMS), and the
 * province's document that allows it (printed in the minutes). Read for any unit: the answer is its province's.
 */
export const LinkChannelSetting = z.object({
  provinceId: Id,
  provinceName: z.string(),
  enabled: z.boolean(),
  legalBasis: z.string().nullable(),
  updatedAt: z.string().nullable(),
})
export type LinkChannelSetting = z.infer<typeof LinkChannelSetting>

export const SetLinkChannelBody = z
  .object({
    enabled: z.boolean(),
    /** The province's plan or decision: number, date, issuer ("Kế hoạch số 45/KH-UBND ngày 10/3/2026 của UBND tỉnh …"). */
    legalBasis: text().trim().min(10).max(500).nullable().optional(),
  })
  .refine((b) => !b.enabled || !!b.legalBasis, {
    path: ['legalBasis'],
    message: 'Cần ghi căn cứ pháp lý (số, ngày văn bản của tỉnh) khi cho phép lấy ý kiến qua đường link/Zalo',
  })
export type SetLinkChannelBody = z.infer<typeof SetLinkChannelBody>

/** Which unit kinds may sit under which parent kind (district is optional and historical). */
export const PARENT_KINDS: Record<UnitKind, readonly (UnitKind | null)[]> = {
  province: [null],
  district: ['province'],
  commune: ['province', 'district'],
  village: ['commune'],
}
