import {
  ApiError,
  CreateInvitationsBody,
  CreateInvitationsResult,
  DoorListQuery,
  Id,
  IdParams,
  InvitationsPreview,
  NoticesBody,
  ReissueBody,
  ReissueResult,
  RevokeResult,
  RoundHouseholdPage,
  RoundHouseholdQuery,
  SlipsBody,
} from '@app/shared'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import QRCode from 'qrcode'
import { z } from 'zod'
import { doorListCsv, doorListXlsx } from './door-list.js'

const Err = { 400: ApiError, 403: ApiError, 404: ApiError, 409: ApiError, 422: ApiError }
/** A file name part from a unit code: ASCII letters, digits and dashes only. */
const asciiName = (code: string) => code.replace(/[^A-Za-z0-9_-]+/g, '-') || 'thon'

/** A round's links (issue, print, revoke, reissue) and its households' status, under /api/rounds/:id. */
export const invitationRoutes: FastifyPluginAsyncZod = async (app) => {
  app.addHook('onRequest', app.authenticate)
  const s = () => app.services

  app.post(
    '/:id/invitations',
    {
      schema: {
        tags: ['invitations'],
        summary: 'Issue links to households that have none (print returns them once; zalo/sms queue them)',
        params: IdParams,
        body: CreateInvitationsBody,
        response: { 201: CreateInvitationsResult, ...Err },
      },
    },
    async (req, reply) => reply.code(201).send(await s().invitations.issue(req.actor, req.params.id, req.body)),
  )
  app.post(
    '/:id/invitations/preview',
    {
      schema: {
        tags: ['invitations'],
        summary: 'What issuing would do (households per village, without a phone), so it is confirmed with the facts; creates nothing',
        params: IdParams,
        body: CreateInvitationsBody,
        response: { 200: InvitationsPreview, ...Err },
      },
    },
    async (req) => s().invitations.preview(req.actor, req.params.id, req.body),
  )
  app.post(
    '/:id/invitations/slips.pdf',
    {
      schema: {
        tags: ['invitations'],
        summary: 'A4 PDF of cut-out slips (QR + link) for households without a link; reissue=true reprints unused print links',
        params: IdParams,
        body: SlipsBody,
        response: { 200: z.any().describe('application/pdf'), ...Err },
      },
    },
    async (req, reply) => {
      const pdf = await s().invitations.slipsPdf(req.actor, req.params.id, req.body ?? {})
      return reply.type('application/pdf').header('content-disposition', 'attachment; filename="phieu-moi.pdf"').send(pdf)
    },
  )
  app.post(
    '/:id/invitations/notices.pdf',
    {
      schema: {
        tags: ['invitations'],
        summary:
          'A4 village notices for the hall board while the round runs: how to answer, and the "my household was not asked" QR code; writes nothing',
        params: IdParams,
        body: NoticesBody,
        response: { 200: z.any().describe('application/pdf'), ...Err },
      },
    },
    async (req, reply) => {
      const pdf = await s().invitations.villageNoticesPdf(req.actor, req.params.id, req.body ?? {})
      return reply.type('application/pdf').header('content-disposition', 'attachment; filename="thong-bao-lay-y-kien.pdf"').send(pdf)
    },
  )
  app.post(
    '/:id/invitations/:householdId/revoke',
    {
      schema: {
        tags: ['invitations'],
        summary: "Revoke a household's link",
        params: z.object({ id: Id, householdId: Id }),
        response: { 200: RevokeResult, ...Err },
      },
    },
    async (req) => await s().invitations.revoke(req.actor, req.params.id, req.params.householdId),
  )
  app.post(
    '/:id/invitations/:householdId/reissue',
    {
      schema: {
        tags: ['invitations'],
        summary: 'Revoke and issue a new link for one household',
        params: z.object({ id: Id, householdId: Id }),
        body: ReissueBody,
        response: { 201: ReissueResult, ...Err },
      },
    },
    async (req, reply) => {
      const res = await s().invitations.reissue(req.actor, req.params.id, req.params.householdId, req.body.channel)
      // a printed link is shown once: with its QR code from the same library as the slips, to print on the spot
      const qrSvg = res.url ? await QRCode.toString(res.url, { type: 'svg', errorCorrectionLevel: 'M', margin: 1 }) : undefined
      return reply.code(201).send({ ...res, ...(qrSvg ? { qrSvg } : {}) })
    },
  )
  app.get(
    '/:id/households',
    {
      schema: {
        tags: ['invitations'],
        summary: "A village's households with link and participation status (never answers)",
        params: IdParams,
        querystring: RoundHouseholdQuery,
        response: { 200: RoundHouseholdPage, ...Err },
      },
    },
    async (req) => s().invitations.householdStatus(req.actor, req.params.id, req.query),
  )
  // the door-to-door list as a file for the collecting teams (CSV for any spreadsheet, XLSX for Excel)
  for (const kind of ['csv', 'xlsx'] as const) {
    app.get(
      `/:id/households/pending.${kind}`,
      {
        schema: {
          tags: ['invitations'],
          summary: `A village's households that have not taken part, as ${kind.toUpperCase()} with Vietnamese headers (contacts only for staff who may see them)`,
          params: IdParams,
          querystring: DoorListQuery,
          response: {
            200: z.any().describe(kind === 'csv' ? 'text/csv' : 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'),
            ...Err,
          },
        },
      },
      async (req, reply) => {
        const d = await s().invitations.doorList(req.actor, req.params.id, req.query.villageId)
        const list = { villageName: d.village.name, rows: d.rows, withContact: d.withContact }
        reply
          .header('content-disposition', `attachment; filename="chua-tham-gia-${asciiName(d.village.code)}.${kind}"`)
          .header('cache-control', 'no-store')
        if (kind === 'csv')
          return reply.type('text/csv; charset=utf-8').send(doorListCsv(list, req.query.delimiter === 'semicolon' ? ';' : ','))
        return reply.type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet').send(doorListXlsx(list))
      },
    )
  }
}
