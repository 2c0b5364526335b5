/**
 * The link state the server embeds in the resident page (server/src/plugins/respond-page.ts): what
 * GET /api/ballots/:token would have answered, so a weak-3G phone opens the form after ONE round
 * trip instead of three. Absent on /verify, under `vite dev`, and for browsers without Fetch Metadata:
 * then the page asks the API as before.
 */
import type { BallotForm } from '@app/shared/schemas/ballot'
import { toApiError } from './api.ts'

export interface InitialState {
  status: number
  body: unknown
}

/** Reads `<script type="application/json" id="initial-state">`; null when absent or unreadable. */
export function readInitialState(doc: Pick<Document, 'getElementById'>): InitialState | null {
  const text = doc.getElementById('initial-state')?.textContent
  if (!text) return null
  try {
    const v = JSON.parse(text) as unknown
    if (typeof v === 'object' && v !== null && typeof (v as InitialState).status === 'number' && 'body' in v) return v as InitialState
  } catch {
    // a cut-off page: fall back to the API
  }
  return null
}

/**
 * `getBallot` whose FIRST call is answered from the embedded state (the form, or the same ApiError
 * the API's status and envelope would give); later calls (the retry button) go to the network.
 */
export function withInitialState(
  state: InitialState | null,
  getBallot: (token: string) => Promise<BallotForm>,
): (token: string) => Promise<BallotForm> {
  let pending = state
  return (token) => {
    const s = pending
    pending = null
    if (!s) return getBallot(token)
    if (s.status >= 200 && s.status < 300) return Promise.resolve(s.body as BallotForm)
    return Promise.reject(toApiError(s.status, s.body))
  }
}
