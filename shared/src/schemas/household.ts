import { z } from 'zod'
import { Id, text } from './common.js'

export const Household = z.object({
  id: Id,
  villageId: Id,
  code: z.string(),
  headName: z.string(),
  active: z.boolean(),
  /** Only for roles allowed to see phones (admin, front_staff); absent otherwise. */
  phone: z.string().nullable().optional(),
  address: z.string().nullable().optional(),
})
export type Household = z.infer<typeof Household>

/**
 * Why households are added to a village whose round is already open: required then, and only province Front
 * staff (or an admin) may add them (the frame is frozen at open, TRUST.md §2.8); printed in the minutes.
 */
export const HouseholdImportQuery = z.object({ reason: text().trim().min(3).max(1000).optional() })

export const HouseholdListQuery = z.object({
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  q: text().trim().max(100).optional(),
})

export const ImportRejectionCode = z.enum([
  'missing_field',
  'unknown_village',
  'invalid_phone',
  'duplicate_in_file',
  'too_long',
  'ill_formed_text',
])
export type ImportRejectionCode = z.infer<typeof ImportRejectionCode>

export const ImportRejection = z.object({ row: z.number().int(), code: ImportRejectionCode, message: z.string() })
export type ImportRejection = z.infer<typeof ImportRejection>

export const ImportResult = z.object({
  created: z.number().int(),
  updated: z.number().int(),
  unchanged: z.number().int(),
  rejected: z.array(ImportRejection),
})
export type ImportResult = z.infer<typeof ImportResult>

/** One parsed row of a household file before validation. */
export interface HouseholdRow {
  villageCode: string
  householdCode: string
  headName: string
  phone: string
  address: string
}

/** The rule a household phone must meet, as the import and the forms say it. */
export const MOBILE_RULE_VI = 'cần số di động 10 chữ số, bắt đầu bằng 03, 05, 07, 08 hoặc 09'

/**
 * Normalise a Vietnamese mobile number to E.164 without "+" (84…): accepts 0xxxxxxxxx, 84xxxxxxxxx,
 * +84xxxxxxxxx, with spaces, dots, dashes or parentheses. A household's phone only serves Zalo and SMS,
 * which reach mobiles alone, so only the mobile prefixes 03, 05, 07, 08 and 09 are accepted (ZALO.md §8.6;
 * a landline would be refused by Zalo with -108 on the day of sending). Returns null otherwise.
 * A spreadsheet that stored the number as a number drops the leading 0 (912345678): a bare 9-digit
 * mobile number is accepted as national for that reason.
 */
export function normalizeVnPhone(raw: string): string | null {
  const s = raw.replace(/[\s.\-()]/g, '')
  const m = /^(?:\+84|84|0)?([35789]\d{8})$/.exec(s)
  return m ? `84${m[1]}` : null
}

/** Longest household code, head name and address, for the import and the one-household forms alike. */
export const HOUSEHOLD_MAX = { code: 32, headName: 200, address: 500 } as const

/** A phone as a person types it ('' = none); kept only when it is a Vietnamese mobile number. */
const HouseholdPhone = text()
  .trim()
  .max(30, `Số điện thoại không hợp lệ: ${MOBILE_RULE_VI}.`)
  .refine((s) => s === '' || normalizeVnPhone(s) !== null, { message: `Số điện thoại không hợp lệ: ${MOBILE_RULE_VI}.` })
const HouseholdAddress = text().trim().max(HOUSEHOLD_MAX.address, `Địa chỉ tối đa ${HOUSEHOLD_MAX.address} ký tự.`)
const HeadName = text()
  .trim()
  .min(1, 'Hãy nhập họ tên chủ hộ.')
  .max(HOUSEHOLD_MAX.headName, `Họ tên chủ hộ tối đa ${HOUSEHOLD_MAX.headName} ký tự.`)
/**
 * Why a household joins a village whose round is open (province Front staff or admin; printed in the minutes),
 * as for the import.
 */
const FrameReason = text().trim().min(3, 'Lý do cần ít nhất 3 ký tự.').max(1000, 'Lý do tối đa 1000 ký tự.')

/** One household added by hand to a village (the forms of the households page). */
export const CreateHouseholdBody = z.object({
  code: text().trim().min(1, 'Hãy nhập mã hộ.').max(HOUSEHOLD_MAX.code, `Mã hộ tối đa ${HOUSEHOLD_MAX.code} ký tự.`),
  headName: HeadName,
  phone: HouseholdPhone.optional(),
  address: HouseholdAddress.optional(),
  reason: FrameReason.optional(),
})
export type CreateHouseholdBody = z.infer<typeof CreateHouseholdBody>

/**
 * Edit one household: name, phone, address ('' or null clears the last two), or `active` (false: no longer
 * surveyed, e.g. moved away; true: surveyed again). The code is the household's identity and is not edited.
 */
export const UpdateHouseholdBody = z
  .object({
    headName: HeadName.optional(),
    phone: HouseholdPhone.nullable().optional(),
    address: HouseholdAddress.nullable().optional(),
    active: z.boolean().optional(),
    reason: FrameReason.optional(),
  })
  .refine((b) => Object.keys(b).some((k) => k !== 'reason'), 'Không có gì để sửa.')
export type UpdateHouseholdBody = z.infer<typeof UpdateHouseholdBody>

export const HouseholdParams = z.object({ villageId: Id, householdId: Id })
