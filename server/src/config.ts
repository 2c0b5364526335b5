import type { UnknownOutcomePolicy } from '@app/shared'
import { z } from 'zod'
import { DEFAULT_SMS_TEMPLATES, type SmsTemplates, SmsTemplatesSchema } from './modules/messaging/sms-templates.js'

/** Booleans from the environment: only "true"/"false"/"1"/"0" (never z.coerce.boolean, which reads "false" as true). */
const envBool = (def: boolean) =>
  z
    .enum(['true', 'false', '1', '0'])
    .default(def ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1')

const int = (def: number, min: number, max: number) => z.coerce.number().int().min(min).max(max).default(def)

/**
 * Per-level defaults (basis points). Nothing in code knows "90 %": the numbers live here and can be
 * overridden with LEVELS_JSON. 90 % is the bar confirmed for district/province recognition
 * (QĐ 320/QĐ-TTg, QĐ 211/QĐ-TTg); for communes it is the common practice, unconfirmed (DOMAIN.md §1.3).
 */
export const DEFAULT_LEVELS = {
  xa_ntm: { name: 'Xã nông thôn mới', thresholdBp: 9000, coverageBp: 7000 },
  xa_ntm_nang_cao: { name: 'Xã nông thôn mới nâng cao', thresholdBp: 9000, coverageBp: 7000 },
  xa_ntm_kieu_mau: { name: 'Xã nông thôn mới kiểu mẫu', thresholdBp: 9000, coverageBp: 7000 },
  xa_ntm_hien_dai: { name: 'Xã nông thôn mới hiện đại', thresholdBp: 9000, coverageBp: 7000 },
} as const

/**
 * Integrity signals: every threshold, per signal. Flags are prompts to look, not verdicts, so
 * the defaults err towards few flags on honest rounds. Override any subset with INTEGRITY_JSON, e.g.
 * `{"fastCompletion":{"ratioOfMedian":0.2}}`. Why each default: README "Integrity signals".
 */
const share = (def: number) => z.number().min(0).max(1).default(def)
const count = (def: number) => z.number().int().min(1).max(1_000_000).default(def)
const zScore = (def: number) => z.number().min(0).max(20).default(def)
export const IntegrityConfigSchema = z
  .object({
    /** Link ballots whose seconds per question are below ratioOfMedian × the round median are "fast". */
    fastCompletion: z
      .object({ ratioOfMedian: share(0.25), maxShare: share(0.15), minBallots: count(10) })
      .strict()
      .prefault({}),
    /** A village's share of straight-lined ballots vs the rest of the round (two-proportion z-test). */
    straightLining: z
      .object({ minDiff: share(0.25), zMin: zScore(3), minBallots: count(20) })
      .strict()
      .prefault({}),
    /** One coarse device fingerprint behind many link ballots. */
    sharedDevice: z
      .object({ minCount: count(15), maxShare: share(0.25) })
      .strict()
      .prefault({}),
    /** Paper/meeting ballots keyed by one person on one day; link openings bunched in a short window. */
    bursts: z
      .object({
        paperPerCollectorDay: count(60),
        windowMinutes: count(10),
        linkOpensPerWindow: count(15),
        staffLookbackMinutes: count(30),
      })
      .strict()
      .prefault({}),
    /** A collector's paper rate vs the link rate in the same village. */
    collectorVsLink: z
      .object({ minCount: count(20), minDiff: share(0.15), zMin: zScore(3) })
      .strict()
      .prefault({}),
    /** A village at exactly 100 % with high coverage, every participation on one day. */
    perfectVillage: z
      .object({ minCoverage: share(0.8), minBallots: count(20) })
      .strict()
      .prefault({}),
    /** Invalidated ballots more often dissatisfied than the round's ballots. */
    invalidations: z
      .object({ minInvalid: count(5), minDiff: share(0.3), zMin: zScore(3) })
      .strict()
      .prefault({}),
  })
  .strict()
export type IntegrityConfig = z.infer<typeof IntegrityConfigSchema>

const LevelRule = z.object({
  name: z.string(),
  thresholdBp: z.number().int().min(0).max(10_000),
  coverageBp: z.number().int().min(0).max(10_000),
})

export const EnvSchema = z.object({
  PORT: int(3000, 0, 65535),
  HOST: z.string().default('127.0.0.1'),
  DATABASE_PATH: z.string().min(1).default('./data/hailong.db'),
  /** postgres://… selects PostgreSQL (several instances may share it); unset, the SQLite file at DATABASE_PATH. */
  DATABASE_URL: z
    .string()
    .trim()
    .optional()
    .transform((v) => (v ? v : undefined))
    .refine((v) => v === undefined || /^postgres(ql)?:\/\//.test(v), 'DATABASE_URL must be a postgres:// URL'),
  SEED_DEMO: envBool(true),
  /** `production` turns the start-up refusals on (productionRefusals below). */
  NODE_ENV: z.string().optional(),
  /** Production on plain http (a closed LAN): accept it knowingly. */
  ALLOW_INSECURE: envBool(false),
  /** Required in production deployments; when absent, server.ts generates one and keeps it beside the DB. */
  JWT_SECRET: z.string().min(32).optional(),
  JWT_TTL_MINUTES: int(120, 1, 24 * 60),
  PUBLIC_BASE_URL: z.url().optional(),
  /** /api/docs and /api/openapi.json without a staff token; default: only when the demo is seeded. */
  PUBLIC_API_DOCS: z.enum(['true', 'false', '1', '0']).optional(),
  LINK_RATE_LIMIT_PER_MIN: int(60, 1, 1_000_000),
  /** Wrong slip codes typed on /ma per IP per hour, on top of the links' budget (a village meeting may share one carrier IP). */
  CODE_WRONG_PER_HOUR: int(60, 1, 1_000_000),
  /** The help line printed on slips and shown on the resident pages, e.g. "0236 3822 123"; unset: no line is printed. */
  HOTLINE: z
    .string()
    .trim()
    .regex(/^\+?[0-9][0-9 .()-]{2,29}$/, 'digits, spaces, dots or dashes (e.g. 0236 3822 123)')
    .optional(),
  LOGIN_MAX_FAILURES: int(10, 1, 10_000),
  LOGIN_MAX_FAILURES_PER_IP: int(100, 1, 100_000),
  LOGIN_WINDOW_MINUTES: int(15, 1, 24 * 60),
  BODY_LIMIT_BYTES: int(1024 * 1024, 1024, 100 * 1024 * 1024),
  /** Behind a reverse proxy, trust X-Forwarded-For so per-IP limits see the real client. */
  TRUST_PROXY: envBool(false),
  /** Slow clients: a whole request must arrive within this… */
  HTTP_REQUEST_TIMEOUT_MS: int(30_000, 100, 600_000),
  /** …and a socket idle this long (headers sent, then nothing) is cut off. */
  HTTP_CONNECTION_TIMEOUT_MS: int(60_000, 100, 600_000),
  HTTP_KEEP_ALIVE_TIMEOUT_MS: int(10_000, 100, 600_000),
  IMPORT_MAX_BYTES: int(20 * 1024 * 1024, 1024, 200 * 1024 * 1024),
  IMPORT_MAX_ROWS: int(100_000, 1, 1_000_000),
  /** Bytes an XLSX may inflate to, all parts together; default 10 × IMPORT_MAX_BYTES. */
  IMPORT_MAX_INFLATED_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(2 * 1024 * 1024 * 1024)
    .optional(),
  IMPORT_MAX_COLUMNS: int(50, 5, 1000),
  IMPORT_MAX_CELL_CHARS: int(2000, 100, 100_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LEVELS_JSON: z.string().optional(),
  /**
   * Small-group suppression (TRUST.md §2.2): once results are out, any figure built on fewer ballots than this is
   * withheld in every view, staff and council ones included, with complementary suppression (shared/src/domain/
   * suppression.ts); the minutes merge such villages into one row of at least two.
   */
  PRIVACY_MIN_CELL: int(5, 1, 1000),
  /**
   * Seals pending ballots and keys paradata (TRUST.md §2.3, §2.4). Kept outside the data folder; required in
   * production. Elsewhere a generated one is kept in the user's configuration folder (lib/privacy.ts).
   */
  PRIVACY_SECRET: z.string().min(32).optional(),
  /** Ballots land per round × village × channel only with 2 × this many pending, keeping at least this many back. */
  MIX_MIN_BATCH: int(10, 1, 10_000),
  /** How often the landing worker looks for groups ready to land (ms). */
  LANDING_INTERVAL_MS: int(2_000, 10, 600_000),
  INTEGRITY_JSON: z.string().optional(),
  /** "Hộ tôi chưa được hỏi ý kiến": requests per IP per hour (a village meeting can share one carrier IP). */
  REQUEST_RATE_LIMIT_PER_HOUR: int(30, 1, 1_000_000),
  /** Re-survey follow-up: a village × question is a candidate at this share dissatisfied (basis points). */
  FOLLOWUP_DISSATISFIED_BP: int(5000, 1, 10_000),
  WEB_DIST: z.string().optional(),
  // ── Zalo ZNS invitations (shared/ZALO.md §8) ──
  /** Default: `fake` when the demo is seeded (SEED_DEMO), otherwise `off`: a fake never runs by omission. */
  ZALO_MODE: z.enum(['fake', 'live', 'off']).optional(),
  /** Real hosts by default; in fake mode an unset ZNS URL means "start the fake in-process". */
  ZALO_ZNS_BASE_URL: z.url().optional(),
  ZALO_OA_BASE_URL: z.url().optional(),
  ZALO_OAUTH_BASE_URL: z.url().optional(),
  ZALO_APP_ID: z
    .string()
    .regex(/^\d{1,32}$/)
    .optional(),
  /** Real Zalo secrets are ~20 characters, so min(16) rather than the min(32) of our own secrets. */
  ZALO_APP_SECRET: z.string().min(16).optional(),
  ZALO_OA_SECRET_KEY: z.string().min(16).optional(),
  /** Bootstrap only: used when the database holds no token pair yet (rotated pairs live in zalo_tokens). */
  ZALO_REFRESH_TOKEN: z.string().min(1).optional(),
  ZALO_ACCESS_TOKEN: z.string().min(1).optional(),
  ZALO_TEMPLATE_ID: z
    .string()
    .regex(/^[A-Za-z0-9]{1,64}$/)
    .optional(),
  ZALO_RATE_PER_SEC: z.coerce.number().positive().max(10_000).default(20),
  ZALO_CONNECT_TIMEOUT_MS: int(5_000, 1, 120_000),
  ZALO_RESPONSE_TIMEOUT_MS: int(10_000, 1, 120_000),
  ZALO_REQUEST_TIMEOUT_MS: int(15_000, 1, 300_000),
  ZALO_SEND_HOURS: z
    .string()
    .regex(/^\d{1,2}-\d{1,2}$/)
    .default('7-21'),
  ZALO_REMINDER_MAX: int(2, 0, 10),
  ZALO_REMINDER_GAP_HOURS: int(48, 1, 24 * 30),
  ZALO_UNKNOWN_OUTCOME: z.enum(['resend', 'sms']).default('resend'),
  ZALO_RECEIPT_WAIT_MINUTES: z.coerce
    .number()
    .positive()
    .max(24 * 60)
    .default(30),
  /**
   * Oldest signed webhook accepted. 24 h: Zalo's retries of a webhook we missed may come ~1.8 h or up to ~12 h
   * later, perhaps with the original timestamp (docs/zalo-notes.md); the event-id dedupe is the replay guard.
   */
  ZALO_WEBHOOK_MAX_AGE_MINUTES: int(24 * 60, 1, 7 * 24 * 60),
  ZALO_MAX_ATTEMPTS: int(5, 1, 50),
  ZALO_BACKOFF_BASE_MS: int(500, 1, 600_000),
  ZALO_BACKOFF_CAP_MS: int(30_000, 1, 3_600_000),
  ZALO_WORKER_POLL_MS: int(1_000, 10, 600_000),
  ZALO_FAKE_TIME_SCALE: z.coerce.number().positive().max(1000).default(1),
  ZALO_FAKE_DAILY_QUOTA: int(100_000, 0, 100_000_000),
  ZALO_FAKE_RATE_PER_SEC: z.coerce.number().positive().max(100_000).default(50),
  // ── SMS brandname fallback (ZALO.md §6) ──
  SMS_MODE: z.enum(['fake', 'live', 'off']).optional(),
  SMS_BASE_URL: z.url().optional(),
  SMS_API_KEY: z.string().min(8).optional(),
  SMS_SECRET_KEY: z.string().min(8).optional(),
  SMS_BRANDNAME: z.string().min(1).max(11).default('MTTQ'),
  /** Price of one SMS in đồng under the carrier/gateway contract: the sending confirmation states the cost from it. */
  SMS_COST_VND: int(800, 0, 100_000),
  /** The texts registered for the brandname (modules/messaging/sms-templates.ts); required with SMS_MODE=live. */
  SMS_TEMPLATES_JSON: z.string().optional(),
})

export interface Config {
  readonly http: {
    readonly port: number
    readonly host: string
    readonly bodyLimit: number
    readonly trustProxy: boolean
    readonly requestTimeoutMs: number
    readonly connectionTimeoutMs: number
    readonly keepAliveTimeoutMs: number
  }
  /** `url` set: PostgreSQL at that URL; else SQLite at `path` (which also locates the generated JWT secret). */
  readonly db: { readonly path: string; readonly url?: string | undefined; readonly seedDemo: boolean }
  /** NODE_ENV=production: server.ts also refuses a database holding a demo user. */
  readonly production: boolean
  readonly auth: {
    readonly jwtSecret: string | undefined
    readonly jwtTtlMinutes: number
    readonly loginMaxFailures: number
    readonly loginMaxFailuresPerIp: number
    readonly loginWindowMinutes: number
  }
  readonly links: {
    readonly publicBaseUrl: string
    readonly rateLimitPerMin: number
    readonly wrongCodesPerHour: number
    /** Printed on slips and shown on /ma; null when HOTLINE is unset. */
    readonly hotline: string | null
  }
  /** The API docs open to anyone (PUBLIC_API_DOCS, default: the demo's SEED_DEMO). */
  readonly publicApiDocs: boolean
  readonly imports: {
    readonly maxBytes: number
    readonly maxInflatedBytes: number
    readonly maxRows: number
    readonly maxColumns: number
    readonly maxCellChars: number
  }
  readonly levels: Readonly<Record<string, z.infer<typeof LevelRule>>>
  readonly log: { readonly level: string }
  readonly privacy: {
    readonly minCell: number
    /** Undefined outside production: services use a generated secret outside the data folder. */
    readonly secret: string | undefined
    readonly mixMinBatch: number
    readonly landingIntervalMs: number
  }
  readonly integrity: Readonly<IntegrityConfig>
  readonly requests: { readonly rateLimitPerHour: number }
  readonly followUp: { readonly dissatisfiedBp: number }
  readonly web: { readonly dist: string | undefined }
  readonly zalo: ZaloConfig
  readonly sms: SmsConfig
}

export interface ZaloConfig {
  readonly mode: 'fake' | 'live' | 'off'
  /** Fake mode with no ZALO_ZNS_BASE_URL: server.ts starts the fake in-process and fills in the URLs. */
  readonly inProcessFake: boolean
  readonly znsBaseUrl: string
  readonly oaBaseUrl: string
  readonly oauthBaseUrl: string
  readonly appId: string
  readonly appSecret: string
  readonly oaSecretKey: string
  readonly bootstrapTokens: { readonly accessToken: string | undefined; readonly refreshToken: string | undefined }
  readonly templateId: string
  readonly ratePerSec: number
  readonly timeouts: { readonly connectMs: number; readonly responseMs: number; readonly requestMs: number }
  /** Sending window, Asia/Ho_Chi_Minh hours [start, end). */
  readonly sendHours: { readonly start: number; readonly end: number }
  readonly reminders: { readonly max: number; readonly gapHours: number }
  readonly unknownOutcome: UnknownOutcomePolicy
  readonly receiptWaitMinutes: number
  readonly webhookMaxAgeMinutes: number
  readonly retry: { readonly maxAttempts: number; readonly baseMs: number; readonly capMs: number }
  readonly workerPollMs: number
  readonly fake: { readonly timeScale: number; readonly dailyQuota: number; readonly ratePerSec: number }
}

export interface SmsConfig {
  readonly mode: 'fake' | 'live' | 'off'
  readonly inProcessFake: boolean
  readonly baseUrl: string
  readonly apiKey: string
  readonly secretKey: string
  readonly brandname: string
  readonly templates: SmsTemplates
  /** Đồng per SMS (SMS_COST_VND); every text sent fits one SMS (the longest registered template that fits). */
  readonly costVnd: number
}

/** Credentials the fake accepts by default; real ones are required in live mode. Not secrets. */
const FAKE_ZALO = {
  appId: '2074138120372622546',
  appSecret: 'fake-app-secret-key-0123456789abcdef',
  oaSecretKey: 'fake-oa-secret-key-0123456789abcdef',
} as const
const FAKE_SMS = { apiKey: 'fake-sms-api-key', secretKey: 'fake-sms-secret-key' } as const

function zaloConfig(e: z.infer<typeof EnvSchema>): { zalo: ZaloConfig; sms: SmsConfig } {
  const mode = e.ZALO_MODE ?? (e.SEED_DEMO ? 'fake' : 'off')
  const live = mode === 'live'
  if (live) {
    const missing = (['ZALO_APP_ID', 'ZALO_APP_SECRET', 'ZALO_OA_SECRET_KEY', 'ZALO_TEMPLATE_ID'] as const).filter((k) => !e[k])
    if (missing.length > 0) throw new ConfigError(`Invalid configuration:\n  ZALO_MODE=live requires ${missing.join(', ')}`)
  }
  const [start, end] = e.ZALO_SEND_HOURS.split('-').map(Number) as [number, number]
  if (!(start >= 0 && end <= 24 && start < end))
    throw new ConfigError('Invalid configuration:\n  ZALO_SEND_HOURS: expected "start-end" with 0 ≤ start < end ≤ 24')
  const inProcessFake = mode === 'fake' && !e.ZALO_ZNS_BASE_URL
  const zns = (e.ZALO_ZNS_BASE_URL ?? 'https://business.openapi.zalo.me').replace(/\/$/, '')
  const zalo: ZaloConfig = {
    mode,
    inProcessFake,
    znsBaseUrl: zns,
    // one fake origin serves all three hosts (tools/fake-zalo/README.md)
    oaBaseUrl: (e.ZALO_OA_BASE_URL ?? (mode === 'fake' ? zns : 'https://openapi.zalo.me')).replace(/\/$/, ''),
    oauthBaseUrl: (e.ZALO_OAUTH_BASE_URL ?? (mode === 'fake' ? zns : 'https://oauth.zaloapp.com')).replace(/\/$/, ''),
    appId: e.ZALO_APP_ID ?? FAKE_ZALO.appId,
    appSecret: e.ZALO_APP_SECRET ?? FAKE_ZALO.appSecret,
    oaSecretKey: e.ZALO_OA_SECRET_KEY ?? FAKE_ZALO.oaSecretKey,
    bootstrapTokens: { accessToken: e.ZALO_ACCESS_TOKEN, refreshToken: e.ZALO_REFRESH_TOKEN },
    templateId: e.ZALO_TEMPLATE_ID ?? '231677',
    ratePerSec: e.ZALO_RATE_PER_SEC,
    timeouts: { connectMs: e.ZALO_CONNECT_TIMEOUT_MS, responseMs: e.ZALO_RESPONSE_TIMEOUT_MS, requestMs: e.ZALO_REQUEST_TIMEOUT_MS },
    sendHours: { start, end },
    reminders: { max: e.ZALO_REMINDER_MAX, gapHours: e.ZALO_REMINDER_GAP_HOURS },
    unknownOutcome: e.ZALO_UNKNOWN_OUTCOME,
    receiptWaitMinutes: e.ZALO_RECEIPT_WAIT_MINUTES,
    webhookMaxAgeMinutes: e.ZALO_WEBHOOK_MAX_AGE_MINUTES,
    retry: { maxAttempts: e.ZALO_MAX_ATTEMPTS, baseMs: e.ZALO_BACKOFF_BASE_MS, capMs: e.ZALO_BACKOFF_CAP_MS },
    workerPollMs: e.ZALO_WORKER_POLL_MS,
    fake: { timeScale: e.ZALO_FAKE_TIME_SCALE, dailyQuota: e.ZALO_FAKE_DAILY_QUOTA, ratePerSec: e.ZALO_FAKE_RATE_PER_SEC },
  }
  const smsMode = e.SMS_MODE ?? mode
  if (smsMode === 'live') {
    const missing = (['SMS_BASE_URL', 'SMS_API_KEY', 'SMS_SECRET_KEY', 'SMS_TEMPLATES_JSON'] as const).filter((k) => !e[k])
    if (missing.length > 0) throw new ConfigError(`Invalid configuration:\n  SMS_MODE=live requires ${missing.join(', ')}`)
  }
  const sms: SmsConfig = {
    mode: smsMode,
    inProcessFake: smsMode === 'fake' && !e.SMS_BASE_URL,
    baseUrl: (e.SMS_BASE_URL ?? 'https://rest.esms.vn').replace(/\/$/, ''),
    apiKey: e.SMS_API_KEY ?? FAKE_SMS.apiKey,
    secretKey: e.SMS_SECRET_KEY ?? FAKE_SMS.secretKey,
    brandname: e.SMS_BRANDNAME,
    templates: e.SMS_TEMPLATES_JSON ? smsTemplates(e.SMS_TEMPLATES_JSON) : DEFAULT_SMS_TEMPLATES,
    costVnd: e.SMS_COST_VND,
  }
  return { zalo, sms }
}

export class ConfigError extends Error {}

function smsTemplates(json: string): SmsTemplates {
  let raw: unknown
  try {
    raw = JSON.parse(json)
  } catch {
    throw new ConfigError('Invalid configuration:\n  SMS_TEMPLATES_JSON: not valid JSON')
  }
  const t = SmsTemplatesSchema.safeParse(raw)
  if (!t.success) {
    const i = t.error.issues[0]
    throw new ConfigError(`Invalid configuration:\n  SMS_TEMPLATES_JSON${i?.path.length ? `.${i.path.join('.')}` : ''}: ${i?.message}`)
  }
  return t.data
}

function deepFreeze<T extends object>(o: T): T {
  for (const v of Object.values(o)) if (v && typeof v === 'object' && !Object.isFrozen(v)) deepFreeze(v)
  return Object.freeze(o)
}

/** Parse the environment once into a nested, read-only Config. Pure: no side effects. */
/**
 * What NODE_ENV=production refuses, one line each: a configuration that is fine for the demo and wrong for a
 * real commune (known demo passwords, fakes that accept forged receipts, a secret kept beside the data,
 * residents' tokens over plain http).
 */
function productionRefusals(
  e: z.infer<typeof EnvSchema>,
  present: Record<string, string | undefined>,
  c: Pick<Config, 'zalo' | 'sms'>,
): string[] {
  const out: string[] = []
  if (present.SEED_DEMO !== 'false' && present.SEED_DEMO !== '0')
    out.push('SEED_DEMO=false must be set explicitly (the demo data has published passwords)')
  if (!e.PRIVACY_SECRET)
    out.push('PRIVACY_SECRET must be set (≥ 32 characters, kept outside the data folder): it seals pending ballots and keys paradata')
  if (!e.JWT_SECRET)
    out.push('JWT_SECRET must be set (≥ 32 characters, kept outside the data folder); a generated one would be stored beside the database')
  if (c.zalo.mode === 'fake') out.push('ZALO_MODE=fake: the fake Zalo sends nothing and its webhook key is public; use live or off')
  else if (c.zalo.mode === 'live' && (c.zalo.appSecret === FAKE_ZALO.appSecret || c.zalo.oaSecretKey === FAKE_ZALO.oaSecretKey))
    out.push("ZALO_APP_SECRET / ZALO_OA_SECRET_KEY are the fake's public keys")
  if (c.sms.mode === 'fake') out.push('SMS_MODE=fake: the fake SMS gateway sends nothing; use live or off')
  else if (c.sms.mode === 'live' && (c.sms.apiKey === FAKE_SMS.apiKey || c.sms.secretKey === FAKE_SMS.secretKey))
    out.push("SMS_API_KEY / SMS_SECRET_KEY are the fake's public keys")
  if (!e.ALLOW_INSECURE && !e.PUBLIC_BASE_URL?.startsWith('https://'))
    out.push("PUBLIC_BASE_URL must be https (residents' links carry their token), or set ALLOW_INSECURE=true on a closed network")
  return out
}

export function loadConfig(env: Record<string, string | undefined>): Config {
  // An empty value (`PORT=` in an env file) means "unset": without this PORT= would coerce to 0.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''))
  const parsed = EnvSchema.safeParse(present)
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)
    throw new ConfigError(`Invalid configuration:\n  ${lines.join('\n  ')}`)
  }
  const e = parsed.data
  let levels: Record<string, z.infer<typeof LevelRule>> = { ...DEFAULT_LEVELS }
  if (e.LEVELS_JSON) {
    let raw: unknown
    try {
      raw = JSON.parse(e.LEVELS_JSON)
    } catch {
      throw new ConfigError('Invalid configuration:\n  LEVELS_JSON: not valid JSON')
    }
    const lv = z.record(z.string().regex(/^[a-z_]+$/), LevelRule).safeParse(raw)
    if (!lv.success) {
      const i = lv.error.issues[0]
      throw new ConfigError(`Invalid configuration:\n  LEVELS_JSON${i?.path.length ? `.${i.path.join('.')}` : ''}: ${i?.message}`)
    }
    levels = { ...levels, ...lv.data }
  }
  let integrityRaw: unknown = {}
  if (e.INTEGRITY_JSON) {
    try {
      integrityRaw = JSON.parse(e.INTEGRITY_JSON)
    } catch {
      throw new ConfigError('Invalid configuration:\n  INTEGRITY_JSON: not valid JSON')
    }
  }
  const ig = IntegrityConfigSchema.safeParse(integrityRaw)
  if (!ig.success) {
    const i = ig.error.issues[0]
    throw new ConfigError(`Invalid configuration:\n  INTEGRITY_JSON${i?.path.length ? `.${i.path.join('.')}` : ''}: ${i?.message}`)
  }
  const publicBaseUrl = (e.PUBLIC_BASE_URL ?? `http://${e.HOST === '0.0.0.0' ? 'localhost' : e.HOST}:${e.PORT}`).replace(/\/$/, '')
  const messaging = zaloConfig(e)
  if (e.NODE_ENV === 'production') {
    const refusals = productionRefusals(e, present, messaging)
    if (refusals.length > 0) throw new ConfigError(`Refusing to start with NODE_ENV=production:\n  ${refusals.join('\n  ')}`)
  }
  return deepFreeze({
    http: {
      port: e.PORT,
      host: e.HOST,
      bodyLimit: e.BODY_LIMIT_BYTES,
      trustProxy: e.TRUST_PROXY,
      requestTimeoutMs: e.HTTP_REQUEST_TIMEOUT_MS,
      connectionTimeoutMs: e.HTTP_CONNECTION_TIMEOUT_MS,
      keepAliveTimeoutMs: e.HTTP_KEEP_ALIVE_TIMEOUT_MS,
    },
    db: { path: e.DATABASE_PATH, url: e.DATABASE_URL, seedDemo: e.SEED_DEMO },
    production: e.NODE_ENV === 'production',
    auth: {
      jwtSecret: e.JWT_SECRET,
      jwtTtlMinutes: e.JWT_TTL_MINUTES,
      loginMaxFailures: e.LOGIN_MAX_FAILURES,
      loginMaxFailuresPerIp: e.LOGIN_MAX_FAILURES_PER_IP,
      loginWindowMinutes: e.LOGIN_WINDOW_MINUTES,
    },
    links: {
      publicBaseUrl,
      rateLimitPerMin: e.LINK_RATE_LIMIT_PER_MIN,
      wrongCodesPerHour: e.CODE_WRONG_PER_HOUR,
      hotline: e.HOTLINE ?? null,
    },
    publicApiDocs: e.PUBLIC_API_DOCS === undefined ? e.SEED_DEMO : e.PUBLIC_API_DOCS === 'true' || e.PUBLIC_API_DOCS === '1',
    imports: {
      maxBytes: e.IMPORT_MAX_BYTES,
      maxInflatedBytes: e.IMPORT_MAX_INFLATED_BYTES ?? 10 * e.IMPORT_MAX_BYTES,
      maxRows: e.IMPORT_MAX_ROWS,
      maxColumns: e.IMPORT_MAX_COLUMNS,
      maxCellChars: e.IMPORT_MAX_CELL_CHARS,
    },
    levels,
    log: { level: e.LOG_LEVEL },
    privacy: {
      minCell: e.PRIVACY_MIN_CELL,
      secret: e.PRIVACY_SECRET,
      mixMinBatch: e.MIX_MIN_BATCH,
      landingIntervalMs: e.LANDING_INTERVAL_MS,
    },
    integrity: ig.data,
    requests: { rateLimitPerHour: e.REQUEST_RATE_LIMIT_PER_HOUR },
    followUp: { dissatisfiedBp: e.FOLLOWUP_DISSATISFIED_BP },
    web: { dist: e.WEB_DIST },
    ...messaging,
  })
}
