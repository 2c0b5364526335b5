import { ApiError } from '@app/shared'
import { BallotForm, Receipt, ReceiptCheck, SubmitBallotBody } from '@app/shared/schemas/ballot'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'

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
