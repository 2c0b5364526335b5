/**
 * What survives a reload, per link: the answers as typed, the idempotency key, when the form was
 * first opened (for `paradata.secondsToComplete`), a ballot waiting for the network, and the
 * receipt once it is in. Stored in localStorage under a key derived from the token; every
 * storage failure (private mode, quota, disabled) degrades to "not saved", never to an error.
 */
import { cleanLinkToken } from '@app/shared/link-token'
import type { SubmitBallotBody } from '@app/shared/schemas/ballot'
import type { UiAnswers } from './form.ts'

export interface Draft {
  v: 1
  clientId: string
  /** ms since epoch when the form was first shown for this link. */
  startedAt: number | null
  answers: UiAnswers
  comment: string
  /** The exact body of a submitted ballot not yet acknowledged by the server. */
  queued: SubmitBallotBody | null
  /** Set once the server acknowledged the ballot; answers are cleared at that point. */
  receipt: string | null
}

export type KeyValueStore = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>

const PREFIX = 'hailong:r:'

export const draftKey = (token: string) => `${PREFIX}${token}`

/** 128 random bits, base64url (22 chars): matches the contract's `clientId` pattern. */
export function newClientId(random: (a: Uint8Array) => Uint8Array = (a) => crypto.getRandomValues(a)): string {
  const bytes = random(new Uint8Array(16))
  let s = ''
  for (const b of bytes) s += String.fromCharCode(b)
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

export function emptyDraft(clientId: string): Draft {
  return { v: 1, clientId, startedAt: null, answers: {}, comment: '', queued: null, receipt: null }
}

function sanitizeAnswers(raw: unknown): UiAnswers {
  const out: UiAnswers = {}
  if (typeof raw !== 'object' || raw === null) return out
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v !== 'object' || v === null) continue
    const { satisfied, reason } = v as Record<string, unknown>
    out[k] = { satisfied: typeof satisfied === 'boolean' ? satisfied : null, reason: typeof reason === 'string' ? reason : '' }
  }
  return out
}

/** The stored draft for a token, or a fresh one (with a new clientId) when none or unreadable. */
export function loadDraft(store: KeyValueStore | null, token: string, makeId: () => string = newClientId): Draft {
  let raw: unknown = null
  try {
    const text = store?.getItem(draftKey(token))
    raw = text ? JSON.parse(text) : null
  } catch {
    raw = null
  }
  if (typeof raw !== 'object' || raw === null) return emptyDraft(makeId())
  const d = raw as Record<string, unknown>
  if (d.v !== 1 || typeof d.clientId !== 'string' || !/^[A-Za-z0-9_-]{8,64}$/.test(d.clientId)) return emptyDraft(makeId())
  return {
    v: 1,
    clientId: d.clientId,
    startedAt: typeof d.startedAt === 'number' && Number.isFinite(d.startedAt) ? d.startedAt : null,
    answers: sanitizeAnswers(d.answers),
    comment: typeof d.comment === 'string' ? d.comment : '',
    queued: typeof d.queued === 'object' && d.queued !== null ? (d.queued as SubmitBallotBody) : null,
    receipt: typeof d.receipt === 'string' ? d.receipt : null,
  }
}

/** Best effort: returns false when the browser refused to store. */
export function saveDraft(store: KeyValueStore | null, token: string, draft: Draft): boolean {
  try {
    store?.setItem(draftKey(token), JSON.stringify(draft))
    return !!store
  } catch {
    return false
  }
}

/** localStorage when the browser lets us use it, else null (the page still works, unsaved). */
export function browserStore(): KeyValueStore | null {
  try {
    const s = globalThis.localStorage
    const k = `${PREFIX}probe`
    s.setItem(k, '1')
    s.removeItem(k)
    return s
  } catch {
    return null
  }
}

/** Seconds between first open and now, clamped to the contract's range (0 … 7 days). */
export function secondsSince(startedAt: number | null, now: number): number {
  if (startedAt === null) return 0
  return Math.min(7 * 86400, Math.max(0, Math.round((now - startedAt) / 1000)))
}

/** The token from `/r/:token` (null on any other path). */
export function tokenFromPath(pathname: string): string | null {
  const m = /^\/r\/([^/]+)\/?$/.exec(pathname)
  if (!m?.[1]) return null
  try {
    return cleanLinkToken(decodeURIComponent(m[1])) || null
  } catch {
    return null
  }
}
