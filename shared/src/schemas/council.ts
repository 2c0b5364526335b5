import { z } from 'zod'
import { Id, IsoDate, IsoDateTime, text } from './common.js'
import { VerdictEnum } from './round.js'

export const CouncilDecisionKind = z.enum(['recognise', 'reject', 'return_for_resurvey'])
export type CouncilDecisionKind = z.infer<typeof CouncilDecisionKind>
export const COUNCIL_DECISIONS = CouncilDecisionKind.options

const Votes = z.number().int().min(0).max(1000)

const DecisionFields = z.object({
  votesFor: Votes,
  votesAgainst: Votes,
  votesAbstain: Votes,
  decision: CouncilDecisionKind,
  notes: text().trim().max(4000).optional(),
  decidedAt: IsoDate,
})
const someVote = (b: { votesFor: number; votesAgainst: number; votesAbstain: number }) => b.votesFor + b.votesAgainst + b.votesAbstain > 0

/** The first decision on a seal. `reason` is required (422) when the decision goes against the verdict of the rule set. */
export const CreateCouncilDecisionBody = DecisionFields.extend({ reason: text().trim().max(2000).optional() }).refine(someVote, {
  message: 'at least one vote',
  path: ['votesFor'],
})
export type CreateCouncilDecisionBody = z.infer<typeof CreateCouncilDecisionBody>

/** A new version of the current decision: always with the reason for amending it. */
export const AmendCouncilDecisionBody = DecisionFields.extend({ reason: text().trim().min(1).max(2000) }).refine(someVote, {
  message: 'at least one vote',
  path: ['votesFor'],
})
export type AmendCouncilDecisionBody = z.infer<typeof AmendCouncilDecisionBody>

export const CouncilDecisionParams = z.object({ id: Id, decisionId: Id })

/** current: in force for the seal now; superseded: amended by a later version; voided: the seal it was made on was undone. */
export const CouncilDecisionState = z.enum(['current', 'superseded', 'voided'])

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
  /** The recorder's user name (who), for the history. */
  recordedByName: z.string().nullable(),
  createdAt: z.string(),
  version: z.number().int(),
  supersedesId: Id.nullable(),
  reason: z.string().nullable(),
  verdict: VerdictEnum.nullable(),
  againstVerdict: z.boolean(),
  state: CouncilDecisionState,
  voidedAt: z.string().nullable(),
  voidReason: z.string().nullable(),
})
export type CouncilDecision = z.infer<typeof CouncilDecision>

/** One step of a sealed result's record, oldest first: seal, unseal, reopen, reseal, decision, amendment, void. */
export const RecordEventKind = z.enum(['seal', 'reseal', 'unseal', 'reopen', 'decision', 'amendment', 'void'])
export type RecordEventKind = z.infer<typeof RecordEventKind>
export const RecordEvent = z.object({
  kind: RecordEventKind,
  /** When it was done (ISO instant). */
  at: z.string(),
  reason: z.string().nullable(),
  /** seal / reseal / unseal: the sealed root concerned. */
  ledgerRootHash: z.string().nullable(),
  /** decision / amendment: what the council decided, its vote and meeting day. */
  decision: CouncilDecisionKind.nullable(),
  votes: z.object({ for: z.number().int(), against: z.number().int(), abstain: z.number().int() }).nullable(),
  decidedAt: z.string().nullable(),
  version: z.number().int().nullable(),
  againstVerdict: z.boolean().nullable(),
})
export type RecordEvent = z.infer<typeof RecordEvent>

export const CouncilDecisionList = z.object({
  /** Every version on every seal of the round, oldest first. */
  items: z.array(CouncilDecision),
  /** The version in force for the current seal, if any. */
  currentId: Id.nullable(),
  /** The commune verdict of the sealed tally now (null when not sealed). */
  verdict: VerdictEnum.nullable(),
  history: z.array(RecordEvent),
})
export type CouncilDecisionList = z.infer<typeof CouncilDecisionList>

/** A new round re-surveying a round the council returned: same commune, level and thresholds. */
export const ResurveyBody = z.object({
  opensAt: IsoDateTime,
  closesAt: IsoDateTime,
  title: text().trim().min(1).max(300).optional(),
  templateId: Id.optional(),
})
export type ResurveyBody = z.infer<typeof ResurveyBody>
