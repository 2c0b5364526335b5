import { type Conn, isPostgres, rawAll } from '@app/db'
import { sql } from 'drizzle-orm'
import type { EntererDayRow, OpenBucketRow } from './signals/bursts.js'
import type { ChannelRow } from './signals/collector-vs-link.js'
import type { DurationRow } from './signals/fast-completion.js'
import type { ValidityRow } from './signals/invalidations.js'
import type { DeviceRow } from './signals/shared-device.js'
import type { StraightRow } from './signals/straight-lining.js'

/**
 * The aggregated rows behind the integrity signals. Everything is grouped in SQL: no query returns
 * one row per ballot, and none reads answers' free text.
 */
export function createIntegrityRepo(db: Conn) {
  return {
    /** Valid link ballots with a completion time: a histogram per village × seconds. */
    async linkDurations(roundId: string): Promise<DurationRow[]> {
      return await rawAll<DurationRow>(
        db,
        sql`
        SELECT village_id AS "villageId", seconds_to_complete AS seconds, CAST(count(*) AS INTEGER) AS n
        FROM ballots
        WHERE round_id = ${roundId} AND valid = true AND channel = 'link' AND seconds_to_complete IS NOT NULL
        GROUP BY village_id, seconds_to_complete`,
      )
    },
    /** Per village: valid ballots and those with one and the same answer on every question. */
    async straightLined(roundId: string): Promise<StraightRow[]> {
      // the answers' distinct "satisfied" values, per ballot: one means the same answer everywhere
      const straight = isPostgres(db)
        ? sql`(SELECT count(DISTINCT coalesce(j.value->>'satisfied', 'false')) FROM json_each(b.answers) j) = 1`
        : sql`(SELECT count(DISTINCT coalesce(json_extract(j.value, '$.satisfied'), 0)) FROM json_each(b.answers) j) = 1`
      return await rawAll<StraightRow>(
        db,
        sql`
        SELECT village_id AS "villageId", CAST(count(*) AS INTEGER) AS n,
               CAST(coalesce(sum(CASE WHEN straight THEN 1 ELSE 0 END), 0) AS INTEGER) AS straight
        FROM (
          SELECT b.village_id, ${straight} AS straight
          FROM ballots b
          WHERE b.round_id = ${roundId} AND b.valid = true
        ) AS t
        GROUP BY village_id`,
      )
    },
    /** Valid link ballots per coarse device fingerprint. */
    async devices(roundId: string): Promise<DeviceRow[]> {
      return await rawAll<DeviceRow>(
        db,
        sql`
        SELECT device_fingerprint AS fingerprint, CAST(count(*) AS INTEGER) AS n
        FROM ballots
        WHERE round_id = ${roundId} AND valid = true AND channel = 'link' AND device_fingerprint IS NOT NULL
        GROUP BY device_fingerprint`,
      )
    },
    /** Paper and meeting ballots per person who keyed them, per day. */
    async entriesPerDay(roundId: string): Promise<EntererDayRow[]> {
      return await rawAll<EntererDayRow>(
        db,
        sql`
        SELECT entered_by AS "userId", day, CAST(count(*) AS INTEGER) AS n
        FROM ballots
        WHERE round_id = ${roundId} AND entered_by IS NOT NULL
        GROUP BY entered_by, day`,
      )
    },
    /**
     * First openings of the round's links per village, in windows of `minutes` aligned on the epoch, summed from
     * the per-village, per-minute counts (households' own open times are forgotten once they answer).
     */
    async linkOpenWindows(roundId: string, minutes: number): Promise<OpenBucketRow[]> {
      const w = minutes * 60
      return await rawAll<OpenBucketRow>(
        db,
        sql`
        SELECT village_id AS "villageId",
               ${
                 isPostgres(db)
                   ? sql`to_char(to_timestamp((floor(extract(epoch from (bucket || ':00Z')::timestamptz) / ${w}::int) * ${w}::int)::float8) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`
                   : sql`strftime('%Y-%m-%dT%H:%M:%SZ', (CAST(strftime('%s', bucket || ':00Z') AS INTEGER) / ${w}) * ${w}, 'unixepoch')`
               } AS "windowStart",
               CAST(sum(n) AS INTEGER) AS n
        FROM link_open_counts
        WHERE round_id = ${roundId}
        GROUP BY 1, 2`,
      )
    },
    /**
     * When staff of the given units were active (any audited action, logins included once they are
     * audited) between two instants. Only times: who and what stay in the audit log.
     */
    async staffActivityBetween(unitIds: readonly string[], fromIso: string, toIso: string): Promise<string[]> {
      if (unitIds.length === 0) return []
      const rows = await rawAll<{ at: string }>(
        db,
        sql`
          SELECT a.at AS at FROM audit_log a JOIN users u ON u.id = a.actor_id
          WHERE a.at >= ${fromIso} AND a.at <= ${toIso}
            AND u.unit_id IN (${sql.join(
              unitIds.map((id) => sql`${id}`),
              sql`, `,
            )})
          ORDER BY a.at`,
      )
      return rows.map((r) => r.at)
    },
    /** Valid ballots per village × channel × who keyed them, with the overall "hài lòng" count. */
    async channels(roundId: string): Promise<ChannelRow[]> {
      return await rawAll<ChannelRow>(
        db,
        sql`
        SELECT village_id AS "villageId", channel, entered_by AS "enteredBy", CAST(count(*) AS INTEGER) AS n,
               CAST(coalesce(sum(CASE WHEN overall_satisfied THEN 1 ELSE 0 END), 0) AS INTEGER) AS satisfied
        FROM ballots
        WHERE round_id = ${roundId} AND valid = true
        GROUP BY village_id, channel, entered_by`,
      )
    },
    /** Per village: households that took part and on how many distinct days. */
    async participationDays(roundId: string): Promise<{ villageId: string; participated: number; days: number }[]> {
      return await rawAll(
        db,
        sql`
        SELECT village_id AS "villageId", CAST(count(*) AS INTEGER) AS participated, CAST(count(DISTINCT day) AS INTEGER) AS days
        FROM participations WHERE round_id = ${roundId}
        GROUP BY village_id`,
      )
    },
    /** Per village: valid ballots and satisfied on the overall question. */
    async villageRates(roundId: string): Promise<{ villageId: string; valid: number; satisfied: number }[]> {
      return await rawAll(
        db,
        sql`
        SELECT village_id AS "villageId", CAST(count(*) AS INTEGER) AS valid, CAST(coalesce(sum(CASE WHEN overall_satisfied THEN 1 ELSE 0 END), 0) AS INTEGER) AS satisfied
        FROM ballots WHERE round_id = ${roundId} AND valid = true
        GROUP BY village_id`,
      )
    },
    /** Ballots by validity × overall answer. */
    async validity(roundId: string): Promise<ValidityRow[]> {
      // 1/0 on SQLite, true/false on PostgreSQL
      const rows = await rawAll<{ valid: number | boolean; overallSatisfied: number | boolean; n: number }>(
        db,
        sql`
          SELECT valid, overall_satisfied AS "overallSatisfied", CAST(count(*) AS INTEGER) AS n
          FROM ballots WHERE round_id = ${roundId}
          GROUP BY valid, overall_satisfied`,
      )
      return rows.map((r) => ({ valid: Number(r.valid) === 1, overallSatisfied: Number(r.overallSatisfied) === 1, n: r.n }))
    },
  }
}
export type IntegrityRepo = ReturnType<typeof createIntegrityRepo>
