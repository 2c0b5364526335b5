import { ApiError, FeedbackItem, FeedbackQuery, FeedbackSummary, IdParams, paged, UpdateFeedbackBody } from '@app/shared'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'

const tags = ['feedback']
const Err = { 400: ApiError, 403: ApiError, 404: ApiError, 409: ApiError }

/** Mounted under /api. */
export const feedbackRoutes: FastifyPluginAsyncZod = async (app) => {
  app.addHook('onRequest', app.authenticate)

  app.get(
    '/rounds/:id/feedback',
    {
      schema: {
        tags,
        summary: 'Dissatisfied reasons and comments of a round, per question/criterion, without identity (paginated)',
        params: IdParams,
        querystring: FeedbackQuery,
        response: { 200: paged(FeedbackItem), ...Err },
      },
    },
    async (req) => app.services.feedback.list(req.actor, req.params.id, req.query),
  )
  app.get(
    '/rounds/:id/feedback/summary',
    {
      schema: {
        tags,
        summary: 'Feedback counts per question, per criterion and per status',
        params: IdParams,
        response: { 200: FeedbackSummary, ...Err },
      },
    },
    async (req) => app.services.feedback.summary(req.actor, req.params.id),
  )
  app.patch(
    '/feedback/:id',
    {
      schema: {
        tags,
        summary: 'Move feedback new → forwarded (to an agency) → resolved (with a follow-up note)',
        params: IdParams,
        body: UpdateFeedbackBody,
        response: { 200: FeedbackItem, ...Err },
      },
    },
    async (req) => app.services.feedback.update(req.actor, req.params.id, req.body),
  )
}
