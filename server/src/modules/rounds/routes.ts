import {
  ApiError,
  AssignCollectorBody,
  CloseRoundBody,
  CollectorAssignment,
  CreateInvitationsBody,
  CreateInvitationsResult,
  CreateRoundBody,
  DoorListQuery,
  EnterPaperBody,
  Id,
  IdParams,
  InvalidateBallotBody,
  InvalidateBallotResult,
  InvitationsPreview,
  items,
  LedgerVerifyResult,
  PaperBallotBody,
  PaperQueueItem,
  PaperResult,
  PaperSerial,
  ReissueBody,
  ReissueResult,
  ReopenRoundBody,
  RevokeResult,
  Round,
  RoundCollector,
  RoundHouseholdPage,
  RoundHouseholdQuery,
  RoundListQuery,
  SlipsBody,
  UpdateRoundBody,
} from '@app/shared'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import QRCode from 'qrcode'
import { z } from 'zod'
import { forbidden } from '../../lib/app-error.js'
import { doorListCsv, doorListXlsx } from '../invitations/door-list.js'

const tags = ['rounds']
const Err = { 400: ApiError, 403: ApiError, 404: ApiError, 409: ApiError, 422: ApiError }
/** A file name part from a unit code: ASCII letters, digits and dashes only. */
const asciiName = (code: string) => code.replace(/[^A-Za-z0-9_-]+/g, '-') || 'thon'

export const roundRoutes: FastifyPluginAsyncZod = async (app) => {
  app.addHook('onRequest', app.authenticate)
  const s = () => app.services

  app.get(
    '/',
    {
      schema: {
        tags,
        summary: 'Rounds in your scope',
        querystring: RoundListQuery,
        response: { 200: items(Round), 404: ApiError },
      },
    },
    async (req) => ({
      items: s().rounds.list(req.actor, req.query),
    }),
  )
  app.post(
    '/',
    { schema: { tags, summary: 'Create a draft round', body: CreateRoundBody, response: { 201: Round, ...Err } } },
    async (req, reply) => reply.code(201).send(s().rounds.create(req.actor, req.body)),
  )
  app.get('/:id', { schema: { tags, summary: 'One round', params: IdParams, response: { 200: Round, 404: ApiError } } }, async (req) =>
    s().rounds.get(req.actor, req.params.id),
  )
  app.patch(
    '/:id',
    { schema: { tags, summary: 'Edit a draft round', params: IdParams, body: UpdateRoundBody, response: { 200: Round, ...Err } } },
    async (req) => s().rounds.update(req.actor, req.params.id, req.body),
  )
  app.post(
    '/:id/open',
    {
      schema: {
        tags,
        summary: 'Open: snapshot the questionnaire and the household frame',
        params: IdParams,
        response: { 200: Round, ...Err },
      },
    },
    async (req) => s().rounds.open(req.actor, req.params.id),
  )
  app.post(
    '/:id/close',
    {
      schema: {
        tags,
        summary: 'Close the collection',
        params: IdParams,
        body: CloseRoundBody,
        response: { 200: Round, ...Err },
      },
    },
    async (req) => s().rounds.close(req.actor, req.params.id, req.body?.reason),
  )
  app.post(
    '/:id/reopen',
    {
      schema: {
        tags,
        summary: 'Reopen a closed round (province Front staff, with a reason)',
        params: IdParams,
        body: ReopenRoundBody,
        response: { 200: Round, ...Err },
      },
    },
    async (req) => s().rounds.reopen(req.actor, req.params.id, req.body),
  )
  app.put(
    '/:id/collectors/:userId',
    {
      schema: {
        tags,
        summary: "Assign a collector to villages of the round (replaces the collector's villages)",
        params: z.object({ id: Id, userId: Id }),
        body: AssignCollectorBody,
        response: { 200: CollectorAssignment, ...Err },
      },
    },
    async (req) => s().rounds.assignCollector(req.actor, req.params.id, { userId: req.params.userId, villageIds: req.body.villageIds }),
  )

  app.get(
    '/:id/collectors',
    {
      schema: {
        tags,
        summary: "The round's collectors and their villages (a collector sees their own)",
        params: IdParams,
        response: { 200: items(RoundCollector), ...Err },
      },
    },
    async (req) => ({ items: s().rounds.collectors(req.actor, req.params.id) }),
  )

  // invitations
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
    async (req, reply) => reply.code(201).send(s().invitations.issue(req.actor, req.params.id, req.body)),
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
    '/:id/invitations/:householdId/revoke',
    {
      schema: {
        tags: ['invitations'],
        summary: "Revoke a household's link",
        params: z.object({ id: Id, householdId: Id }),
        response: { 200: RevokeResult, ...Err },
      },
    },
    async (req) => s().invitations.revoke(req.actor, req.params.id, req.params.householdId),
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
      const res = s().invitations.reissue(req.actor, req.params.id, req.params.householdId, req.body.channel)
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
        const d = s().invitations.doorList(req.actor, req.params.id, req.query.villageId)
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

  // paper and meeting ballots
  app.post(
    '/:id/paper-ballots',
    {
      schema: {
        tags: ['ballots'],
        summary: 'Enter a paper or meeting ballot (201 counted; 202 waiting for the second entry)',
        params: IdParams,
        body: EnterPaperBody,
        response: { 201: PaperResult, 202: PaperResult, ...Err },
      },
    },
    async (req, reply) => {
      const res = s().ballots.enterPaper(req.actor, req.params.id, req.body)
      return reply.code(res.status === 'counted' ? 201 : 202).send(res)
    },
  )
  app.get(
    '/:id/paper-entries',
    {
      schema: {
        tags: ['ballots'],
        summary: 'Double-entry reconciliation queue',
        params: IdParams,
        response: { 200: items(PaperQueueItem), ...Err },
      },
    },
    async (req) => ({ items: s().ballots.paperQueue(req.actor, req.params.id) }),
  )
  app.post(
    '/:id/paper-entries/:serial/resolve',
    {
      schema: {
        tags: ['ballots'],
        summary: 'Resolve a mismatched paper form by keying it once more',
        params: z.object({ id: Id, serial: PaperSerial }),
        body: PaperBallotBody,
        response: { 201: PaperResult, ...Err },
      },
    },
    async (req, reply) => reply.code(201).send(s().ballots.resolvePaper(req.actor, req.params.id, req.params.serial, req.body)),
  )
  app.post(
    '/:id/ballots/:ballotId/invalidate',
    {
      schema: {
        tags: ['ballots'],
        summary: 'Invalidate a ballot (Front staff above the commune, or admin; with a reason code)',
        params: z.object({ id: Id, ballotId: Id }),
        body: InvalidateBallotBody,
        response: { 200: InvalidateBallotResult, ...Err },
      },
    },
    async (req) => s().ballots.invalidate(req.actor, req.params.id, req.params.ballotId, req.body),
  )
  app.get(
    '/:id/ledger/verify',
    {
      schema: {
        tags: ['ballots'],
        summary:
          'Verify the round: ballots vs ledger, chain vs sealed root, receipts, sealed tally vs recount, counters, participations, audit chain (while open: its Front staff only, ok / not ok)',
        params: IdParams,
        response: { 200: LedgerVerifyResult, 403: ApiError, 404: ApiError },
      },
    },
    async (req) => {
      const round = s().rounds.getVisible(req.actor, req.params.id)
      // While answers are still coming in, the chain is the Front's working check: the council appraises
      // the sealed result, collectors need none of it, and anything live about the ballot side stays with the
      // team running the round (TRUST §2.2).
      if ((round.status === 'draft' || round.status === 'open') && req.actor.role !== 'front_staff')
        throw forbidden('the ledger of a round still collecting answers is checked by its Front staff')
      const report = s().verify.verifyRound(round.id)
      // While answers come in, the differences could say where ballots land (TRUST §2.2): yes or no only.
      if (round.status === 'open' || round.status === 'draft') return { ok: report.ok }
      return report
    },
  )
}
