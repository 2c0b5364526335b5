/**
 * The one HTTP path to Zalo and the SMS gateway (ZALO.md §8.1): undici with connect/headers/body timeouts, an
 * overall AbortSignal deadline, and an error taxonomy that tells "the request never left" (safe to retry) from
 * "it may have been processed" (unknown outcome, never blindly resent, §8.3).
 */
import { Agent, type Dispatcher, request } from 'undici'

export interface HttpTimeouts {
  connectMs: number
  responseMs: number
  requestMs: number
}

/** One keep-alive Agent per client; tests may inject their own Dispatcher. */
export function createAgent(t: HttpTimeouts): Agent {
  return new Agent({
    connect: { timeout: t.connectMs },
    headersTimeout: t.responseMs,
    bodyTimeout: t.responseMs,
    keepAliveTimeout: 10_000,
  })
}

export type HttpOutcome =
  | { kind: 'response'; status: number; text: string; json: unknown }
  /** Connection refused / DNS / connect timeout: the request never left, retrying is safe. */
  | { kind: 'not_sent'; error: string }
  /** Timeout or reset after the request may have been written: outcome unknown. */
  | { kind: 'maybe_sent'; error: string }
  /** Our own shutdown aborted the call. */
  | { kind: 'aborted' }

const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
  'ERR_INVALID_URL',
])

function errorCode(err: unknown): string | undefined {
  let e: unknown = err
  for (let i = 0; i < 4 && e && typeof e === 'object'; i++) {
    const code = (e as { code?: unknown }).code
    if (typeof code === 'string' && NOT_SENT_CODES.has(code)) return code
    e = (e as { cause?: unknown }).cause
  }
  return (err as { code?: string } | null)?.code
}

/** Parse JSON defensively: HTML, empty or truncated bodies give `undefined` (ZALO.md §8.1). */
export function parseJsonSafe(text: string): unknown {
  if (text.trim() === '') return undefined
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

export async function httpCall(
  dispatcher: Dispatcher,
  url: string,
  opts: { method: 'GET' | 'POST'; headers?: Record<string, string>; body?: string; requestMs: number; signal?: AbortSignal },
): Promise<HttpOutcome> {
  const deadline = AbortSignal.timeout(opts.requestMs)
  const signal = opts.signal ? AbortSignal.any([deadline, opts.signal]) : deadline
  try {
    const res = await request(url, { method: opts.method, headers: opts.headers, body: opts.body, dispatcher, signal })
    const text = await res.body.text()
    return { kind: 'response', status: res.statusCode, text, json: parseJsonSafe(text) }
  } catch (err) {
    if (opts.signal?.aborted) return { kind: 'aborted' }
    const code = errorCode(err)
    if (code && NOT_SENT_CODES.has(code)) return { kind: 'not_sent', error: code }
    const name = err instanceof Error ? err.name : 'Error'
    return { kind: 'maybe_sent', error: code ?? name }
  }
}
