import { sha256Hex } from './hash.js'

/** Paths the logger must never print (tokens, phones, names, passwords). */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'password',
  'body.password',
  'token',
  'phone',
  'headName',
  'head_name',
  '*.password',
  '*.token',
  '*.phone',
  '*.headName',
  // Zalo / SMS: tokens and secrets travel in headers and bodies; phones in payloads
  'req.headers.access_token',
  'req.headers.secret_key',
  'req.headers["x-zevent-signature"]',
  'headers.access_token',
  'headers.secret_key',
  'access_token',
  'refresh_token',
  'accessToken',
  'refreshToken',
  'secret_key',
  'appSecret',
  'oaSecretKey',
  'SecretKey',
  'ApiKey',
  '*.access_token',
  '*.refresh_token',
  '*.accessToken',
  '*.refreshToken',
  '*.secret_key',
  '*.SecretKey',
  '*.ApiKey',
  'payload.phone',
  '*.payload.phone',
  'Phone',
  '*.Phone',
]

const TOKEN_PATHS = /^(\/api\/ballots\/|\/r\/|\/api\/receipts\/)([^/?#]+)/i
/**
 * Anything after "/ma" is a slip code typed into the address bar ("…/ma/K7QD-9M2X-…", in any case, its
 * dashes or slashes kept): no route answers it, but the access line would keep it whole.
 */
const CODE_PATH = /^\/+ma(?:\/|%2f)[^?#]*/i
/** Routes residents use: their log lines must not join a household-side event to a ballot-side one (TRUST.md §2.5). */
const RESIDENT_PATHS = /^(\/r\/|\/api\/ballots\/|\/api\/receipts\/|\/hoi(\/|$|\?)|\/+ma(\/|%2f|$|\?)|\/verify)/i

export function isResidentPath(url: string): boolean {
  return RESIDENT_PATHS.test(url)
}

/** At most the /24 of an IPv4 address (the /48 of an IPv6 one): enough for abuse handling, not a person. */
export function coarseIp(ip: string): string {
  if (ip.includes('.') && !ip.includes(':')) return `${ip.split('.').slice(0, 3).join('.')}.0/24`
  const v4 = ip.match(/^::ffff:(\d+\.\d+\.\d+)\.\d+$/i)
  if (v4) return `${v4[1]}.0/24`
  return `${ip.split(':').slice(0, 3).join(':')}::/48`
}

/** A short, non-reversible fingerprint of a secret for logs. */
export function fingerprint(secret: string): string {
  return `#${sha256Hex(secret).slice(0, 8)}`
}

/**
 * Replace personal-link tokens in a URL by `[link]`, and every query value by `[redacted]`:
 * queries carry searches by head-of-household name or phone (`?q=`), which logs must not keep
 * (`?q=<name>` once reached the request log). Keys stay, for debugging.
 */
export function redactUrl(url: string): string {
  const [path = '', query] = splitOnce(url, '?')
  // no fingerprint of a link token: a stable one would join the link's opening, its submission and (through
  // the stored token hash) its household; the route alone is logged
  const safePath = path.replace(TOKEN_PATHS, (_m, prefix: string) => `${prefix}[link]`).replace(CODE_PATH, '/ma/[link]')
  if (query === undefined) return safePath
  const keys = query
    .split('&')
    .filter(Boolean)
    .map((kv) => `${splitOnce(kv, '=')[0]}=[redacted]`)
  return `${safePath}?${keys.join('&')}`
}

function splitOnce(s: string, sep: string): [string, string | undefined] {
  const i = s.indexOf(sep)
  return i < 0 ? [s, undefined] : [s.slice(0, i), s.slice(i + 1)]
}
