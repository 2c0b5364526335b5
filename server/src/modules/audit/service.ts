import type { Conn } from '@app/db'
import { vnDay } from '@app/shared'
import type { Clock } from '../../lib/clock.js'
import { canonicalJson, GENESIS_HASH, sha256Hex } from '../../lib/hash.js'
import { createAuditRepo } from './repo.js'

export interface AuditEntry {
  actorId: string | null
  action: string
  targetType: string
  targetId?: string | null
  reason?: string | null
  /** Structured facts of the action; never PII (no names, phones, tokens). */
  data?: Record<string, unknown>
  /** Keep only the Vietnamese calendar day as the time (entries about answering must not time a household, TRUST.md §2.1). */
  dayOnly?: boolean
}

/** The audit log: every staff action, hash-chained (hash = SHA-256(prev ‖ canonical JSON of the entry)). */
export function createAuditService(deps: { clock: Clock }) {
  const repo = createAuditRepo()
  function entryHash(prevHash: string, e: { seq: number; at: string } & AuditEntry): string {
    return sha256Hex(prevHash + canonicalJson({ ...e, targetId: e.targetId ?? null, reason: e.reason ?? null, data: e.data ?? null }))
  }
  return {
    /** Append inside the caller's transaction so the action and its log entry commit together. */
    async record(tx: Conn, e: AuditEntry): Promise<void> {
      const last = await repo.last(tx)
      const seq = (last?.seq ?? 0) + 1
      const prevHash = last?.hash ?? GENESIS_HASH
      const { dayOnly, ...entry } = e
      const at = dayOnly ? vnDay(deps.clock.now()) : deps.clock.now().toISOString()
      const hash = entryHash(prevHash, { seq, at, ...entry })
      await repo.insert(tx, {
        seq,
        at,
        actorId: e.actorId,
        action: e.action,
        targetType: e.targetType,
        targetId: e.targetId ?? null,
        reason: e.reason ?? null,
        data: e.data ? canonicalJson(e.data) : null,
        prevHash,
        hash,
      })
    },
    /** The entries about one target with one of `actions`, in chain order. */
    about(tx: Conn, targetType: string, targetId: string, actions: readonly string[]) {
      return repo.byTarget(tx, targetType, targetId, actions)
    },
    /** Recompute the chain; returns the first broken seq or null when intact. */
    async verify(tx: Conn): Promise<{ ok: boolean; brokenAt: number | null; count: number }> {
      let prev = GENESIS_HASH
      const rows = await repo.all(tx)
      for (const r of rows) {
        const h = entryHash(prev, {
          seq: r.seq,
          at: r.at,
          actorId: r.actorId,
          action: r.action,
          targetType: r.targetType,
          targetId: r.targetId,
          reason: r.reason,
          data: r.data ? (JSON.parse(r.data) as Record<string, unknown>) : undefined,
        })
        if (r.prevHash !== prev || r.hash !== h) return { ok: false, brokenAt: r.seq, count: rows.length }
        prev = r.hash
      }
      return { ok: true, brokenAt: null, count: rows.length }
    },
  }
}
export type AuditService = ReturnType<typeof createAuditService>
