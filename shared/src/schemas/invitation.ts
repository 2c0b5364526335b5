import { z } from 'zod'
import { Id, text } from './common.js'

/** Wire schemas of a round's invitations (links) and households: one contract for the routes and the staff app. */

export const InvitationChannel = z.enum(['print', 'zalo', 'sms'])
export type InvitationChannel = z.infer<typeof InvitationChannel>
/** A link's life: issued (printed), queued/sent/delivered/failed (by message), revoked, used (answered). */
export const InvitationStatus = z.enum(['issued', 'queued', 'sent', 'delivered', 'failed', 'revoked', 'used'])
export type InvitationStatus = z.infer<typeof InvitationStatus>

export const CreateInvitationsBody = z.object({ channel: InvitationChannel, villageIds: z.array(Id).min(1).max(500).optional() })
export type CreateInvitationsBody = z.infer<typeof CreateInvitationsBody>

/** A printed link, returned once when issued (it is stored only as a hash). */
export const InvitationLink = z.object({ householdId: Id, villageId: Id, householdCode: z.string(), url: z.string() })
export type InvitationLink = z.infer<typeof InvitationLink>

export const CreateInvitationsResult = z.object({
  created: z.number().int(),
  skippedNoPhone: z.number().int(),
  links: z.array(InvitationLink).optional(),
})
export type CreateInvitationsResult = z.infer<typeof CreateInvitationsResult>

/** What a sending would do, before it is confirmed: nothing is created or queued by asking. */
export const InvitationsPreview = z.object({
  channel: InvitationChannel,
  /** Households that would get a link (and, for zalo/sms, one message each). */
  households: z.number().int(),
  skippedNoPhone: z.number().int(),
  villages: z.array(z.object({ villageId: Id, name: z.string(), households: z.number().int() })),
  /** What SMS would cost in đồng (SMS_COST_VND each): every message for sms, at most every message (the fallback) for zalo, 0 for print or with SMS off. */
  sms: z.object({ enabled: z.boolean(), priceVnd: z.number().int(), maxMessages: z.number().int(), maxCostVnd: z.number().int() }),
})
export type InvitationsPreview = z.infer<typeof InvitationsPreview>

export const SlipsBody = z.object({ villageIds: z.array(Id).min(1).max(500).optional(), reissue: z.boolean().optional() }).optional()

export const NoticesBody = z.object({ villageIds: z.array(Id).min(1).max(500).optional() }).optional()

export const RevokeResult = z.object({ revoked: z.boolean() })
export const ReissueBody = z.object({ channel: InvitationChannel })
export const ReissueResult = z.object({
  householdId: Id,
  villageId: Id,
  url: z.string().optional(),
  /** The new printed link as an SVG QR code (same library as the slips), to print on the spot. */
  qrSvg: z.string().optional(),
  /** The same link as the code to type on `codeUrl` (/ma), in groups of four, as on the printed slip. */
  code: z.string().optional(),
  codeUrl: z.string().optional(),
  /** The help line (HOTLINE), when configured. */
  hotline: z.string().optional(),
})
export type ReissueResult = z.infer<typeof ReissueResult>

export const RoundHouseholdQuery = z.object({
  villageId: Id,
  status: z.enum(['pending', 'done']).optional(),
  q: text().trim().max(100).optional(),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  limit: z.coerce.number().int().min(1).max(100).default(100),
})

/** A household of a round with its link and participation status (never its answers). */
export const RoundHousehold = z.object({
  id: Id,
  code: z.string(),
  headName: z.string(),
  villageId: Id,
  invited: z.boolean(),
  participated: z.boolean(),
  /** Only for roles that may see contacts (admin, Front staff); a collector's list has names only. */
  phone: z.string().nullable().optional(),
  address: z.string().nullable().optional(),
})
export type RoundHousehold = z.infer<typeof RoundHousehold>

/** The door-to-door list of a village as a file for the collecting team. */
export const DoorListQuery = z.object({
  villageId: Id,
  delimiter: z.enum(['comma', 'semicolon']).default('comma'),
})

export const RoundHouseholdPage = z.object({
  items: z.array(RoundHousehold),
  page: z.number().int(),
  limit: z.number().int(),
  total: z.number().int(),
})
export type RoundHouseholdPage = z.infer<typeof RoundHouseholdPage>

/** A collector of a round and the villages they may enter paper ballots for. */
export const RoundCollector = z.object({ userId: Id, username: z.string(), villageIds: z.array(Id) })
export type RoundCollector = z.infer<typeof RoundCollector>
export const AssignCollectorBody = z.object({ villageIds: z.array(Id).max(500) })
export const CollectorAssignment = z.object({ userId: Id, villageIds: z.array(Id) })
