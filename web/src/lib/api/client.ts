/**
 * The staff app's only I/O: typed functions over the staff API (shared/DESIGN.md §5), parsed with the
 * shared zod schemas. Failures throw an `ApiError(code, message)` built from the one error envelope.
 * Components never call `fetch`; they call these functions through a state class.
 */
import {
  type AmendCouncilDecisionBody,
  type ChangePasswordBody,
  CollectorAssignment,
  CommuneTrend,
  CouncilDecision,
  CouncilDecisionList,
  type CreateCouncilDecisionBody,
  type CreateHouseholdBody,
  type CreateInvitationsBody,
  CreateInvitationsResult,
  type CreateRoundBody,
  type CreateRuleSetBody,
  type CreateTemplateBody,
  type CreateUserBody,
  CriteriaSet,
  CriteriaTrend,
  DemoInboxLink,
  FeedbackItem,
  type FeedbackQuery,
  FeedbackSummary,
  FollowUpCandidates,
  Household,
  HouseholdRequest,
  ImportResult,
  IntegrityReport,
  type InvitationChannel,
  InvitationsPreview,
  items,
  LevelDefaults,
  LinkChannelSetting,
  type LoginBody,
  LoginResponse,
  MinutesMeta,
  type OverviewQuery,
  type PaperBallotBody,
  PaperQueueItem,
  PaperResult,
  paged,
  QuestionnaireTemplate,
  ReissueResult,
  type ReopenRoundBody,
  type ResetPasswordBody,
  ResetPasswordResult,
  type ResolveHouseholdRequestBody,
  ResolveHouseholdRequestResult,
  RetryResult,
  RevokeResult,
  type Role,
  Round,
  RoundCollector,
  RoundCoverage,
  RoundHousehold,
  RoundMessaging,
  type RoundStatus,
  RuleSet,
  type SetLinkChannelBody,
  ShownRoundTally,
  type SlipsBody,
  type SubmitBallotBody,
  Unit,
  type UnitKind,
  UnitOverview,
  type UpdateFeedbackBody,
  type UpdateHouseholdBody,
  type UpdateRoundBody,
  type UpdateUserBody,
  User,
  ZaloTemplateLimits,
  ZaloTokenStatus,
} from '@app/shared'
import { z } from 'zod'
import { ApiError, toApiError } from './errors.js'

/** The resident form as the staff app reads it for an assisted answer (full zod; the resident page uses zod/mini). */
const AssistedForm = z.object({
  round: z.object({ id: z.string(), title: z.string(), commune: z.string(), closesAt: z.string(), village: z.string().optional() }),
  questions: z.array(
    z.object({
      key: z.string(),
      text: z.string(),
      isOverall: z.boolean(),
      answerType: z.enum(['satisfaction', 'yes_no']).optional(),
      favourable: z.enum(['yes', 'no']).optional(),
    }),
  ),
})
export type AssistedForm = z.infer<typeof AssistedForm>

export { ApiError }

type Query = Record<string, string | number | undefined>

function qs(q: Query = {}): string {
  const p = new URLSearchParams()
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== '') p.set(k, String(v))
  const s = p.toString()
  return s ? `?${s}` : ''
}

export interface RequestOptions {
  method?: string
  body?: unknown
  /** A raw body (file upload) with its content type. */
  raw?: { data: Blob; type: string }
}

/** The API client. One instance (`api`) per page; the session sets the token. */
export class ApiClient {
  token: string | null = null
  /** Called when the server answers 401 on an authenticated call (expired token). */
  onUnauthorized: (() => void) | null = null

  constructor(private readonly base = '') {}

  private async send(path: string, opts: RequestOptions = {}): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json' }
    if (this.token) headers.authorization = `Bearer ${this.token}`
    let body: BodyInit | undefined
    if (opts.raw) {
      headers['content-type'] = opts.raw.type
      body = opts.raw.data
    } else if (opts.body !== undefined) {
      headers['content-type'] = 'application/json'
      body = JSON.stringify(opts.body)
    }
    let res: Response
    try {
      res = await fetch(`${this.base}${path}`, { method: opts.method ?? (body ? 'POST' : 'GET'), headers, body })
    } catch {
      throw new ApiError('network', 'network error')
    }
    if (!res.ok) {
      const data = await res.json().catch(() => null)
      const err = toApiError(res.status, data)
      if (res.status === 401 && this.token) this.onUnauthorized?.()
      throw err
    }
    return res
  }

  /** JSON call parsed with a schema: the wire shape is checked, not assumed. */
  async json<T extends z.ZodType>(schema: T, path: string, opts?: RequestOptions): Promise<z.infer<T>> {
    const res = await this.send(path, opts)
    const data = await res.json().catch(() => null)
    const parsed = schema.safeParse(data)
    if (!parsed.success) throw new ApiError('bad_response', `unexpected response from ${path}`, res.status)
    return parsed.data
  }

  /** A file (PDF, XLSX, CSV) with its suggested name from content-disposition. */
  async file(path: string, opts?: RequestOptions): Promise<{ blob: Blob; filename: string | null }> {
    const res = await this.send(path, opts)
    const cd = res.headers.get('content-disposition') ?? ''
    const m = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(cd)
    return { blob: await res.blob(), filename: m?.[1] ? decodeURIComponent(m[1]) : null }
  }

  // auth
  login = (body: LoginBody) => this.json(LoginResponse, '/api/auth/login', { body })
  changePassword = (body: ChangePasswordBody) => this.json(LoginResponse, '/api/auth/password', { body })
  me = () => this.json(User, '/api/auth/me')
  /** Ends the token on the server too (a copied token stops working), not just in this tab. */
  logout = async (): Promise<void> => {
    await this.send('/api/auth/logout', { method: 'POST' })
  }

  // units and households
  units = async (q: { parentId?: string; kind?: UnitKind; q?: string } = {}) => (await this.json(items(Unit), `/api/units${qs(q)}`)).items
  unit = (id: string) => this.json(Unit, `/api/units/${encodeURIComponent(id)}`)
  /** The link channel setting of the unit's province (with its legal basis). */
  linkChannel = (unitId: string) => this.json(LinkChannelSetting, `/api/units/${encodeURIComponent(unitId)}/link-channel`)
  setLinkChannel = (provinceId: string, body: SetLinkChannelBody) =>
    this.json(LinkChannelSetting, `/api/units/${encodeURIComponent(provinceId)}/link-channel`, { method: 'PUT', body })
  /** The questionnaire behind a resident's link (the same the resident's page shows). */
  ballotForm = (token: string) => this.json(AssistedForm, `/api/ballots/${encodeURIComponent(token)}`)
  /** A ballot answered with the help of the community digital technology team, on the resident's own link. */
  submitAssisted = (token: string, body: SubmitBallotBody) =>
    this.json(z.object({ receipt: z.string() }), `/api/ballots/${encodeURIComponent(token)}/assisted`, { method: 'POST', body })
  /** `reason`: adding households to a village whose round is open (province Front staff; printed in the minutes). */
  importHouseholds = (communeId: string, file: Blob, type: string, reason?: string) =>
    this.json(ImportResult, `/api/units/${encodeURIComponent(communeId)}/households/import${qs({ reason })}`, {
      method: 'POST',
      raw: { data: file, type },
    })
  /** One household by hand; `reason` when its village's round is open (province Front staff; in the minutes). */
  createHousehold = (villageId: string, body: CreateHouseholdBody) =>
    this.json(Household, `/api/units/${encodeURIComponent(villageId)}/households`, { body })
  /** Edit one household (name, phone, address) or stop / resume surveying it (`active`). */
  updateHousehold = (villageId: string, id: string, body: UpdateHouseholdBody) =>
    this.json(Household, `/api/units/${encodeURIComponent(villageId)}/households/${encodeURIComponent(id)}`, { method: 'PATCH', body })
  households = (villageId: string, q: { page?: number; limit?: number; q?: string } = {}) =>
    this.json(paged(Household), `/api/units/${encodeURIComponent(villageId)}/households${qs(q)}`)

  // questionnaires
  templates = async () => (await this.json(items(QuestionnaireTemplate), '/api/questionnaire-templates')).items
  createTemplate = (body: CreateTemplateBody) => this.json(QuestionnaireTemplate, '/api/questionnaire-templates', { body })
  criteriaSets = async () => (await this.json(items(CriteriaSet), '/api/criteria-sets')).items
  ruleSets = async () => (await this.json(items(RuleSet), '/api/rule-sets')).items
  createRuleSet = (body: CreateRuleSetBody) => this.json(RuleSet, '/api/rule-sets', { body })

  // rounds
  rounds = async (q: { communeId?: string; status?: RoundStatus } = {}) => (await this.json(items(Round), `/api/rounds${qs(q)}`)).items
  round = (id: string) => this.json(Round, `/api/rounds/${encodeURIComponent(id)}`)
  createRound = (body: CreateRoundBody) => this.json(Round, '/api/rounds', { body })
  updateRound = (id: string, body: UpdateRoundBody) => this.json(Round, `/api/rounds/${encodeURIComponent(id)}`, { method: 'PATCH', body })
  openRound = (id: string) => this.json(Round, `/api/rounds/${encodeURIComponent(id)}/open`, { method: 'POST' })
  closeRound = (id: string, reason?: string) =>
    this.json(Round, `/api/rounds/${encodeURIComponent(id)}/close`, { method: 'POST', body: reason ? { reason } : {} })
  minutesMeta = (id: string) => this.json(MinutesMeta.nullable(), `/api/rounds/${encodeURIComponent(id)}/minutes-meta`)
  setMinutesMeta = (id: string, body: MinutesMeta) =>
    this.json(MinutesMeta, `/api/rounds/${encodeURIComponent(id)}/minutes-meta`, { method: 'PUT', body })
  sealRound = (id: string) => this.json(Round, `/api/rounds/${encodeURIComponent(id)}/seal`, { method: 'POST' })
  reopenRound = (id: string, body: ReopenRoundBody) =>
    this.json(Round, `/api/rounds/${encodeURIComponent(id)}/reopen`, { method: 'POST', body })
  /** Results of a closed round; the first read is recorded as the disclosure (409 results_not_disclosed while open). */
  tally = (id: string) => this.json(ShownRoundTally, `/api/rounds/${encodeURIComponent(id)}/tally`)
  /** Who has taken part, per village and channel: live in every status, no answer. */
  coverage = (id: string) => this.json(RoundCoverage, `/api/rounds/${encodeURIComponent(id)}/coverage`)
  roundFile = (id: string, name: string) => this.file(`/api/rounds/${encodeURIComponent(id)}/${name}`)

  // invitations
  issueInvitations = (id: string, body: z.infer<typeof CreateInvitationsBody>) =>
    this.json(CreateInvitationsResult, `/api/rounds/${encodeURIComponent(id)}/invitations`, { body })
  /** What issuing would do, before the officer confirms; writes nothing. */
  previewInvitations = (id: string, body: z.infer<typeof CreateInvitationsBody>) =>
    this.json(InvitationsPreview, `/api/rounds/${encodeURIComponent(id)}/invitations/preview`, { body })
  slipsPdf = (id: string, body: NonNullable<z.infer<typeof SlipsBody>> = {}) =>
    this.file(`/api/rounds/${encodeURIComponent(id)}/invitations/slips.pdf`, { method: 'POST', body })
  /** The village notices (how to answer, the "Hộ tôi chưa được hỏi ý kiến" QR code) of a draft or open round. */
  noticesPdf = (id: string, body: { villageIds?: string[] } = {}) =>
    this.file(`/api/rounds/${encodeURIComponent(id)}/invitations/notices.pdf`, { method: 'POST', body })
  revokeInvitation = (id: string, householdId: string) =>
    this.json(RevokeResult, `/api/rounds/${encodeURIComponent(id)}/invitations/${encodeURIComponent(householdId)}/revoke`, {
      method: 'POST',
    })
  reissueInvitation = (id: string, householdId: string, channel: z.infer<typeof InvitationChannel>) =>
    this.json(ReissueResult, `/api/rounds/${encodeURIComponent(id)}/invitations/${encodeURIComponent(householdId)}/reissue`, {
      body: { channel },
    })
  /** A village's households in the round's frame; `q` matches code or head name without diacritics; limit ≤ 100. */
  roundHouseholds = (id: string, q: { villageId: string; status?: 'pending' | 'done'; q?: string; page?: number; limit?: number }) =>
    this.json(paged(RoundHousehold), `/api/rounds/${encodeURIComponent(id)}/households${qs(q)}`)

  // recognition levels and their default rules (configuration)
  levels = async () => (await this.json(items(LevelDefaults), '/api/levels')).items

  // collectors of a round
  roundCollectors = async (id: string) => (await this.json(items(RoundCollector), `/api/rounds/${encodeURIComponent(id)}/collectors`)).items
  assignCollector = (id: string, userId: string, villageIds: string[]) =>
    this.json(CollectorAssignment, `/api/rounds/${encodeURIComponent(id)}/collectors/${encodeURIComponent(userId)}`, {
      method: 'PUT',
      body: { villageIds },
    })

  // province overview and trends
  overview = (unitId: string, q: Partial<OverviewQuery> = {}) =>
    this.json(UnitOverview, `/api/units/${encodeURIComponent(unitId)}/overview${qs(q)}`)
  communeTrend = (communeId: string) => this.json(CommuneTrend, `/api/units/${encodeURIComponent(communeId)}/trend`)
  criteriaTrend = (communeId: string) => this.json(CriteriaTrend, `/api/units/${encodeURIComponent(communeId)}/criteria-trend`)

  // integrity signals (prompts to look, not verdicts)
  integrity = (id: string) => this.json(IntegrityReport, `/api/rounds/${encodeURIComponent(id)}/integrity`)

  // "Hộ tôi chưa được hỏi ý kiến" requests
  householdRequests = async (id: string) =>
    (await this.json(items(HouseholdRequest), `/api/rounds/${encodeURIComponent(id)}/requests`)).items
  resolveRequest = (id: string, requestId: string, body: ResolveHouseholdRequestBody) =>
    this.json(ResolveHouseholdRequestResult, `/api/rounds/${encodeURIComponent(id)}/requests/${encodeURIComponent(requestId)}/resolve`, {
      body,
    })

  // re-survey follow-up
  followUpCandidates = (id: string) => this.json(FollowUpCandidates, `/api/rounds/${encodeURIComponent(id)}/follow-up-candidates`)

  // the Zalo OA connection (token keeper)
  zaloToken = () => this.json(ZaloTokenStatus, '/api/zalo/token')
  /** The Zalo template's round-title limit (null while Zalo is not connected). */
  zaloTemplateLimits = () => this.json(ZaloTemplateLimits, '/api/zalo/template-limits')
  /** Fake mode, admins: a one-time link to the fake Zalo inbox (a few minutes, once). */
  demoInboxLink = () => this.json(DemoInboxLink, '/api/zalo/demo-inbox-link', { method: 'POST' })

  // Zalo/SMS messaging of a round
  messaging = (id: string) => this.json(RoundMessaging, `/api/rounds/${encodeURIComponent(id)}/messaging`)
  retryMessaging = (id: string) => this.json(RetryResult, `/api/rounds/${encodeURIComponent(id)}/messaging/retry`, { method: 'POST' })

  // paper ballots
  enterPaper = (id: string, body: PaperBallotBody & { serial?: string }) =>
    this.json(PaperResult, `/api/rounds/${encodeURIComponent(id)}/paper-ballots`, { body })
  paperEntries = async (id: string) => (await this.json(items(PaperQueueItem), `/api/rounds/${encodeURIComponent(id)}/paper-entries`)).items
  resolvePaper = (id: string, serial: string, body: PaperBallotBody) =>
    this.json(PaperResult, `/api/rounds/${encodeURIComponent(id)}/paper-entries/${encodeURIComponent(serial)}/resolve`, { body })

  // council
  /** Every version of the council's decisions, the one in force, the verdict and the record of the result. */
  decisions = (id: string) => this.json(CouncilDecisionList, `/api/rounds/${encodeURIComponent(id)}/council-decisions`)
  recordDecision = (id: string, body: CreateCouncilDecisionBody) =>
    this.json(CouncilDecision, `/api/rounds/${encodeURIComponent(id)}/council-decisions`, { body })
  amendDecision = (id: string, decisionId: string, body: AmendCouncilDecisionBody) =>
    this.json(CouncilDecision, `/api/rounds/${encodeURIComponent(id)}/council-decisions/${encodeURIComponent(decisionId)}/amendments`, {
      body,
    })

  // feedback (dissatisfied reasons and comments, no identity)
  feedback = (id: string, q: Partial<FeedbackQuery> = {}) =>
    this.json(paged(FeedbackItem), `/api/rounds/${encodeURIComponent(id)}/feedback${qs(q)}`)
  feedbackSummary = (id: string) => this.json(FeedbackSummary, `/api/rounds/${encodeURIComponent(id)}/feedback/summary`)
  updateFeedback = (id: string, body: UpdateFeedbackBody) =>
    this.json(FeedbackItem, `/api/feedback/${encodeURIComponent(id)}`, { method: 'PATCH', body })

  // admin
  users = async (q: { role?: Role } = {}) => (await this.json(items(User), `/api/users${qs(q)}`)).items
  createUser = (body: CreateUserBody) => this.json(User, '/api/users', { body })
  updateUser = (id: string, body: UpdateUserBody) => this.json(User, `/api/users/${encodeURIComponent(id)}`, { method: 'PATCH', body })
  resetPassword = (id: string, body: ResetPasswordBody) =>
    this.json(ResetPasswordResult, `/api/users/${encodeURIComponent(id)}/password`, { body })
}

export const api = new ApiClient()
