import { z } from 'zod'
import { Id, IsoDate, IsoDateTime, text } from './common.js'

export const CouncilDecisionKind = z.enum(['recognise', 'reject', 'return_for_resurvey'])
export type CouncilDecisionKind = z.infer<typeof CouncilDecisionKind>
export const COUNCIL_DECISIONS = CouncilDecisionKind.options

const Votes = z.number().int().min(0).max(1000)

export const CreateCouncilDecisionBody = z
  .object({
    votesFor: Votes,
    votesAgainst: Votes,
    votesAbstain: Votes,
    decision: CouncilDecisionKind,
    notes: text().trim().max(4000).optional(),
    decidedAt: IsoDate,
  })
  .refine((b) => b.votesFor + b.votesAgainst + b.votesAbstain > 0, { message: 'at least one vote', path: ['votesFor'] })
export type CreateCouncilDecisionBody = z.infer<typeof CreateCouncilDecisionBody>

export const CouncilDecision = z.object({
  id: Id,
  roundId: Id,
  votesFor: z.number().int(),
  votesAgainst: z.number().int(),
  votesAbstain: z.number().int(),
  decision: CouncilDecisionKind,
  notes: z.string().nullable(),
  decidedAt: z.string(),
  recordedBy: Id,
  createdAt: z.string(),
})
export type CouncilDecision = z.infer<typeof CouncilDecision>

/** A new round re-surveying a round the council returned: same commune, level and thresholds. */
export const ResurveyBody = z.object({
  opensAt: IsoDateTime,
  closesAt: IsoDateTime,
  title: text().trim().min(1).max(300).optional(),
  templateId: Id.optional(),
})
export type ResurveyBody = z.infer<typeof ResurveyBody>
