/** Wire schemas of the staff messaging API (ZALO.md §8), shared by the server routes and the staff app. */
import { z } from 'zod'

/** What to do with a message whose outcome the provider never reported: send it again, or fall back to SMS. */
export const UnknownOutcomePolicy = z.enum(['resend', 'sms'])
export type UnknownOutcomePolicy = z.infer<typeof UnknownOutcomePolicy>
export const OutboxChannel = z.enum(['zalo', 'sms'])
export const OutboxKind = z.enum(['invitation', 'reminder'])
export const OutboxStatus = z.enum(['pending', 'sending', 'sent', 'failed', 'deferred', 'unknown', 'cancelled'])
export type OutboxStatus = z.infer<typeof OutboxStatus>
/** The stored Zalo OA token pair: usable, or lost (an OA admin must consent again). */
export const ZaloTokenState = z.enum(['ok', 'needs_reconsent'])

export const MessagingPolicy = z.object({
  reminderMax: z.number().int(),
  reminderGapHours: z.number().int(),
  unknownOutcome: UnknownOutcomePolicy,
})

export const MessagingPolicyBody = z
  .object({
    reminderMax: z.number().int().min(0).max(10).nullable(),
    reminderGapHours: z
      .number()
      .int()
      .min(1)
      .max(24 * 30)
      .nullable(),
    unknownOutcome: UnknownOutcomePolicy.nullable(),
  })
  .partial()

export const MessagingFailure = z.object({
  invitationId: z.string(),
  householdId: z.string(),
  householdCode: z.string(),
  villageId: z.string(),
  channel: OutboxChannel,
  kind: OutboxKind,
  status: z.enum(['failed', 'unknown']),
  code: z.string().nullable(),
  /** Vietnamese, for staff. */
  reason: z.string(),
  attempts: z.number().int(),
})

export const RoundMessaging = z.object({
  roundId: z.string(),
  modes: z.object({ zalo: z.enum(['fake', 'live', 'off']), sms: z.enum(['fake', 'live', 'off']) }),
  counts: z.object({
    queued: z.number().int(),
    sent: z.number().int(),
    delivered: z.number().int(),
    failed: z.number().int(),
    unknown: z.number().int(),
    deferred: z.number().int(),
    fellBackToSms: z.number().int(),
    /** Invited households that took part (link, paper or meeting). */
    answered: z.number().int(),
    revoked: z.number().int(),
    remindersSent: z.number().int(),
  }),
  policy: MessagingPolicy,
  alerts: z.array(z.object({ code: z.string(), message: z.string() })),
  failures: z.array(MessagingFailure),
})
export type RoundMessaging = z.infer<typeof RoundMessaging>

export const RetryResult = z.object({ retried: z.number().int() })

/** The Zalo OA connection as the staff app shows it (token keeper): state, expiries, a Vietnamese warning. */
export const ZaloTokenStatus = z.object({
  mode: z.enum(['fake', 'live', 'off']),
  state: z.enum(['ok', 'needs_reconsent', 'missing', 'off']),
  accessExpiresAt: z.string().nullable(),
  /** The refresh token lives 3 months from its last rotation; after that only a re-consent helps. */
  refreshExpiresAt: z.string().nullable(),
  lastRotatedAt: z.string().nullable(),
  daysUntilReconsent: z.number().int().nullable(),
  /** Vietnamese, for admins and front staff; null when nothing needs doing. */
  warning: z.string().nullable(),
  /** Vietnamese reason of the last failed refresh. */
  lastError: z.string().nullable(),
  /** Admins only: where an OA admin grants the app access again. */
  reconsentUrl: z.string().nullable(),
})
export type ZaloTokenStatus = z.infer<typeof ZaloTokenStatus>

/** A one-time link to the fake Zalo inbox (fake mode, admins): open it within a few minutes, once. */
export const DemoInboxLink = z.object({
  /** Relative to the server: /demo/zalo?t=… */
  url: z.string(),
  expiresAt: z.string(),
})
export type DemoInboxLink = z.infer<typeof DemoInboxLink>

/** What the Zalo webhook answers: the event was received (a repeated event id is acknowledged, not applied twice). */
export const WebhookAck = z.object({ received: z.literal(true), duplicate: z.boolean() })
export type WebhookAck = z.infer<typeof WebhookAck>

/**
 * What the round wizard checks a title against: the round title is the Zalo template's `round_name`, limited as
 * Zalo has the template registered (template-info API, cached by the server). Null limit: Zalo is not connected.
 */
export const ZaloTemplateLimits = z.object({
  connected: z.boolean(),
  roundTitleMax: z.number().int().positive().nullable(),
  /** 'zalo' = read from Zalo's template-info API; 'builtin' = not read yet (or Zalo could not be asked). */
  source: z.enum(['zalo', 'builtin']).nullable(),
})
export type ZaloTemplateLimits = z.infer<typeof ZaloTemplateLimits>
