/**
 * Runtime settings of the fake. Everything ZALO.md marks [U] is a switch here (ZALO.md intro: "[U] … make it
 * configurable in the fake"). Settings can be changed at runtime via `POST /__fake/config` and are restored by reset.
 */
import type { NightWindow } from './clock.ts'
import type { Tamper } from './webhooks.ts'

const MIN = 60_000
const HOUR = 60 * MIN
/** The two retry ladders Zalo is reported to use (simulated ms between attempts). */
export const WEBHOOK_LADDERS = {
  /** ZALO.md §3.3: 30 s, 5 min, 15 min, 30 min, 1 h — the last retry ~1.8 h after the first attempt. */
  documented: [30_000, 5 * MIN, 15 * MIN, 30 * MIN, HOUR],
  /** Up to ~12 h before the webhook is disabled (practitioner's report, issue-level [U]): 11.8 h in all. */
  extended: [30_000, 5 * MIN, 15 * MIN, 30 * MIN, HOUR, 2 * HOUR, 4 * HOUR, 4 * HOUR],
} as const

export interface WebhookSettings {
  /** Receiver URL; null = events are recorded but not delivered. */
  url: string | null
  /** Receiver must answer within this many real ms (§3.3 "within ~2 s") — not time-scaled. */
  timeoutMs: number
  /**
   * Retry ladder in simulated ms; real wait = value × timeScale. How long Zalo retries is documented inconsistently:
   * `WEBHOOK_LADDERS.documented` (§3.3 [S]: 30 s, 5 m, 15 m, 30 m, 1 h, ~1.8 h in all) or `.extended` (a
   * practitioner's report of retries for up to ~12 h before Zalo disables the webhook) [U].
   */
  ladderMs: number[]
  /**
   * Whether a retry re-sends the original bytes (same `timestamp`, same signature) or a fresh `timestamp`, re-signed.
   * Zalo does not document it [U]; a receiver must accept both within its window.
   */
  retryTimestamp: 'original' | 'fresh'
  /** Send a `num_retry` header (0 on first attempt) (§3.3 [S]). */
  numRetryHeader: boolean
  /** Which statuses count as delivered: exactly 200 (§3.3 "any other code triggers retries") or any 2xx [U]. */
  success: '200' | '2xx'
  /** After the ladder is exhausted stop delivering and mark the webhook disabled (§7.4). */
  disableOnExhaustion: boolean
  /** Adversarial mode applied to every event (§7.4); null = faithful. */
  tamper: Tamper | null
  /** Probability (0..1) that an event is delivered twice, identical bytes (§7.4 duplicate delivery). */
  duplicateRate: number
  /** Random extra delay (simulated ms, 0..n) before the first attempt, so events arrive out of order (§7.4). */
  reorderJitterMs: number
  /** How old a `stale_timestamp` event is (simulated ms); default 8 days, past any window a client may configure. */
  staleMs: number
  /** How far ahead a `future_timestamp` event is (simulated ms). */
  futureMs: number
}

export interface Settings {
  appId: string
  oaId: string
  /** App Secret Key: `secret_key` header of the token endpoint (§4) and key of `appsecret_proof`. */
  appSecret: string
  /** OA Secret Key: signs webhooks (§3.1; which secret is [U], so it is separate). */
  oaSecretKey: string
  /** Real ms per simulated ms for the webhook ladder and receipt delays (e.g. 0.001 → 30 s becomes 30 ms). */
  timeScale: number
  /** §7.2 step 11: per-OA daily quota, resets 00:00 VN; the 500 default is every official example's value (§1.5). */
  dailyQuota: number
  /** §7.2 step 11: "balance flag" → -115. */
  balanceExhausted: boolean
  /** §7.2 step 7: development-mode daily quota [U]. */
  devDailyQuota: number
  /** §7.2 step 10: token bucket, refilled in real time (the ZNS per-second limit is undocumented [U]). */
  rateLimit: { perSecond: number; burst: number }
  /** §7.2 step 9: VN-time night window for templates with `nightBan`; null disables it [U]. */
  nightWindow: NightWindow | null
  /** §1.1/§7.2 step 3: also accept `0xxxxxxxxx` and 9-digit `xxxxxxxxx` phones [U]. */
  lenientPhone: boolean
  /** §7.2 step 6: tracking_id required, and the code for a bad one (-132 is [U]). */
  requireTrackingId: boolean
  trackingIdErrorCode: number
  /** Accept `_` and `-` in tracking_id too (the documentation says no special characters: off by default). */
  trackingIdLoose: boolean
  /** §7.2 step 1: code for an expired (not unknown) token on the ZNS host: -124 or -220 [U]. */
  expiredTokenCode: number
  /** §7.3: require the `appsecret_proof` header (HMAC-SHA256(access_token, appSecret)) → -1241 / -242. */
  requireAppsecretProof: boolean
  /** §7.3: access-token TTL in seconds (25 h), refresh-token TTL (3 months). */
  accessTokenTtlSec: number
  refreshTokenTtlSec: number
  /** §7.3: a refresh also kills the previous access token [U]. */
  revokeAccessOnRefresh: boolean
  /** §7.3: error code for a reused/unknown refresh token [U: -14014]. */
  refreshErrorCode: number
  /** §7.4: fire a ZNS `user_received_message` after each successful send. */
  autoReceipts: boolean
  /** Simulated ms between send and receipt (scaled by timeScale). */
  receiptDelayMs: number
  /** §7.4: fire an OA `user_received_message` after each successful `message/cs`. */
  autoOaReceipts: boolean
  /** §2.1: CS messages only within this many ms since the user's last interaction (7 days). */
  csWindowMs: number
  /** Recipient state of phones not in the registry (§7.2 step 8). */
  defaultRecipientState: RecipientState
  webhook: WebhookSettings
}

export const RECIPIENT_STATES = ['active', 'not_on_zalo', 'cannot_receive', 'inactive', 'refused_oa', 'refused_template'] as const
export type RecipientState = (typeof RECIPIENT_STATES)[number]

export const DAY_MS = 86_400_000

export function defaultSettings(): Settings {
  return {
    appId: '2074138120372622546',
    oaId: '2893352839501541173',
    appSecret: 'fake-app-secret-key-0123456789abcdef',
    oaSecretKey: 'fake-oa-secret-key-0123456789abcdef',
    timeScale: 1,
    dailyQuota: 500,
    balanceExhausted: false,
    devDailyQuota: 100,
    rateLimit: { perSecond: 50, burst: 50 },
    nightWindow: { startHour: 22, endHour: 6 },
    lenientPhone: true,
    requireTrackingId: true,
    trackingIdErrorCode: -132,
    trackingIdLoose: false,
    expiredTokenCode: -124,
    requireAppsecretProof: false,
    accessTokenTtlSec: 90_000,
    refreshTokenTtlSec: 90 * 86_400,
    revokeAccessOnRefresh: true,
    refreshErrorCode: -14014,
    autoReceipts: true,
    receiptDelayMs: 2_000,
    autoOaReceipts: true,
    csWindowMs: 7 * DAY_MS,
    defaultRecipientState: 'active',
    webhook: {
      url: null,
      timeoutMs: 2_000,
      ladderMs: [...WEBHOOK_LADDERS.documented],
      retryTimestamp: 'original',
      numRetryHeader: true,
      success: '200',
      disableOnExhaustion: true,
      tamper: null,
      duplicateRate: 0,
      reorderJitterMs: 0,
      staleMs: 8 * DAY_MS,
      futureMs: 10 * 60_000,
    },
  }
}

export type SettingsPatch = Partial<Omit<Settings, 'webhook' | 'rateLimit'>> & {
  webhook?: Partial<WebhookSettings>
  rateLimit?: Partial<Settings['rateLimit']>
}

export function applyPatch(s: Settings, p: SettingsPatch): Settings {
  return {
    ...s,
    ...p,
    rateLimit: { ...s.rateLimit, ...p.rateLimit },
    webhook: { ...s.webhook, ...p.webhook },
  }
}
