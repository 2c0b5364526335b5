import type { ErrorCode } from '@app/shared'

/** The one error type of the server; the error plugin maps it to the envelope. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly statusCode: number,
    readonly details?: Record<string, unknown>,
    readonly headers?: Record<string, string>,
  ) {
    super(message)
    this.name = 'AppError'
  }
}

export const notFound = (what = 'resource', code: ErrorCode = 'not_found') => new AppError(code, `${what} not found`, 404)
export const badRequest = (code: ErrorCode, message: string, details?: Record<string, unknown>) => new AppError(code, message, 400, details)
export const conflict = (code: ErrorCode, message: string, details?: Record<string, unknown>) => new AppError(code, message, 409, details)
export const forbidden = (message = 'not allowed for your role') => new AppError('forbidden', message, 403)
export const unauthorized = (message = 'authentication required') => new AppError('unauthorized', message, 401)
export const tooManyRequests = (retryAfterSeconds: number, message = 'too many requests, try again later') =>
  new AppError('rate_limited', message, 429, { retryAfterSeconds }, { 'retry-after': String(retryAfterSeconds) })
