import { ApiError as ApiErrorEnvelope } from '@app/shared'

export interface ApiIssue {
  path: string
  message: string
}

/** Every failed API call becomes one of these: the envelope's `code`, or `network` / `http_<status>`. */
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

  /** The server has no such route yet (a feature still being built): Fastify's 404 handler says "no route for …". */
  get routeMissing(): boolean {
    return this.status === 404 && this.code === 'not_found' && this.message.startsWith('no route for')
  }
}

/** Parse `{ error: { code, message, details? } }` with the shared envelope schema. */
export function toApiError(status: number, body: unknown): ApiError {
  const parsed = ApiErrorEnvelope.safeParse(body)
  if (!parsed.success) return new ApiError(`http_${status}`, `HTTP ${status}`, status)
  const { code, message, details } = parsed.data.error
  const raw = Array.isArray(details?.issues) ? (details.issues as unknown[]) : []
  const issues = raw
    .filter((i): i is Record<string, unknown> => typeof i === 'object' && i !== null)
    .map((i) => ({ path: issuePath(i.path), message: String(i.message ?? '') }))
  return new ApiError(code, message, status, issues, typeof details?.reason === 'string' ? details.reason : null)
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
