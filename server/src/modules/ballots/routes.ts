import { ApiError, Id, IdParams, InvalidateBallotBody, InvalidateBallotResult, LedgerVerifyResult } from '@app/shared'
import { BallotForm, Receipt, ReceiptCheck, SubmitBallotBody } from '@app/shared/schemas/ballot'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { forbidden } from '../../lib/app-error.js'

const tags = ['resident']
const Token = z.object({ token: z.string().min(1).max(200) })

/** The resident API: no login, the personal-link token is the credential. Rate-limited per IP. */
export const residentRoutes: FastifyPluginAsyncZod = async (app) => {
  // one budget per IP shared by every resident endpoint (not one per route)
  const rateLimit = { max: app.config.links.rateLimitPerMin, timeWindow: 60_000, groupId: 'resident' }

  app.get(
    '/ballots/:token',
    {
      config: { rateLimit },
      schema: {
        tags,
        security: [],
        summary: "The questionnaire behind a resident's personal link",
        params: Token,
        response: { 200: BallotForm, 404: ApiError, 409: ApiError, 410: ApiError, 429: ApiError },
      },
    },
    async (req) => app.services.ballots.form(req.params.token),
  )

  app.post(
    '/ballots/:token',
    {
      config: { rateLimit },
      bodyLimit: 64 * 1024,
      schema: {
        tags,
        security: [],
        summary: 'Submit the household ballot (once). Same clientId again → 200 with the same receipt.',
        params: Token,
        body: SubmitBallotBody,
        response: { 200: Receipt, 201: Receipt, 400: ApiError, 404: ApiError, 409: ApiError, 410: ApiError, 413: ApiError, 429: ApiError },
      },
    },
    async (req, reply) => {
      const res = await app.services.ballots.submit(req.params.token, req.body, { ip: req.ip, userAgent: req.headers['user-agent'] })
      return reply.code(res.replay ? 200 : 201).send({ receipt: res.receipt })
    },
  )

  app.get(
    '/receipts/:receipt',
    {
      config: { rateLimit },
      schema: {
        tags,
        security: [],
        summary: 'Check that a receipt is counted (reveals no answer)',
        params: z.object({ receipt: z.string().min(1).max(40) }),
        response: { 200: ReceiptCheck, 404: ApiError, 429: ApiError },
      },
    },
    async (req) => app.services.ballots.checkReceipt(req.params.receipt),
  )
}

const Err = { 400: ApiError, 403: ApiError, 404: ApiError, 409: ApiError, 422: ApiError }

/** Staff work on a round's counted ballots (invalidation, the ledger check), under /api/rounds/:id. */
export const ballotStaffRoutes: FastifyPluginAsyncZod = async (app) => {
  app.addHook('onRequest', app.authenticate)
  const s = () => app.services

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
      const round = await s().rounds.getVisible(req.actor, req.params.id)
      // While answers are still coming in, the chain is the Front's working check: the council appraises
      // the sealed result, collectors need none of it, and anything live about the ballot side stays with the
      // team running the round (TRUST §2.2).
      if ((round.status === 'draft' || round.status === 'open') && req.actor.role !== 'front_staff')
        throw forbidden('the ledger of a round still collecting answers is checked by its Front staff')
      const report = await s().verify.verifyRound(round.id)
      // While answers come in, the differences could say where ballots land (TRUST §2.2): yes or no only.
      if (round.status === 'open' || round.status === 'draft') return { ok: report.ok }
      return report
    },
  )
}

/**
 * A ballot answered with the help of the community digital technology team (tổ công nghệ số cộng đồng): the
 * resident's own link, sent from a signed-in staff or collector session on the team's device. The resident
 * route above cannot mark a ballot assisted.
 */
export const assistedBallotRoutes: FastifyPluginAsyncZod = async (app) => {
  app.addHook('onRequest', app.authenticate)
  app.post(
    '/ballots/:token/assisted',
    {
      bodyLimit: 64 * 1024,
      schema: {
        tags,
        summary: 'Submit a household ballot answered with the help of the community digital technology team (staff or collector session)',
        params: Token,
        body: SubmitBallotBody,
        response: { 200: Receipt, 201: Receipt, 400: ApiError, 401: ApiError, 403: ApiError, 404: ApiError, 409: ApiError, 410: ApiError },
      },
    },
    async (req, reply) => {
      const res = await app.services.ballots.submitAssisted(req.actor, req.params.token, req.body)
      return reply.code(res.replay ? 200 : 201).send({ receipt: res.receipt })
    },
  )
}
