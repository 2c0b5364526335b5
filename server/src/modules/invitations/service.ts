import { type AppDb, type Conn, rounds as roundsTable } from '@app/db'
import { foldVi, formatSlipCode } from '@app/shared'
import { and, eq, isNull } from 'drizzle-orm'
import { AppError, conflict, notFound } from '../../lib/app-error.js'
import type { Clock } from '../../lib/clock.js'
import { hashLinkToken, newLinkToken } from '../../lib/tokens.js'
import type { AuditService } from '../audit/service.js'
import { type Actor, canSeeContact } from '../policy.js'
import type { RoundRow } from '../rounds/repo.js'
import type { RoundService } from '../rounds/service.js'
import type { UnitService } from '../units/service.js'
import { createInvitationRepo } from './repo.js'
import { renderSlipsPdf, type Slip } from './slips-pdf.js'
import { renderVillageNoticesPdf } from './village-notice-pdf.js'

export type InvitationChannel = 'print' | 'zalo' | 'sms'

export interface IssuedLink {
  householdId: string
  villageId: string
  householdCode: string
  url: string
}
/** The token behind an issued print link (kept in memory for the one PDF that prints it, never stored). */
const tokenOf = (url: string) => url.slice(url.lastIndexOf('/') + 1)

export function createInvitationService(deps: {
  db: AppDb
  clock: Clock
  audit: AuditService
  rounds: RoundService
  units: UnitService
  publicBaseUrl: string
  /** The help line printed on the slips (HOTLINE); null: none. */
  hotline?: string | null
  /** SMS on or off (SMS_MODE) and the price of one SMS in đồng (SMS_COST_VND), for the sending confirmation. */
  sms?: { enabled: boolean; costVnd: number }
}) {
  const { db, clock, audit, rounds, units, publicBaseUrl } = deps
  const hotline = deps.hotline ?? null
  const sms = deps.sms ?? { enabled: true, costVnd: 0 }
  /** "Hộ tôi chưa được hỏi ý kiến" of a commune (modules/requests): printed on every slip sheet and notice. */
  const requestUrl = (communeId: string) => `${publicBaseUrl}/hoi/${communeId}`
  const repo = createInvitationRepo(db)
  const linkUrl = (token: string) => `${publicBaseUrl}/r/${token}`

  /** The round keeps the basis it first sent links under: the minutes print it even if the province changes it later. */
  async function keepLinkBasis(tx: Conn, roundId: string, basis: string | null) {
    if (!basis) return
    await tx
      .update(roundsTable)
      .set({ linkLegalBasis: basis })
      .where(and(eq(roundsTable.id, roundId), isNull(roundsTable.linkLegalBasis)))
  }

  /** Whether invitations may be sent for the round; returns the province's basis for the link channel. */
  async function assertIssuable(r: RoundRow): Promise<string | null> {
    if (r.status !== 'draft' && r.status !== 'open')
      throw conflict('invalid_transition', `invitations cannot be issued for a ${r.status} round`)
    // every invitation is a personal link (a printed QR code too): only where the province allowed the channel
    const link = await units.linkChannelOf(r.communeId)
    if (!link?.enabled)
      throw conflict(
        'link_channel_disabled',
        `${link?.provinceName ?? 'Tỉnh'} chưa cho phép lấy ý kiến qua đường link/Zalo/SMS. Cán bộ Mặt trận cấp tỉnh bật kênh này ` +
          'kèm căn cứ (số, ngày văn bản của tỉnh) ở trang Địa bàn; trong lúc chờ, hãy dùng phiếu giấy hoặc họp khu dân cư.',
      )
    return link.legalBasis
  }

  async function targetVillages(r: RoundRow, villageIds?: string[]) {
    const villages = await rounds.villagesOf(r)
    if (!villageIds) return villages
    const wanted = new Set(villageIds)
    const picked = villages.filter((v) => wanted.has(v.id))
    if (picked.length !== wanted.size) throw notFound('village')
    return picked
  }

  /** The households a sending would reach: active, no link yet, not taken part; zalo/sms: with a phone. */
  async function targets(
    roundId: string,
    villages: { id: string }[],
    channel: InvitationChannel,
    tx?: Parameters<typeof repo.invitedHouseholds>[1],
  ) {
    const invited = await repo.invitedHouseholds(roundId, tx)
    const took = await repo.participatedHouseholds(roundId, tx)
    const candidates = (
      await repo.activeHouseholds(
        villages.map((v) => v.id),
        tx,
      )
    ).filter((h) => !invited.has(h.id) && !took.has(h.id))
    const eligible = channel !== 'print' ? candidates.filter((h) => h.phone) : candidates
    return { candidates, eligible }
  }

  /** What `issue` would do, per village, so the officer confirms with the facts; writes nothing. */
  async function preview(actor: Actor, roundId: string, body: { channel: InvitationChannel; villageIds?: string[] | undefined }) {
    const r = await rounds.getManaged(actor, roundId)
    await assertIssuable(r)
    const villages = await targetVillages(r, body.villageIds)
    const { candidates, eligible } = await targets(r.id, villages, body.channel)
    const per = new Map<string, number>()
    for (const h of eligible) per.set(h.villageId, (per.get(h.villageId) ?? 0) + 1)
    // print sends nothing; zalo falls back to one SMS for each household Zalo cannot reach, unless SMS is off
    const maxMessages = body.channel === 'print' || !sms.enabled ? 0 : eligible.length
    return {
      channel: body.channel,
      households: eligible.length,
      skippedNoPhone: candidates.length - eligible.length,
      villages: villages.filter((v) => per.has(v.id)).map((v) => ({ villageId: v.id, name: v.name, households: per.get(v.id) ?? 0 })),
      sms: { enabled: sms.enabled, priceVnd: sms.costVnd, maxMessages, maxCostVnd: maxMessages * sms.costVnd },
    }
  }

  /**
   * Create one invitation per active household that has none yet (and has not taken part). The
   * token is returned (print) or queued in the outbox (zalo/sms) once, and only its hash is stored.
   */
  async function issue(actor: Actor, roundId: string, body: { channel: InvitationChannel; villageIds?: string[] | undefined }) {
    const r = await rounds.getManaged(actor, roundId)
    const basis = await assertIssuable(r)
    const villages = await targetVillages(r, body.villageIds)
    const now = clock.now().toISOString()
    return db.transaction(async (tx) => {
      await keepLinkBasis(tx, r.id, basis)
      const { candidates, eligible } = await targets(r.id, villages, body.channel, tx)
      const needsPhone = body.channel !== 'print'
      const tokens = eligible.map(() => newLinkToken())
      const rows = await repo.insertMany(
        eligible.map((h, i) => ({
          roundId: r.id,
          householdId: h.id,
          villageId: h.villageId,
          tokenHash: hashLinkToken(tokens[i] as string),
          channel: body.channel,
          status: needsPhone ? ('queued' as const) : ('issued' as const),
        })),
        tx,
      )
      if (needsPhone) {
        const channel = body.channel as 'zalo' | 'sms'
        await repo.queueOutbox(
          rows.map((inv, i) => ({
            invitationId: inv.id,
            channel,
            kind: 'invitation' as const,
            // Zalo's tracking_id: ≤ 48 characters, letters and digits only (ids are 32 hex digits)
            trackingId: `inv${inv.id}`,
            payload: { phone: eligible[i]?.phone, url: linkUrl(tokens[i] as string), roundId: r.id },
            nextAttemptAt: now,
          })),
          tx,
        )
      }
      await audit.record(tx, {
        actorId: actor.id,
        action: 'invitations.issue',
        targetType: 'round',
        targetId: r.id,
        data: { channel: body.channel, created: rows.length, skippedNoPhone: candidates.length - eligible.length },
      })
      const links: IssuedLink[] = eligible.map((h, i) => ({
        householdId: h.id,
        villageId: h.villageId,
        householdCode: h.code,
        url: linkUrl(tokens[i] as string),
      }))
      return {
        created: rows.length,
        skippedNoPhone: candidates.length - eligible.length,
        links: body.channel === 'print' ? links : undefined,
      }
    })
  }

  /** A village's households of a round with link and participation status, after the access checks. */
  async function statusRows(actor: Actor, roundId: string, villageId: string, status?: 'pending' | 'done', query?: string) {
    const r = await rounds.getVisible(actor, roundId)
    if (actor.role === 'collector' && !(await rounds.collectorVillages(r.id, actor.id)).includes(villageId)) throw notFound('village')
    if (actor.role === 'council') throw notFound('village')
    const village = (await targetVillages(r, [villageId]))[0]
    if (!village) throw notFound('village')
    const invited = await repo.invitedHouseholds(r.id)
    const took = await repo.participatedHouseholds(r.id)
    const withContact = canSeeContact(actor)
    const needle = query ? foldVi(query) : null
    const rows = (await repo.activeHouseholdsWithNames([village.id]))
      .map((h) => ({
        id: h.id,
        code: h.code,
        headName: h.headName,
        villageId: h.villageId,
        invited: invited.has(h.id),
        participated: took.has(h.id),
        ...(withContact ? { phone: h.phone, address: h.address } : {}),
      }))
      .filter((h) => (status === 'pending' ? !h.participated : status === 'done' ? h.participated : true))
      .filter((h) => !needle || foldVi(`${h.code} ${h.headName}`).includes(needle))
    return { round: r, village, rows }
  }

  return {
    /** A link by its token's hash (the short-code page); revoked links too, the caller decides. */
    findByTokenHash: repo.findByTokenHash,
    /** Households of the round holding a link, and those that took part (matching residents' requests). */
    invitedHouseholds: repo.invitedHouseholds,
    participatedHouseholds: repo.participatedHouseholds,
    issue,
    preview,

    /**
     * A village's households with whether they have a live link and whether they took part (not what
     * they answered): the village team's list of whom to visit, and the paper-entry picker.
     */
    async householdStatus(
      actor: Actor,
      roundId: string,
      q: { villageId: string; status?: 'pending' | 'done' | undefined; q?: string | undefined; page: number; limit: number },
    ) {
      const all = (await statusRows(actor, roundId, q.villageId, q.status, q.q)).rows
      return { items: all.slice((q.page - 1) * q.limit, q.page * q.limit), page: q.page, limit: q.limit, total: all.length }
    },

    /**
     * The door-to-door list of one village (households that have not taken part) for the collecting team:
     * everyone who may read the village's list gets the names; phone and address only for roles that may
     * see contacts (policy.canSeeContact). Never answers, never a token.
     */
    async doorList(actor: Actor, roundId: string, villageId: string) {
      const { round, village, rows } = await statusRows(actor, roundId, villageId, 'pending')
      return { round, village, rows, withContact: canSeeContact(actor) }
    },

    /** Revoke a household's live link (the old link answers 404 from now on). */
    async revoke(actor: Actor, roundId: string, householdId: string) {
      const r = await rounds.getManaged(actor, roundId)
      return db.transaction(async (tx) => {
        const inv = await repo.liveFor(r.id, householdId, tx)
        if (!inv) throw notFound('invitation')
        await repo.revoke(inv.id, clock.now().toISOString(), tx)
        await repo.cancelOutboxFor(inv.id, tx)
        await audit.record(tx, {
          actorId: actor.id,
          action: 'invitation.revoke',
          targetType: 'invitation',
          targetId: inv.id,
          data: { roundId: r.id },
        })
        return { revoked: true }
      })
    },

    /** Revoke the household's link (if any) and issue a new one on the given channel. */
    async reissue(actor: Actor, roundId: string, householdId: string, channel: InvitationChannel) {
      const r = await rounds.getManaged(actor, roundId)
      const basis = await assertIssuable(r)
      return db.transaction(async (tx) => {
        await keepLinkBasis(tx, r.id, basis)
        if ((await repo.participatedHouseholds(r.id, tx)).has(householdId))
          throw conflict('already_answered', 'this household has already taken part')
        const hh = (
          await repo.activeHouseholds(
            (await units.children(r.communeId, 'village')).map((v) => v.id),
            tx,
          )
        ).find((h) => h.id === householdId)
        if (!hh) throw notFound('household')
        // A round limited to some villages counts only their ballots: a link elsewhere would take an answer that is never tallied.
        if (!(await rounds.villagesOf(r)).some((v) => v.id === hh.villageId))
          throw new AppError('household_outside_round', 'Hộ này không thuộc các ấp/thôn của đợt lấy ý kiến này.', 422, {
            villageId: hh.villageId,
          })
        if (channel !== 'print' && !hh.phone) throw conflict('conflict', 'the household has no phone number')
        const old = await repo.liveFor(r.id, householdId, tx)
        const now = clock.now().toISOString()
        if (old) {
          await repo.revoke(old.id, now, tx)
          await repo.cancelOutboxFor(old.id, tx)
        }
        const token = newLinkToken()
        const [inv] = await repo.insertMany(
          [
            {
              roundId: r.id,
              householdId,
              villageId: hh.villageId,
              tokenHash: hashLinkToken(token),
              channel,
              status: channel === 'print' ? 'issued' : 'queued',
            },
          ],
          tx,
        )
        if (!inv) throw new Error('invitation insert failed')
        if (channel !== 'print') {
          await repo.queueOutbox(
            [
              {
                invitationId: inv.id,
                channel,
                kind: 'invitation',
                trackingId: `inv${inv.id}`,
                payload: { phone: hh.phone, url: linkUrl(token), roundId: r.id },
                nextAttemptAt: now,
              },
            ],
            tx,
          )
        }
        await audit.record(tx, {
          actorId: actor.id,
          action: 'invitation.reissue',
          targetType: 'invitation',
          targetId: inv.id,
          data: { roundId: r.id, channel, revoked: old?.id ?? null },
        })
        return {
          householdId,
          villageId: hh.villageId,
          ...(channel === 'print' ? { url: linkUrl(token), code: formatSlipCode(token), codeUrl: `${publicBaseUrl}/ma` } : {}),
          ...(channel === 'print' && hotline ? { hotline } : {}),
        }
      })
    },

    /**
     * The village notices of a draft or open round (one A4 per village of the round, or of the given
     * ones): how to answer and the commune's "Hộ tôi chưa được hỏi ý kiến" QR code. Writes nothing.
     */
    async villageNoticesPdf(actor: Actor, roundId: string, body: { villageIds?: string[] | undefined }): Promise<Buffer> {
      const r = await rounds.getManaged(actor, roundId)
      await assertIssuable(r)
      const villages = await targetVillages(r, body.villageIds)
      return renderVillageNoticesPdf({
        communeName: (await units.findById(r.communeId))?.name ?? '',
        title: r.title,
        opensAt: r.opensAt,
        closesAt: r.closesAt,
        villages,
        codeUrl: `${publicBaseUrl.replace(/^https?:\/\//, '')}/ma`,
        requestUrl: requestUrl(r.communeId),
        hotline,
      })
    },

    /**
     * Printable A4 slips for the households of the given villages that have no link yet. With
     * `reissue`, print links that were already issued but not used are revoked and printed anew.
     */
    async slipsPdf(
      actor: Actor,
      roundId: string,
      body: { villageIds?: string[] | undefined; reissue?: boolean | undefined },
    ): Promise<Buffer> {
      const r = await rounds.getManaged(actor, roundId)
      await assertIssuable(r)
      const villages = await targetVillages(r, body.villageIds)
      if (body.reissue) {
        const targets = new Set(villages.map((v) => v.id))
        await db.transaction(async (tx) => {
          const took = await repo.participatedHouseholds(r.id, tx)
          const hhs = (await repo.activeHouseholds([...targets], tx)).filter((h) => !took.has(h.id))
          const now = clock.now().toISOString()
          let n = 0
          for (const h of hhs) {
            const inv = await repo.liveFor(r.id, h.id, tx)
            if (inv && inv.channel === 'print') {
              await repo.revoke(inv.id, now, tx)
              n++
            }
          }
          await audit.record(tx, {
            actorId: actor.id,
            action: 'invitations.revoke_for_reprint',
            targetType: 'round',
            targetId: r.id,
            data: { revoked: n },
          })
        })
      }
      const res = await issue(actor, roundId, { channel: 'print', villageIds: villages.map((v) => v.id) })
      const names = new Map(villages.map((v) => [v.id, v.name]))
      const commune = await units.findById(r.communeId)
      const withContact = canSeeContact(actor)
      const people = new Map((await repo.activeHouseholdsWithNames(villages.map((v) => v.id))).map((h) => [h.id, h]))
      const slips: Slip[] = (res.links ?? []).map((l) => {
        const hh = people.get(l.householdId)
        return {
          villageName: names.get(l.villageId) ?? '',
          householdCode: l.householdCode,
          headName: hh?.headName ?? '',
          address: withContact ? (hh?.address ?? null) : null,
          token: tokenOf(l.url),
        }
      })
      return renderSlipsPdf(
        {
          title: r.title,
          communeName: commune?.name ?? '',
          closesAt: r.closesAt,
          publicBaseUrl,
          requestUrl: requestUrl(r.communeId),
          hotline,
        },
        slips,
      )
    },
  }
}
export type InvitationService = ReturnType<typeof createInvitationService>
