import { type DbOrTx, rounds } from '@app/db'
import { asc, desc, eq, inArray, sql } from 'drizzle-orm'
import type { RoundRow } from '../rounds/repo.js'

export function createOverviewRepo(db: DbOrTx) {
  return {
    /** The most recently created round of each commune (one query; rounds are few per commune). */
    latestByCommune(communeIds: string[], tx: DbOrTx = db): Map<string, RoundRow> {
      const out = new Map<string, RoundRow>()
      for (let i = 0; i < communeIds.length; i += 500) {
        const chunk = communeIds.slice(i, i + 500)
        const rows = tx
          .select()
          .from(rounds)
          .where(inArray(rounds.communeId, chunk))
          .orderBy(desc(rounds.createdAt), desc(sql`rowid`))
          .all()
        for (const r of rows) if (!out.has(r.communeId)) out.set(r.communeId, r)
      }
      return out
    },
    /** Every round of a commune in time order (collection window, then creation). */
    roundsOfCommune(communeId: string, tx: DbOrTx = db): RoundRow[] {
      return tx
        .select()
        .from(rounds)
        .where(eq(rounds.communeId, communeId))
        .orderBy(asc(rounds.opensAt), asc(rounds.createdAt), asc(sql`rowid`))
        .all()
    },
  }
}
export type OverviewRepo = ReturnType<typeof createOverviewRepo>
