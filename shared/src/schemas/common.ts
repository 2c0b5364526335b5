import { z } from 'zod'

export const Id = z.string().min(1).max(64)
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

export function paged<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), page: z.number().int(), limit: z.number().int(), total: z.number().int() })
}
