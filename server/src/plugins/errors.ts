import type { ApiError, ErrorCode } from '@app/shared'
import type { FastifyError, FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod'
import { AppError } from '../lib/app-error.js'

function envelope(code: ErrorCode | string, message: string, details?: Record<string, unknown>): ApiError {
  return { error: details ? { code, message, details } : { code, message } }
}

const FASTIFY_CODES: Record<string, { status: number; code: ErrorCode; message: string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'invalid_json', message: 'request body is not valid JSON' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: 'invalid_json', message: 'request body is empty' },
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'payload_too_large', message: 'request body is too large' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    status: 415,
    code: 'unsupported_media_type',
    message: 'unsupported content type',
  },
  // @fastify/multipart (household imports from a browser form)
  FST_REQ_FILE_TOO_LARGE: { status: 413, code: 'payload_too_large', message: 'the uploaded file is too large' },
  FST_FILES_LIMIT: { status: 413, code: 'payload_too_large', message: 'too many files in the form' },
  FST_PARTS_LIMIT: { status: 413, code: 'payload_too_large', message: 'too many parts in the form' },
  FST_FIELDS_LIMIT: { status: 413, code: 'payload_too_large', message: 'too many fields in the form' },
  FST_INVALID_MULTIPART_CONTENT_TYPE: { status: 415, code: 'unsupported_media_type', message: 'not a multipart form' },
  FST_PROTO_VIOLATION: { status: 400, code: 'validation_failed', message: 'malformed multipart form' },
  FST_MP_PREMATURE_CLOSE: { status: 400, code: 'validation_failed', message: 'the form ended early' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    status: 400,
    code: 'validation_failed',
    message: 'content-length does not match the body',
  },
}

/**
 * PostgreSQL refusals that mean two requests changed the same rows at once (a unique key taken meanwhile, a
 * serialization failure, a deadlock): the request did nothing and can be repeated, so 409 `conflict`, not 500.
 * SQLite has one writer at a time and never raises these. A path that meets one often wants its own lock.
 */
const PG_CONFLICTS = new Set(['23505', '40001', '40P01'])
function pgConflictOf(err: unknown): { code: string; constraint?: string } | undefined {
  // drizzle wraps the driver's error (DrizzleQueryError) and keeps it as the cause
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 3; e = (e as { cause?: unknown }).cause, depth++) {
    const { code, severity, constraint } = e as { code?: unknown; severity?: unknown; constraint?: string }
    if (typeof code === 'string' && typeof severity === 'string' && PG_CONFLICTS.has(code)) return { code, constraint }
  }
  return undefined
}

/**
 * The one error funnel: every error leaves as `{ error: { code, message, details? } }`.
 * Unknown errors answer 500 `internal` without their cause; the cause is logged.
 */
export const errorsPlugin = fp(
  async (app: FastifyInstance) => {
    app.setErrorHandler((err: FastifyError | AppError | Error, req, reply) => {
      if (err instanceof AppError) {
        if (err.statusCode >= 500) req.log.error({ err }, 'app error')
        else req.log.warn({ code: err.code }, err.message)
        if (err.headers) reply.headers(err.headers)
        return reply.code(err.statusCode).send(envelope(err.code, err.message, err.details))
      }
      if (hasZodFastifySchemaValidationErrors(err)) {
        const issues = err.validation.map((v) => ({
          path: `${err.validationContext ?? ''}${v.instancePath || ''}`.replace(/^\/?/, ''),
          message: v.message ?? 'invalid',
        }))
        req.log.warn({ issues: issues.length }, 'validation failed')
        return reply.code(400).send(envelope('validation_failed', 'the request does not match the expected shape', { issues }))
      }
      const pgConflict = pgConflictOf(err)
      if (pgConflict) {
        req.log.warn(pgConflict, 'concurrent change')
        return reply.code(409).send(envelope('conflict', 'the same records were changed at the same time; try again'))
      }
      const fe = err as FastifyError
      const known = fe.code ? FASTIFY_CODES[fe.code] : undefined
      if (known) {
        req.log.warn({ code: fe.code }, known.message)
        return reply.code(known.status).send(envelope(known.code, known.message))
      }
      if (fe.statusCode === 429) {
        return reply.code(429).send(envelope('rate_limited', 'too many requests, try again later'))
      }
      if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
        req.log.warn({ code: fe.code }, fe.message)
        return reply.code(fe.statusCode).send(envelope('validation_failed', 'the request could not be processed'))
      }
      req.log.error({ err }, 'unhandled error')
      return reply.code(500).send(envelope('internal', 'an internal error occurred'))
    })

    app.setNotFoundHandler((req, reply) => {
      reply.code(404).send(envelope('not_found', `no route for ${req.method} ${req.url.split('?')[0]}`))
    })
  },
  { name: 'errors' },
)

export { envelope }
