/**
 * The resident page's only I/O: three calls to the resident API (shared/DESIGN.md §5), same origin,
 * no third parties. Failures become an `ApiError` with the envelope's `code`; a request that never
 * reached the server (offline, DNS, reset) has code `network` so the caller can queue and retry.
 */
import type { BallotForm, SubmitBallotBody } from '@app/shared/schemas/ballot'
import { ApiError, toApiError } from '../lib/api/errors.ts'

export { ApiError, toApiError }

export interface SubmitResult {
  receipt: string
  /** true when the server answered 200: a replay of the same clientId (the ballot was already in). */
  replayed: boolean
}

export interface ReceiptCheck {
  included: boolean
  /** pending: accepted, not yet landed ("đã nhận"); counted: landed in the ballots and the ledger ("đã kiểm"). */
  status?: 'pending' | 'counted'
  roundId: string
  day: string
}

async function call<T>(path: string, init?: RequestInit): Promise<{ status: number; body: T }> {
  let res: Response
  try {
    res = await fetch(path, { ...init, headers: { accept: 'application/json', ...init?.headers }, cache: 'no-store' })
  } catch {
    throw new ApiError('network', 'offline')
  }
  let body: unknown = null
  try {
    body = await res.json()
  } catch {
    // A proxy's HTML error page or a cut-off body: fall through to the status code.
    if (res.ok) throw new ApiError('network', 'bad body', res.status)
  }
  if (!res.ok) throw toApiError(res.status, body)
  return { status: res.status, body: body as T }
}

const seg = encodeURIComponent

export async function getBallot(token: string): Promise<BallotForm> {
  return (await call<BallotForm>(`/api/ballots/${seg(token)}`)).body
}

export async function submitBallot(token: string, body: SubmitBallotBody): Promise<SubmitResult> {
  const r = await call<{ receipt: string }>(`/api/ballots/${seg(token)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  return { receipt: r.body.receipt, replayed: r.status === 200 }
}

/** `null` when the receipt is unknown (404). */
export async function checkReceipt(receipt: string): Promise<ReceiptCheck | null> {
  try {
    return (await call<ReceiptCheck>(`/api/receipts/${seg(receipt)}`)).body
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return null
    throw e
  }
}
