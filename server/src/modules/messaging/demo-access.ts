/**
 * Who may open the fake Zalo inbox (/demo/zalo): it lists every personal link with its phone number, so only an
 * admin. Staff sign in with a bearer token the browser does not send on a plain navigation, hence two steps:
 *   1. the admin's staff app asks POST /api/zalo/demo-inbox-link and gets a one-time URL valid LINK_TTL_MS,
 *      bound to that admin (user id and token version);
 *   2. opening it consumes the link and sets an HttpOnly, SameSite=Strict cookie (path /demo/zalo) for SESSION_TTL_MS,
 *      then redirects to the bare page, so the link leaves the address bar and history.
 * Both are HMAC-signed with a key derived from the server secret for this purpose alone; every use re-reads the user,
 * so a logout, a password reset, a disabled account or a role change ends the link and the cookie at once.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import type { Clock } from '../../lib/clock.js'
import type { Actor } from '../policy.js'

export const LINK_TTL_MS = 5 * 60_000
export const SESSION_TTL_MS = 30 * 60_000
export const DEMO_COOKIE = 'hl_demo_inbox'

type Kind = 'link' | 'session'
interface Claims {
  k: Kind
  sub: string
  tv: number
  exp: number
  jti: string
}

export type DemoAccess =
  | { ok: true; actor: Actor; claims: Claims }
  | { ok: false; status: 401 | 403; reason: 'missing' | 'invalid' | 'expired' | 'used' | 'revoked' | 'not_admin' }

export function createDemoAccess(deps: {
  key: Buffer
  clock: Clock
  /** users.actorFor: null when the user is gone, disabled, or the token version moved on. */
  actorFor: (id: string, tv: number) => Promise<Actor | null>
  tokenVersion: (id: string) => Promise<number>
}) {
  /** jti → expiry of links already opened (one process; a restart within 5 minutes is the only gap). */
  const used = new Map<string, number>()

  const mac = (body: string) => createHmac('sha256', deps.key).update(body).digest()

  async function sign(kind: Kind, actor: Actor, ttlMs: number): Promise<{ value: string; expiresAt: Date }> {
    const exp = deps.clock.now().getTime() + ttlMs
    const claims: Claims = {
      k: kind,
      sub: actor.id,
      tv: await deps.tokenVersion(actor.id),
      exp,
      jti: randomBytes(12).toString('base64url'),
    }
    const body = Buffer.from(JSON.stringify(claims)).toString('base64url')
    return { value: `${body}.${mac(body).toString('base64url')}`, expiresAt: new Date(exp) }
  }

  async function check(kind: Kind, value: string | undefined): Promise<DemoAccess> {
    if (!value) return { ok: false, status: 401, reason: 'missing' }
    const m = /^([A-Za-z0-9_-]{1,600})\.([A-Za-z0-9_-]{43})$/.exec(value)
    if (!m) return { ok: false, status: 401, reason: 'invalid' }
    const [, body, sig] = m as unknown as [string, string, string]
    const given = Buffer.from(sig, 'base64url')
    const want = mac(body)
    if (given.length !== want.length || !timingSafeEqual(given, want)) return { ok: false, status: 401, reason: 'invalid' }
    let claims: Claims
    try {
      claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Claims
    } catch {
      return { ok: false, status: 401, reason: 'invalid' }
    }
    if (claims.k !== kind || typeof claims.exp !== 'number' || typeof claims.tv !== 'number' || typeof claims.sub !== 'string')
      return { ok: false, status: 401, reason: 'invalid' }
    const now = deps.clock.now().getTime()
    if (claims.exp <= now) return { ok: false, status: 401, reason: 'expired' }
    if (kind === 'link' && used.has(claims.jti)) return { ok: false, status: 401, reason: 'used' }
    const actor = await deps.actorFor(claims.sub, claims.tv)
    if (!actor) return { ok: false, status: 401, reason: 'revoked' }
    if (actor.role !== 'admin') return { ok: false, status: 403, reason: 'not_admin' }
    return { ok: true, actor, claims }
  }

  return {
    issueLink: (actor: Actor) => sign('link', actor, LINK_TTL_MS),
    /** Check a link and use it up: a second opening is refused. */
    async redeemLink(value: string | undefined): Promise<DemoAccess> {
      const r = await check('link', value)
      if (r.ok) {
        // checked again after the account lookup: two openings at once must not both pass
        if (used.has(r.claims.jti)) return { ok: false, status: 401, reason: 'used' }
        const now = deps.clock.now().getTime()
        for (const [j, exp] of used) if (exp <= now) used.delete(j)
        used.set(r.claims.jti, r.claims.exp)
      }
      return r
    },
    issueSession: (actor: Actor) => sign('session', actor, SESSION_TTL_MS),
    checkSession: (value: string | undefined) => check('session', value),
  }
}

/** The value of one cookie from a Cookie header (no cookie plugin for a single demo cookie). */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined
  for (const part of header.split(';')) {
    const i = part.indexOf('=')
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim()
  }
  return undefined
}
