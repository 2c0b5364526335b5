import { z } from 'zod'
import { Id, text } from './common.js'
import { QuestionKey } from './questionnaire.js'

export const FeedbackStatus = z.enum(['new', 'forwarded', 'resolved'])
export type FeedbackStatus = z.infer<typeof FeedbackStatus>
export const FEEDBACK_STATUSES = FeedbackStatus.options
export const FeedbackKind = z.enum(['reason', 'comment'])

export const FeedbackQuery = z.object({
  status: FeedbackStatus.optional(),
  /** A question key, or `comment` for the free "other opinions". */
  questionKey: z.union([QuestionKey, z.literal('comment')]).optional(),
  kind: FeedbackKind.optional(),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  limit: z.coerce.number().int().min(1).max(100).default(50),
})
export type FeedbackQuery = z.infer<typeof FeedbackQuery>

/** One reason or comment. No identity: no ballot id, no household, no timestamp (it would date the ballot). */
export const FeedbackItem = z.object({
  id: Id,
  kind: FeedbackKind,
  questionKey: z.string().nullable(),
  questionText: z.string().nullable(),
  criterionRef: z.string().nullable(),
  villageId: Id.nullable(),
  villageName: z.string().nullable(),
  text: z.string(),
  status: FeedbackStatus,
  assigneeAgency: z.string().nullable(),
  followUp: z.string().nullable(),
})
export type FeedbackItem = z.infer<typeof FeedbackItem>

export const UpdateFeedbackBody = z.object({
  status: FeedbackStatus,
  assigneeAgency: text().trim().min(1).max(300).optional(),
  followUp: text().trim().min(1).max(4000).optional(),
})
export type UpdateFeedbackBody = z.infer<typeof UpdateFeedbackBody>

const StatusCounts = z.object({ total: z.number().int(), new: z.number().int(), forwarded: z.number().int(), resolved: z.number().int() })

export const FeedbackSummary = z.object({
  roundId: Id,
  total: StatusCounts,
  byQuestion: z.array(StatusCounts.extend({ questionKey: z.string(), questionText: z.string(), criterionRef: z.string().nullable() })),
  byCriterion: z.array(StatusCounts.extend({ criterionRef: z.string() })),
  comments: StatusCounts,
})
export type FeedbackSummary = z.infer<typeof FeedbackSummary>
