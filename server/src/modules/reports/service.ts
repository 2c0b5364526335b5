import type { Readable } from 'node:stream'
import { type AppDb, users } from '@app/db'
import type { MinutesMeta, RuleSetSnapshot } from '@app/shared'
import { inArray } from 'drizzle-orm'
import { AppError, forbidden } from '../../lib/app-error.js'
import { createAuditRepo } from '../audit/repo.js'
import type { AuditService } from '../audit/service.js'
import type { BallotService } from '../ballots/service.js'
import type { CouncilService } from '../council/service.js'
import type { FeedbackService } from '../feedback/service.js'
import { type Actor, assertRole } from '../policy.js'
import { publicTally } from '../public/service.js'
import type { RoundRow } from '../rounds/repo.js'
import type { DisclosedVia, LevelRule, RoundService } from '../rounds/service.js'
import type { TallyService } from '../tally/service.js'
import type { UnitService } from '../units/service.js'
import { type CsvDelimiter, csvStream, type ExportHeaders, type ExportInput, xlsxStream } from './exports.js'
import { type MinutesGovernance, renderMinutesPdf } from './minutes-pdf.js'
import { renderNoticesPdf } from './notices-pdf.js'
import { createReportsRepo } from './repo.js'

/** How many example texts per question the minutes quote (the most frequent first). */
export const MINUTES_EXAMPLES_PER_QUESTION = 8

/**
 * Documents of a sealed round: the official minutes PDF, the village notices PDF and the CSV/XLSX
 * exports. Front staff and council in scope (admin too); 404 outside scope; 409 before sealing.
 */
export function createReportsService(deps: {
  db: AppDb
  audit: AuditService
  rounds: RoundService
  units: UnitService
  tally: TallyService
  ballots: BallotService
  council: CouncilService
  feedback: Pick<FeedbackService, 'counts' | 'topTexts'>
  levels: Readonly<Record<string, LevelRule>>
  publicBaseUrl: string
  /** Small-group suppression minimum (PRIVACY_MIN_CELL). */
  minCell: number
}) {
  const { db, audit, rounds, units, tally, ballots, council, feedback, levels, publicBaseUrl, minCell } = deps
  const repo = createReportsRepo(db)

  async function sealedFor(actor: Actor, roundId: string, via: DisclosedVia) {
    const r = await rounds.getVisible(actor, roundId)
    if (actor.role === 'collector') throw forbidden('collectors see their own entry counts only')
    assertRole(actor, ['admin', 'front_staff', 'council'])
    const rec = r.status === 'sealed' || r.status === 'returned' ? await tally.sealedRecord(r.id) : undefined
    if (!rec)
      throw new AppError('invalid_transition', `documents are issued for sealed rounds; this one is ${r.status}`, 409, {
        status: r.status,
        action: 'report',
      })
    await rounds.disclose(actor, r, via)
    return { r, rec }
  }

  async function log(actor: Actor, r: RoundRow, action: string, data: Record<string, unknown> = {}) {
    await db.transaction((tx) => audit.record(tx, { actorId: actor.id, action, targetType: 'round', targetId: r.id, data }))
  }

  /**
   * The public verify page; with the sealed root in the address (what the QR codes on paper carry), the page
   * compares the printed root with the one stored now, so a rewrite of the whole database still disagrees with paper.
   */
  const auditRepo = createAuditRepo()

  /**
   * What the minutes say about departures from the plan, read from the audit chain: bars below the level's
   * rule (when still those of the round) and households added to the frozen frame, each with who, when, why.
   */
  async function governanceOf(r: RoundRow): Promise<MinutesGovernance> {
    const entries = await auditRepo.byTarget(db, 'round', r.id, ['round.rule_override', 'round.frame_addition'])
    const actorIds = [...new Set(entries.map((e) => e.actorId).filter((a): a is string => !!a))]
    const names = new Map<string, string>()
    if (actorIds.length) {
      const rows = await db
        .select({ id: users.id, username: users.username, unitId: users.unitId })
        .from(users)
        .where(inArray(users.id, actorIds))
      for (const u of rows) {
        const unit = await units.findById(u.unitId)
        const where = unit?.kind === 'province' ? ` (MTTQ tỉnh ${unit.name})` : unit ? ` (${unit.name})` : ''
        names.set(u.id, `tài khoản ${u.username}${where}`)
      }
    }
    const by = (id: string | null) => (id ? (names.get(id) ?? 'tài khoản đã xoá') : 'hệ thống')
    const data = (e: (typeof entries)[number]) => (e.data ? (JSON.parse(e.data) as Record<string, unknown>) : {})
    const override = entries.filter((e) => e.action === 'round.rule_override').at(-1)
    const od = override ? data(override) : null
    const villageNames = new Map((await units.children(r.communeId, 'village')).map((v) => [v.id, v.name]))
    return {
      ruleOverride:
        override && od && od.thresholdBp === r.thresholdBp && od.coverageBp === r.coverageBp
          ? {
              thresholdBp: r.thresholdBp,
              coverageBp: r.coverageBp,
              levelThresholdBp: Number(od.levelThresholdBp),
              levelCoverageBp: Number(od.levelCoverageBp),
              by: by(override.actorId),
              at: override.at,
              reason: override.reason ?? '',
            }
          : null,
      frameAdditions: entries
        .filter((e) => e.action === 'round.frame_addition')
        .map((e) => {
          const d = data(e)
          const perVillage = (d.villages ?? {}) as Record<string, number>
          return {
            households: Number(d.households ?? 0),
            villages: Object.keys(perVillage).map((v) => villageNames.get(v) ?? v),
            by: by(e.actorId),
            at: e.at,
            reason: e.reason ?? '',
          }
        }),
    }
  }

  const verifyUrl = (roundId: string, root?: string) => `${publicBaseUrl}/v/${roundId}${root ? `?root=${root}` : ''}`

  /** Every reader, the council too, gets small groups withheld with their complements (TRUST.md §2.2). */
  async function exportInput(r: RoundRow, t: ExportInput['tally'], headers: ExportHeaders): Promise<ExportInput> {
    return {
      headers,
      suppressMin: minCell,
      villageChannels: await tally.villageChannels(r.id),
      questions: await rounds.questionsOf(r),
      villages: new Map((await units.children(r.communeId, 'village')).map((v) => [v.id, { code: v.code, name: v.name }])),
      // read as the client downloads: SQLite pages through the (round, ledger_seq) index, PostgreSQL fetches from a
      // cursor on a connection of its own, taken at the first read and given back when the download ends or is cut
      ballots: ballots.iterateRound(r.id),
      tally: t,
    }
  }

  return {
    verifyUrl,

    /** The tallying meeting as the minutes will print it (time, place, participants, recipients, ballots handed out). */
    async minutesMeta(actor: Actor, roundId: string): Promise<MinutesMeta | null> {
      const r = await rounds.getVisible(actor, roundId)
      assertRole(actor, ['admin', 'front_staff', 'council'])
      const m = await repo.minutesMeta(r.id)
      return m
        ? {
            meetingAt: m.meetingAt,
            place: m.place,
            participants: m.participants as MinutesMeta['participants'],
            recipients: m.recipients,
            issued: m.issued ?? null,
          }
        : null
    },

    /**
     * Record the tallying meeting: while the round is closed, before sealing (the sealed minutes do not
     * change afterwards). Exactly one chair.
     */
    async setMinutesMeta(actor: Actor, roundId: string, body: MinutesMeta): Promise<MinutesMeta> {
      const r = await rounds.getManaged(actor, roundId)
      if (r.status !== 'closed')
        throw new AppError('invalid_transition', `the meeting is recorded when sealing, not on a round that is ${r.status}`, 409, {
          status: r.status,
        })
      if (body.participants.filter((p) => p.role === 'chair').length !== 1)
        throw new AppError('validation_failed', 'exactly one chair', 400, {
          issues: [{ path: 'participants', message: 'exactly one chair' }],
        })
      return await db.transaction(async (tx) => {
        await repo.upsertMinutesMeta({ roundId: r.id, ...body, issued: body.issued ?? null }, tx)
        await audit.record(tx, {
          actorId: actor.id,
          action: 'round.minutes_meta',
          targetType: 'round',
          targetId: r.id,
          data: { participants: body.participants.length },
        })
        return body
      })
    },

    async minutesPdf(actor: Actor, roundId: string): Promise<Buffer> {
      const { r, rec } = await sealedFor(actor, roundId, 'minutes')
      const commune = await units.findById(r.communeId)
      // only the units in force on the round's last day (a district abolished on 01/07/2025 is not printed for a 2026 round)
      const onDay = (r.closedAt ?? r.closesAt).slice(0, 10)
      const ancestors = []
      for (const id of (await units.ancestorIds(r.communeId)).slice(1)) ancestors.push(await units.findById(id))
      const parents = ancestors
        .filter((u) => u !== undefined)
        .filter((u) => (!u.validFrom || u.validFrom <= onDay) && (!u.validTo || onDay <= u.validTo))
        .map((u) => (u.kind === 'province' ? `tỉnh ${u.name}` : u.kind === 'district' ? `huyện ${u.name}` : u.name))
      const meta = await repo.minutesMeta(r.id)
      const reasonTotals = new Map<string, number>()
      let commentTotal = 0
      for (const c of await feedback.counts(r.id)) {
        if (c.kind === 'comment') commentTotal += c.n
        else if (c.questionKey) reasonTotals.set(c.questionKey, (reasonTotals.get(c.questionKey) ?? 0) + c.n)
      }
      const top = await feedback.topTexts(r.id, 'reason', MINUTES_EXAMPLES_PER_QUESTION)
      const pdf = await renderMinutesPdf({
        communeName: commune?.name ?? '',
        parentNames: parents,
        villageName: r.villageIds?.length === 1 ? ((await units.findById(r.villageIds[0] as string))?.name ?? null) : null,
        round: {
          id: r.id,
          title: r.title,
          level: r.level,
          levelName: levels[r.level]?.name ?? r.level,
          legalBasis: r.legalBasis,
          ruleSet: (r.ruleSetSnapshot as RuleSetSnapshot | null) ?? null,
          opensAt: r.opensAt,
          closesAt: r.closesAt,
          closedAt: r.closedAt,
          historical: r.historical,
          // the basis the round sent links under; a round that took link answers before it was kept falls back to the province's
          linkLegalBasis:
            r.linkLegalBasis ??
            ((rec.tally.byChannel.link ?? 0) + (rec.tally.byChannel.assisted ?? 0) > 0
              ? ((await units.linkChannelOf(r.communeId))?.legalBasis ?? null)
              : null),
        },
        meeting: meta
          ? {
              meetingAt: meta.meetingAt,
              place: meta.place,
              participants: meta.participants as MinutesMeta['participants'],
              recipients: meta.recipients,
              issued: meta.issued ?? null,
            }
          : null,
        questions: await rounds.questionsOf(r),
        tally: rec.tally,
        minCell,
        methodVersion: rec.methodVersion,
        ledgerRootHash: rec.ledgerRootHash,
        sealedAt: rec.sealedAt,
        reasons: [...reasonTotals.entries()].map(([questionKey, total]) => ({
          questionKey,
          total,
          examples: top.filter((t) => t.questionKey === questionKey).map((t) => ({ text: t.text, n: t.n })),
        })),
        comments: {
          total: commentTotal,
          examples: (await feedback.topTexts(r.id, 'comment', MINUTES_EXAMPLES_PER_QUESTION)).map((t) => ({ text: t.text, n: t.n })),
        },
        invalid: await repo.invalidByReason(r.id),
        verifyUrl: verifyUrl(r.id, rec.ledgerRootHash),
        history: await council.history(r.id),
        governance: await governanceOf(r),
      })
      await log(actor, r, 'report.minutes')
      return pdf
    },

    async noticesPdf(actor: Actor, roundId: string): Promise<Buffer> {
      const { r, rec } = await sealedFor(actor, roundId, 'notices')
      const shown = tally.shown(rec.tally)
      const pdf = await renderNoticesPdf({
        communeName: (await units.findById(r.communeId))?.name ?? '',
        villageName: r.villageIds?.length === 1 ? ((await units.findById(r.villageIds[0] as string))?.name ?? null) : null,
        levelName: levels[r.level]?.name ?? r.level,
        title: r.title,
        opensAt: r.opensAt,
        closesAt: r.closesAt,
        thresholdBp: rec.tally.thresholdBp,
        coverageBp: rec.tally.coverageBp,
        coverageScope: rec.tally.coverageScope,
        commune: publicTally(shown.commune),
        villages: shown.villages.map(publicTally),
        minCell: shown.minCell,
        ledgerRootHash: rec.ledgerRootHash,
        sealedAt: rec.sealedAt,
        verifyUrl: verifyUrl(r.id, rec.ledgerRootHash),
      })
      await log(actor, r, 'report.notices')
      return pdf
    },

    /** One record per ballot, streamed; checks and the audit entry happen before the first byte. */
    async exportCsv(actor: Actor, roundId: string, headers: ExportHeaders = 'vi', delimiter: CsvDelimiter = ','): Promise<Readable> {
      const { r, rec } = await sealedFor(actor, roundId, 'export')
      await log(actor, r, 'report.export', { format: 'csv' })
      return csvStream(await exportInput(r, rec.tally, headers), delimiter)
    },

    async exportXlsx(actor: Actor, roundId: string, headers: ExportHeaders = 'vi'): Promise<Readable> {
      const { r, rec } = await sealedFor(actor, roundId, 'export')
      await log(actor, r, 'report.export', { format: 'xlsx' })
      return xlsxStream(await exportInput(r, rec.tally, headers))
    },
  }
}
export type ReportsService = ReturnType<typeof createReportsService>
