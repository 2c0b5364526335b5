/**
 * Webhook event bodies (ZALO.md §3.2, §7.4). Key order follows the official samples; every id and timestamp is a
 * digit string (§0.7), and generated ids are 19 digits (> 2^53).
 */
import type { Rng } from './random.ts'

export type WebhookEvent = Record<string, unknown> & { event_name: string; app_id: string; timestamp: string }

export interface EventContext {
  appId: string
  oaId: string
  now: number
  rng: Rng
}

/** ZNS delivery receipt (§0.6, §3.2 official sample). The real receipt time is `message.delivery_time`. */
export function znsReceipt(
  ctx: EventContext,
  m: { phone: string; msgId: string; trackingId: string | null; deliveryTime: number },
): WebhookEvent {
  return {
    sender: { id: ctx.oaId },
    recipient: { id: m.phone },
    event_name: 'user_received_message',
    message: { delivery_time: String(m.deliveryTime), msg_id: m.msgId, tracking_id: m.trackingId ?? '' },
    app_id: ctx.appId,
    timestamp: String(ctx.now),
  }
}

/** OA message delivered (§3.2): sender = OA, recipient = user. */
export function oaReceived(ctx: EventContext, m: { userId: string; msgId: string; userIdByApp?: string }): WebhookEvent {
  return {
    app_id: ctx.appId,
    user_id_by_app: m.userIdByApp ?? ctx.rng.bigId(),
    event_name: 'user_received_message',
    timestamp: String(ctx.now),
    sender: { id: ctx.oaId },
    recipient: { id: m.userId },
    message: { msg_id: m.msgId },
  }
}

/** OA messages seen (§3.2): `message.msg_ids` is an array. */
export function oaSeen(ctx: EventContext, m: { userId: string; msgIds: string[]; userIdByApp?: string }): WebhookEvent {
  return {
    app_id: ctx.appId,
    user_id_by_app: m.userIdByApp ?? ctx.rng.bigId(),
    event_name: 'user_seen_message',
    timestamp: String(ctx.now),
    sender: { id: ctx.oaId },
    recipient: { id: m.userId },
    message: { msg_ids: m.msgIds },
  }
}

/** User → OA text (§3.2): sender = user, recipient = OA. */
export function userSendText(
  ctx: EventContext,
  m: { userId: string; text: string; msgId?: string; quoteMsgId?: string; userIdByApp?: string },
): WebhookEvent {
  const message: Record<string, string> = { msg_id: m.msgId ?? ctx.rng.hex(20), text: m.text }
  if (m.quoteMsgId) message.quote_msg_id = m.quoteMsgId
  return {
    app_id: ctx.appId,
    user_id_by_app: m.userIdByApp ?? ctx.rng.bigId(),
    event_name: 'user_send_text',
    timestamp: String(ctx.now),
    sender: { id: m.userId },
    recipient: { id: ctx.oaId },
    message,
  }
}

/** follow / unfollow (§3.2 [S]): no sender/recipient, `oa_id` + `follower`. */
export function followEvent(
  ctx: EventContext,
  m: { kind: 'follow' | 'unfollow'; userId: string; userIdByApp?: string; source?: string },
): WebhookEvent {
  return {
    oa_id: ctx.oaId,
    follower: { id: m.userId },
    user_id_by_app: m.userIdByApp ?? ctx.rng.bigId(),
    event_name: m.kind,
    source: m.source ?? 'oa_profile',
    app_id: ctx.appId,
    timestamp: String(ctx.now),
  }
}

/** change_oa_daily_quota (§3.2 [S]: `oaId` camel-cased in the secondary source). */
export function quotaChanged(ctx: EventContext, m: { prev: number; next: number }): WebhookEvent {
  return {
    oaId: ctx.oaId,
    app_id: ctx.appId,
    event_name: 'change_oa_daily_quota',
    quota: { prev_value: String(m.prev), new_value: String(m.next) },
    timestamp: String(ctx.now),
  }
}

/** change_template_status (§3.2 [S]). */
export function templateStatusChanged(
  ctx: EventContext,
  m: { templateId: string; prev: string; next: string; reason?: string },
): WebhookEvent {
  return {
    oa_id: ctx.oaId,
    app_id: ctx.appId,
    template_id: m.templateId,
    event_name: 'change_template_status',
    status: { prev_status: m.prev, new_status: m.next },
    reason: m.reason ?? '',
    timestamp: String(ctx.now),
  }
}

/** An event name the client does not know: it must store it and answer 200 (§7.4, §8.4 step 6). */
export function unknownEvent(ctx: EventContext, m: { eventName?: string }): WebhookEvent {
  return {
    app_id: ctx.appId,
    event_name: m.eventName ?? 'x_fake_unknown_event',
    timestamp: String(ctx.now),
    data: { id: ctx.rng.bigId() },
  }
}
