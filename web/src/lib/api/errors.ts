/**
 * The one error type of both web entries (staff app and resident page). Plain code, no zod: the resident page
 * imports it too, within its 25 KB budget.
 */

export interface ApiIssue {
  path: string
  message: string
}

/** Every failed API call becomes one of these: the envelope's `code`, or `network` / `bad_response` / `http_<status>`. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 0,
    readonly issues: ApiIssue[] = [],
    /** `details.reason` when the server gives one (household files: which limit or check refused it). */
    readonly reason: string | null = null,
  ) {
    super(message)
    this.name = 'ApiError'
  }
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null

/** Reads `{ error: { code, message, details?: { issues?, reason? } } }`; anything else (a proxy's HTML page) becomes `http_<status>`. */
export function toApiError(status: number, body: unknown): ApiError {
  const e = isObj(body) && isObj(body.error) ? body.error : null
  if (!e || typeof e.code !== 'string') return new ApiError(`http_${status}`, `HTTP ${status}`, status)
  const details = isObj(e.details) ? e.details : {}
  const issues = (Array.isArray(details.issues) ? details.issues : [])
    .filter(isObj)
    .map((i) => ({ path: issuePath(i.path), message: String(i.message ?? '') }))
  const reason = typeof details.reason === 'string' ? details.reason : null
  return new ApiError(e.code, typeof e.message === 'string' ? e.message : e.code, status, issues, reason)
}

/**
 * One path spelling for forms: schema failures name `body/answers/q9/reason`, service checks
 * `answers.q9.reason`; both become `answers.q9.reason` so the field itself is marked.
 */
function issuePath(p: unknown): string {
  if (Array.isArray(p)) return p.join('.')
  return String(p ?? '')
    .replace(/^(body|querystring|params)\//, '')
    .split('/')
    .join('.')
}
