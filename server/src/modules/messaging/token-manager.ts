/**
 * The OA token pair (ZALO.md §8.5): stored in `zalo_tokens`, refreshed proactively at 80 % of `expires_in` and on
 * any auth-class error, single-flight (one refresh in flight per process; with several instances on PostgreSQL, one
 * at a time in the cluster under an advisory lock, each re-reading the pair once it has the lock; a compare-and-swap
 * on the refresh token in the DB guards against a second writer), and persisted in one transaction **before** the new token is used —
 * refresh tokens are single-use, so losing the new one means an OA admin must re-consent in a browser.
 */
import { type AppDb, inClusterTurn, isPostgres, PG_LOCK_KEYS } from '@app/db'
import type { Clock } from '../../lib/clock.js'
import type { AuditService } from '../audit/service.js'
import { backoffMs, sleep } from './rate.js'
import type { MessagingRepo, ZaloTokenRow } from './repo.js'
import type { ZaloClient } from './zalo-client.js'

const OA = 'oa'

export type TokenState = 'ok' | 'needs_reconsent' | 'missing'

export function createTokenManager(deps: {
  db: AppDb
  repo: MessagingRepo
  client: Pick<ZaloClient, 'refresh'>
  clock: Clock
  audit: AuditService
  bootstrap: { accessToken?: string | undefined; refreshToken?: string | undefined }
  log?: { warn(o: object, msg: string): void; error(o: object, msg: string): void }
  /** A refresh that fails transiently (5xx, timeout, unknown error) is tried again at once this many times, with backoff. */
  retry?: { attempts: number; baseMs: number; capMs: number }
  random?: () => number
}) {
  const { db, repo, client, clock, audit } = deps
  let inflight: Promise<string | null> | null = null

  /** Seed the table from the bootstrap env once (no row yet). An absent access token is refreshed on first use. */
  async function ensureRow(): Promise<void> {
    if (await repo.token(OA)) return
    const rt = deps.bootstrap.refreshToken
    if (!rt) return
    const now = clock.now().toISOString()
    await repo.insertToken({
      id: OA,
      accessToken: deps.bootstrap.accessToken ?? '',
      refreshToken: rt,
      // unknown age: treat a bootstrap access token as due for a proactive refresh
      accessExpiresAt: deps.bootstrap.accessToken ? new Date(clock.now().getTime() + 3_600_000).toISOString() : now,
      rotatedAt: now,
    })
  }

  async function doRefresh(reason: string): Promise<string | null> {
    const row = await repo.token(OA)
    if (!row) return null
    if (row.state === 'needs_reconsent') return null
    const retry = deps.retry ?? { attempts: 3, baseMs: 500, capMs: 30_000 }
    let res = await client.refresh(row.refreshToken)
    for (let attempt = 1; !res.ok && res.kind === 'transient' && attempt < retry.attempts; attempt++) {
      await sleep(backoffMs(attempt, retry, deps.random))
      res = await client.refresh(row.refreshToken)
    }
    if (!res.ok) {
      if (res.kind === 'reconsent') {
        await repo.setTokenState(OA, 'needs_reconsent', res.code)
        deps.log?.error({ code: res.code, reason }, 'zalo token refresh rejected: an OA admin must re-authorize the app')
      } else {
        // the refresh token may still be good: keep it, remember why, try again later
        await repo.setTokenState(OA, 'ok', res.code)
        if (res.kind === 'config')
          deps.log?.error({ code: res.code, reason }, 'zalo token refresh refused: check ZALO_APP_ID and ZALO_APP_SECRET')
        else deps.log?.warn({ code: res.code, reason }, 'zalo token refresh failed (transient), will retry')
      }
      return null
    }
    const now = clock.now()
    const expires = new Date(now.getTime() + res.expiresInSec * 1000).toISOString()
    const saved = await db.transaction(async (tx) => {
      const ok = await repo.rotateToken(
        OA,
        row.refreshToken,
        { accessToken: res.accessToken, refreshToken: res.refreshToken, accessExpiresAt: expires, rotatedAt: now.toISOString() },
        tx,
      )
      if (ok) await audit.record(tx, { actorId: null, action: 'zalo.token.rotate', targetType: 'zalo_oa', targetId: OA, data: { reason } })
      return ok
    })
    if (!saved) {
      // someone else rotated first: use theirs
      return (await repo.token(OA))?.accessToken ?? null
    }
    return res.accessToken
  }

  /**
   * PostgreSQL, several instances: wait for the cluster's turn, then refresh only if the pair read now is still
   * due — the instance that held the lock may have rotated it, and its refresh token is the one Zalo now accepts.
   */
  function refreshInTurn(reason: string, stillDue: (row: ZaloTokenRow) => boolean): Promise<string | null> {
    return inClusterTurn(db, PG_LOCK_KEYS.zaloTokenRefresh, async () => {
      const row = await repo.token(OA)
      if (row?.state !== 'ok') return null
      if (!stillDue(row)) return row.accessToken || null
      return await doRefresh(reason)
    })
  }

  /** Single-flight: concurrent callers share one refresh (on PostgreSQL, across instances too). */
  function refreshOnce(reason: string, stillDue: (row: ZaloTokenRow) => boolean): Promise<string | null> {
    if (!inflight) {
      inflight = (isPostgres(db) ? refreshInTurn(reason, stillDue) : doRefresh(reason)).finally(() => {
        inflight = null
      })
    }
    return inflight
  }

  function dueForRefresh(row: { accessToken: string; accessExpiresAt: string; rotatedAt: string }): boolean {
    if (!row.accessToken) return true
    const now = clock.now().getTime()
    const rotated = new Date(row.rotatedAt).getTime()
    const expires = new Date(row.accessExpiresAt).getTime()
    return now >= rotated + (expires - rotated) * 0.8
  }

  return {
    async state(): Promise<TokenState> {
      await ensureRow()
      const row = await repo.token(OA)
      if (!row) return 'missing'
      return row.state
    },
    /** A usable access token, refreshing first when it is ≥ 80 % through its life; null when none can be had. */
    async accessToken(): Promise<string | null> {
      await ensureRow()
      if (inflight) return inflight
      const row = await repo.token(OA)
      if (row?.state !== 'ok') return null
      if (dueForRefresh(row)) return refreshOnce('proactive', dueForRefresh)
      return row.accessToken
    },
    /**
     * Called after an auth-class error with the token that failed. If the stored token has already moved on (another
     * caller refreshed), that one is returned without a second refresh: a burst of -124s costs exactly one rotation.
     */
    async afterAuthFailure(failedToken: string): Promise<string | null> {
      if (inflight) return inflight
      const row = await repo.token(OA)
      if (row?.state !== 'ok') return null
      if (row.accessToken !== failedToken && row.accessToken) return row.accessToken
      return refreshOnce('auth_error', (r) => !r.accessToken || r.accessToken === failedToken)
    },
    /**
     * The token keeper's run (daily and at start-up, plugins/background.ts): rotate the pair whenever the access
     * token would not outlive the next run by an hour. Rotating daily also keeps the single-use refresh token young
     * (each rotation starts its 3 months again), so a commune that surveys twice a year never meets an expired one.
     */
    async keep(nextRunInMs: number): Promise<void> {
      await ensureRow()
      const row = await repo.token(OA)
      if (row?.state !== 'ok') return
      const outlives = (r: ZaloTokenRow) =>
        !!r.accessToken && new Date(r.accessExpiresAt).getTime() - clock.now().getTime() > nextRunInMs + 3_600_000
      if (outlives(row)) return
      await refreshOnce('scheduled', (r) => !outlives(r))
    },
    /** A refreshed token was rejected too: stop and ask a human (§8.2 "second failure → config alert"). */
    async markBroken(code: string): Promise<void> {
      await repo.setTokenState(OA, 'needs_reconsent', code)
      deps.log?.error({ code }, 'zalo rejected a freshly refreshed token: check the app id, secrets and OA link')
    },
    /** Re-consent done out of band (or a new bootstrap pair): replace the pair. */
    async setPair(p: { accessToken: string; refreshToken: string; expiresInSec?: number }): Promise<void> {
      const now = clock.now()
      const row = {
        accessToken: p.accessToken,
        refreshToken: p.refreshToken,
        accessExpiresAt: new Date(now.getTime() + (p.expiresInSec ?? 90_000) * 1000).toISOString(),
        rotatedAt: now.toISOString(),
      }
      await db.transaction(async (tx) => {
        const cur = await repo.token(OA, tx)
        if (cur) {
          await repo.rotateToken(OA, cur.refreshToken, row, tx)
        } else await repo.insertToken({ id: OA, ...row }, tx)
        await audit.record(tx, { actorId: null, action: 'zalo.token.set', targetType: 'zalo_oa', targetId: OA })
      })
    },
  }
}
export type TokenManager = ReturnType<typeof createTokenManager>
