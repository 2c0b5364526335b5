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
    .map((i) => ({ path: Array.isArray(i.path) ? i.path.join('.') : String(i.path ?? ''), message: String(i.message ?? '') }))
  return new ApiError(code, message, status, issues)
}
