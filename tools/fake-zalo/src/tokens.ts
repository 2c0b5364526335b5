/**
 * OA OAuth v4 tokens (ZALO.md §4, §7.3): access tokens with a TTL (25 h), one current refresh token that is
 * single-use and rotating, single-use authorization codes (10 min, optional PKCE S256).
 */
import { createHash, createHmac } from 'node:crypto'
import type { Rng } from './random.ts'

export type AccessCheck = 'valid' | 'expired' | 'invalid'

export interface TokenPair {
  accessToken: string
  refreshToken: string
  accessExpiresAt: number
  refreshExpiresAt: number
}

export interface RefreshRecord {
  at: number
  grant: 'refresh_token' | 'authorization_code'
  ok: boolean
  reason?: string
}

export class TokenStore {
  private access = new Map<string, { expiresAt: number; revoked: boolean }>()
  private refreshTok: { token: string; expiresAt: number } | null = null
  private codes = new Map<string, { expiresAt: number; challenge?: string }>()
  /** Every call to the token endpoint, so tests can assert "exactly one refresh" (§8.5 single-flight). */
  readonly history: RefreshRecord[] = []
  current: TokenPair

  constructor(
    private readonly rng: Rng,
    private readonly ttl: () => { accessSec: number; refreshSec: number },
    now: number,
    initial?: { accessToken?: string; refreshToken?: string },
  ) {
    this.current = this.issue(now, initial)
  }

  private issue(now: number, fixed?: { accessToken?: string; refreshToken?: string }): TokenPair {
    const { accessSec, refreshSec } = this.ttl()
    const pair: TokenPair = {
      accessToken: fixed?.accessToken ?? `fake_at_${this.rng.token(40)}`,
      refreshToken: fixed?.refreshToken ?? `fake_rt_${this.rng.token(40)}`,
      accessExpiresAt: now + accessSec * 1000,
      refreshExpiresAt: now + refreshSec * 1000,
    }
    this.access.set(pair.accessToken, { expiresAt: pair.accessExpiresAt, revoked: false })
    this.refreshTok = { token: pair.refreshToken, expiresAt: pair.refreshExpiresAt }
    this.current = pair
    return pair
  }

  checkAccess(token: string | undefined, now: number): AccessCheck {
    const t = token === undefined ? undefined : this.access.get(token)
    if (!t || t.revoked) return 'invalid'
    return now >= t.expiresAt ? 'expired' : 'valid'
  }

  /** §7.3: the presented refresh token must be the current one; on success rotate both tokens. */
  refresh(presented: string, now: number, revokeOldAccess: boolean): { ok: true; pair: TokenPair } | { ok: false; reason: string } {
    const cur = this.refreshTok
    if (!cur || presented !== cur.token) return this.fail('refresh_token', now, 'refresh token is invalid or was already used')
    if (now >= cur.expiresAt) return this.fail('refresh_token', now, 'refresh token is expired')
    const old = this.current.accessToken
    const pair = this.issue(now)
    if (revokeOldAccess) this.revoke(old)
    this.history.push({ at: now, grant: 'refresh_token', ok: true })
    return { ok: true, pair }
  }

  /** Authorization-code grant: single-use, 10 min [S], PKCE S256 when the code was issued with a challenge. */
  exchangeCode(
    code: string,
    verifier: string | undefined,
    now: number,
    revokeOldAccess: boolean,
  ): { ok: true; pair: TokenPair } | { ok: false; reason: string } {
    const c = this.codes.get(code)
    this.codes.delete(code)
    if (!c || now >= c.expiresAt) return this.fail('authorization_code', now, 'authorization code is invalid or expired')
    if (c.challenge !== undefined) {
      const got = createHash('sha256')
        .update(verifier ?? '')
        .digest('base64url')
      if (got !== c.challenge) return this.fail('authorization_code', now, 'code_verifier does not match')
    }
    const old = this.current.accessToken
    const pair = this.issue(now)
    if (revokeOldAccess) this.revoke(old)
    this.history.push({ at: now, grant: 'authorization_code', ok: true })
    return { ok: true, pair }
  }

  issueCode(now: number, codeChallenge?: string): string {
    const code = `fake_code_${this.rng.token(24)}`
    this.codes.set(code, { expiresAt: now + 10 * 60_000, challenge: codeChallenge })
    return code
  }

  /** Control plane: make the current access token expire now (simulates token expiry mid-batch). */
  expireAccess(now: number): void {
    const t = this.access.get(this.current.accessToken)
    if (t) t.expiresAt = now
    this.current = { ...this.current, accessExpiresAt: now }
  }

  revoke(token: string): void {
    const t = this.access.get(token)
    if (t) t.revoked = true
  }

  /** Control plane: install a known pair (e.g. what the client has persisted). */
  set(now: number, fixed: { accessToken?: string; refreshToken?: string }): TokenPair {
    return this.issue(now, fixed)
  }

  private fail(grant: RefreshRecord['grant'], now: number, reason: string): { ok: false; reason: string } {
    this.history.push({ at: now, grant, ok: false, reason })
    return { ok: false, reason }
  }
}

/** `appsecret_proof` = HMAC-SHA256(access_token, key = app secret), hex (§4, Zalo PHP SDK). */
export function appsecretProof(accessToken: string, appSecret: string): string {
  return createHmac('sha256', appSecret).update(accessToken).digest('hex')
}
