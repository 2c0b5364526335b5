/**
 * Zalo error codes and envelopes. Every ZNS/OA failure is HTTP 200 with `error != 0` (ZALO.md §0.3, §1.3);
 * OAuth failures use the `error_name/error_reason/error_description` shape (§4).
 */

/** ZNS codes: -100…-112 verbatim from zalo.cloud (§1.4 [C]); the rest [S]/[U] from the compiled list in §1.4. */
export const ZNS_MESSAGES: Readonly<Record<number, string>> = {
  0: 'Success',
  [-100]: 'Unknown error',
  [-101]: 'Application invalid',
  [-102]: 'Application not existed',
  [-103]: 'Application not activated',
  [-104]: 'App secret key invalid',
  [-105]: 'Application not link to any OA',
  [-106]: 'Method unsupported',
  [-107]: 'Message ID invalid',
  [-108]: 'Phone number invalid',
  [-109]: 'Template ID invalid',
  [-110]: 'Zalo version unsupported',
  [-111]: 'Template data empty',
  [-112]: 'Template data invalid',
  [-114]: 'User cannot receive message',
  [-115]: 'Out of quota',
  [-118]: 'Zalo account not existed',
  [-119]: 'Account can not receive',
  [-121]: 'Body data empty',
  [-122]: 'Body format invalid',
  [-124]: 'Access token invalid',
  [-126]: 'Out of quota in development mode',
  [-127]: 'Template test only can send to admin of OA or app',
  [-131]: 'Template is not approved',
  [-132]: 'Parameter invalid',
  [-133]: 'Cannot send ZNS at night (22:00 - 06:00)',
  [-139]: 'User refused to receive this ZNS type',
  [-141]: 'User refused to receive ZNS from this OA',
  [-144]: 'OA has exceeded the daily ZNS sending limit',
  [-1121]: 'Parameter exceeds max length',
  [-1122]: 'Missing required parameter',
  [-1124]: 'Parameter invalid format',
  [-1241]: 'appsecret_proof invalid',
  // OA API codes (§2, [S]); -220 is also seen on the ZNS host (§1.4)
  [-32]: 'Your application reached limit call api',
  [-201]: 'Parameters are invalid',
  [-216]: 'Access token is invalid',
  [-220]: 'access_token is expired or removed',
  [-230]: 'User has not interacted with the OA in the past 7 days',
  [-242]: 'appsecret_proof invalid',
}

export interface ZaloErrorBody {
  error: number
  message: string
  data: null
}

/** `{"error":code,"message":…,"data":null}` — the envelope of every failure (§1.3). */
export function zaloError(code: number, message?: string): ZaloErrorBody {
  return { error: code, message: message ?? ZNS_MESSAGES[code] ?? 'Unknown error', data: null }
}

/** OAuth v4 error codes (§4, §7.3). Only -14002/-14003 are [S]; the rest are [U] and overridable via settings. */
export const OAUTH_ERRORS = {
  invalidParams: { error: -14001, error_name: 'Invalid parameter' },
  invalidAppId: { error: -14002, error_name: 'Invalid app id' },
  invalidSecret: { error: -14004, error_name: 'Invalid secret key' },
  invalidCode: { error: -14019, error_name: 'Invalid authorization code' },
  invalidRefreshToken: { error: -14014, error_name: 'Invalid refresh token' },
} as const

export type OAuthErrorKind = keyof typeof OAUTH_ERRORS

export interface OAuthErrorBody {
  error: number
  error_name: string
  error_reason: string
  error_description: string
  ref_doc: string
}

export function oauthError(kind: OAuthErrorKind, reason: string, codeOverride?: number): OAuthErrorBody {
  const e = OAUTH_ERRORS[kind]
  return {
    error: codeOverride ?? e.error,
    error_name: e.error_name,
    error_reason: reason,
    error_description: reason,
    ref_doc: 'https://developers.zalo.me/docs/official-account/bat-dau/xac-thuc-va-uy-quyen-cho-ung-dung-new',
  }
}
