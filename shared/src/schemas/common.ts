import { z } from 'zod'
import { ILL_FORMED_MESSAGE, isWellFormedText } from './wellformed.js'

/** Ids are ours (hex); an ill-formed one is refused like any ill-formed text rather than looked up. */
export const Id = z.string().min(1).max(64).refine(isWellFormedText, { message: ILL_FORMED_MESSAGE, abort: true })
export const IdParams = z.object({ id: Id })
export const IsoDateTime = z.iso.datetime({ offset: true })
export const IsoDate = z.iso.date()

/** Bounded pagination (limit ≤ 100). Query strings arrive as strings, hence coerce. */
export const PageQuery = z.object({
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  limit: z.coerce.number().int().min(1).max(100).default(50),
})
export type PageQuery = z.infer<typeof PageQuery>

export const Health = z.object({ status: z.literal('ok') })

/** A complete list (no paging): the server returns every item in scope, bounded by the scope itself. */
export function items<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item) })
}

export function paged<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), page: z.number().int(), limit: z.number().int(), total: z.number().int() })
}

/**
 * Every text a person sends (request schemas only): well-formed Unicode without control
 * characters, NFC-normalised, so what is hashed is exactly what is stored (TRUST §2.7). Chain
 * `.trim().min().max()` etc. after it. `normalize` rewrites in place (not a `.transform`), so the
 * type stays a plain string.
 */
export const text = (params?: Parameters<typeof z.string>[0]) =>
  z.string(params).refine(isWellFormedText, { message: ILL_FORMED_MESSAGE, abort: true }).normalize('NFC')
