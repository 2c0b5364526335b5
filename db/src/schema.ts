/**
 * The whole data model (shared/DESIGN.md §3). SQL names are snake_case plurals; TS names camelCase.
 * Anonymity: `participations` says who took part, `ballots` says what was answered, and no column
 * links the two.
 */
import {
  BallotChannel,
  CouncilDecisionKind,
  CoverageScope,
  FeedbackKind,
  FeedbackStatus,
  HouseholdRequestStatus,
  InvitationChannel,
  InvitationStatus,
  LedgerEntryKind,
  OutboxChannel,
  OutboxKind,
  OutboxStatus,
  PaperChannel,
  PaperEntryStatus,
  Role,
  RoundPurpose,
  RoundStatus,
  UnitKind,
  UnknownOutcomePolicy,
  ZaloTokenState,
} from '@app/shared'
import { sql } from 'drizzle-orm'
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'
import { newId } from './ids.js'

const id = () =>
  text('id')
    .primaryKey()
    .$defaultFn(() => newId())
const createdAt = () => text('created_at').notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`)
const updatedAt = () =>
  text('updated_at')
    .notNull()
    .default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`)
    .$onUpdate(() => new Date().toISOString())
/** A column's allowed values are the wire enum's (shared/src), never restated here. */
const values = <T extends string>(e: { options: T[] }) => e.options as [T, ...T[]]
const bool = (name: string) => integer(name, { mode: 'boolean' })

export const units = sqliteTable(
  'units',
  {
    id: id(),
    kind: text('kind', { enum: values(UnitKind) }).notNull(),
    name: text('name').notNull(),
    code: text('code').notNull(),
    parentId: text('parent_id').references((): any => units.id),
    validFrom: text('valid_from'),
    validTo: text('valid_to'),
    successorId: text('successor_id').references((): any => units.id),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('units_parent_code_uq').on(t.parentId, t.code),
    // (parent, kind): children(communeId, 'village') was planned on units_kind_idx, i.e. a scan of every
    // village in the database per call (the tally and the province overview); this also serves parent_id alone
    index('units_parent_kind_idx').on(t.parentId, t.kind),
    index('units_kind_idx').on(t.kind),
  ],
)

export const households = sqliteTable(
  'households',
  {
    id: id(),
    villageId: text('village_id')
      .notNull()
      .references(() => units.id),
    code: text('code').notNull(),
    headName: text('head_name').notNull(),
    phone: text('phone'),
    address: text('address'),
    active: bool('active').notNull().default(true),
    source: text('source').notNull().default('import'),
    asOf: text('as_of').notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('households_village_code_uq').on(t.villageId, t.code)],
)

export const users = sqliteTable('users', {
  id: id(),
  username: text('username').notNull().unique(),
  passwordHash: text('password_hash').notNull(),
  role: text('role', { enum: values(Role) }).notNull(),
  unitId: text('unit_id')
    .notNull()
    .references(() => units.id),
  disabled: bool('disabled').notNull().default(false),
  /** In every staff token; bumped on password change, disable/enable, role or unit change and logout, so older tokens stop working. */
  tokenVersion: integer('token_version').notNull().default(0),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
})

/**
 * Login throttle: one counter per key ("u:" username + IP, "ip:" IP) and fixed window. A login bumps its
 * counters in one upsert before the password is checked, so parallel guesses cannot all slip under the limit.
 */
export const loginThrottle = sqliteTable('login_throttle', {
  key: text('key').primaryKey(),
  windowStart: text('window_start').notNull(),
  count: integer('count').notNull(),
})

export const criteriaSets = sqliteTable(
  'criteria_sets',
  {
    id: id(),
    code: text('code').notNull(),
    version: integer('version').notNull().default(1),
    name: text('name').notNull(),
    legalBasis: text('legal_basis').notNull(),
    /** JSON array of { ref, name, group }. */
    criteria: text('criteria', { mode: 'json' }).notNull().$type<{ ref: string; name: string; group: string | null }[]>(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('criteria_sets_code_version_uq').on(t.code, t.version)],
)

export const questionnaireTemplates = sqliteTable(
  'questionnaire_templates',
  {
    id: id(),
    code: text('code').notNull(),
    version: integer('version').notNull().default(1),
    name: text('name').notNull(),
    criteriaSetId: text('criteria_set_id').references(() => criteriaSets.id),
    /** Province the template belongs to (null: national). */
    provinceId: text('province_id').references(() => units.id),
    /** Levels this template is meant for (JSON array); empty: any. */
    levels: text('levels', { mode: 'json' }).notNull().$type<string[]>().default(sql`'[]'`),
    /** JSON array of { key, text, criterionRef, isOverall }. */
    questions: text('questions', { mode: 'json' }).notNull().$type<TemplateQuestion[]>(),
    /** The legal text the form comes from ({ text, number, date, effectiveFrom, effectiveTo }), null for older rows. */
    legalBasis: text('legal_basis', { mode: 'json' }).$type<LegalBasisJson | null>(),
    /** The period the form is made for (YYYY-MM-DD, inclusive); null: open-ended. */
    periodFrom: text('period_from'),
    periodTo: text('period_to'),
    /** Translations of the template's texts per language: { "km": { "name": …, "questions": { key: text } } }. */
    translations: text('translations', { mode: 'json' })
      .notNull()
      .$type<Record<string, { name?: string; questions: Record<string, string> }>>()
      .default(sql`'{}'`),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('questionnaire_templates_code_version_uq').on(t.code, t.version)],
)

interface TemplateQuestion {
  key: string
  text: string
  criterionRef?: string | null
  isOverall: boolean
  answerType?: 'satisfaction' | 'yes_no'
  favourable?: 'yes' | 'no'
}

interface LegalBasisJson {
  text: string
  number: string
  date: string
  effectiveFrom: string
  effectiveTo: string | null
}

/**
 * Versioned rule sets (shared/src/domain/rules.ts): the bars a result must clear and the legal text
 * they come from. A change is a new version; a round keeps the snapshot it was created with.
 */
export const ruleSets = sqliteTable(
  'rule_sets',
  {
    id: id(),
    code: text('code').notNull(),
    version: integer('version').notNull().default(1),
    name: text('name').notNull(),
    legalBasis: text('legal_basis', { mode: 'json' }).notNull().$type<LegalBasisJson>(),
    levels: text('levels', { mode: 'json' }).notNull().$type<string[]>(),
    /** JSON array of bars ({ kind, minBp, scope? }). */
    bars: text('bars', { mode: 'json' }).notNull().$type<Record<string, unknown>[]>(),
    /** A number not found in a published source: "theo hướng dẫn của tỉnh — cần xác nhận". */
    provisional: bool('provisional').notNull().default(false),
    note: text('note'),
    /** Province that set it (null: shipped national default). */
    provinceId: text('province_id').references(() => units.id),
    createdBy: text('created_by').references(() => users.id),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('rule_sets_code_version_uq').on(t.code, t.version)],
)

export const rounds = sqliteTable(
  'rounds',
  {
    id: id(),
    communeId: text('commune_id')
      .notNull()
      .references(() => units.id),
    level: text('level').notNull(),
    legalBasis: text('legal_basis'),
    title: text('title').notNull(),
    templateId: text('template_id')
      .notNull()
      .references(() => questionnaireTemplates.id),
    /** Copied at open; never changes after. */
    questionnaireSnapshot: text('questionnaire_snapshot', { mode: 'json' }),
    /** Household frame counts per village, copied at open: JSON { villageId: count }. */
    frameSnapshot: text('frame_snapshot', { mode: 'json' }),
    /** The rule set as it was when the round was created (null: the legacy two bars below). */
    ruleSetSnapshot: text('rule_set_snapshot', { mode: 'json' }),
    thresholdBp: integer('threshold_bp').notNull(),
    coverageBp: integer('coverage_bp').notNull(),
    coverageScope: text('coverage_scope', { enum: values(CoverageScope) })
      .notNull()
      .default('village'),
    doubleEntry: bool('double_entry').notNull().default(false),
    /** Run under the rules of an earlier legal period (a 2021–2025 dossier finished later): printed in the minutes' căn cứ. */
    historical: bool('historical').notNull().default(false),
    /** The province's document allowing the link channel, as it stood when the round first sent links (printed in the minutes). */
    linkLegalBasis: text('link_legal_basis'),
    opensAt: text('opens_at').notNull(),
    closesAt: text('closes_at').notNull(),
    status: text('status', { enum: values(RoundStatus) })
      .notNull()
      .default('draft'),
    createdBy: text('created_by').references(() => users.id),
    /** `recognition` (the legal survey) or `follow_up` (targeted re-survey after remediation; no legal verdict). */
    purpose: text('purpose', { enum: values(RoundPurpose) })
      .notNull()
      .default('recognition'),
    /** Villages the round covers (JSON array); null = every village of the commune. */
    villageIds: text('village_ids', { mode: 'json' }).$type<string[] | null>(),
    /** The round this one re-surveys (council returned the earlier one). */
    previousRoundId: text('previous_round_id').references((): any => rounds.id),
    openedAt: text('opened_at'),
    closedAt: text('closed_at'),
    sealedAt: text('sealed_at'),
    /**
     * When a result of the round (figures, reasons, comments, answer-based signals) was first served: from then on
     * it is not reopened for answers, since two disclosures would name the households that answered in between.
     */
    disclosedAt: text('disclosed_at'),
    /** Messaging policy (ZALO.md §8); null = the configured default (ZALO_REMINDER_MAX, ZALO_REMINDER_GAP_HOURS, ZALO_UNKNOWN_OUTCOME). */
    reminderMax: integer('reminder_max'),
    reminderGapHours: integer('reminder_gap_hours'),
    unknownOutcomePolicy: text('unknown_outcome_policy', { enum: values(UnknownOutcomePolicy) }),
    /** Set when a `config`-class Zalo error stopped this round's dispatcher (ZALO.md §8.2); cleared by a staff retry. */
    messagingHaltedAt: text('messaging_halted_at'),
    messagingHaltCode: text('messaging_halt_code'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('rounds_commune_idx').on(t.communeId, t.status)],
)

/**
 * Per-province settings. The link channel (personal links by QR, Zalo, SMS) is used only where the province
 * allowed it, and the minutes print the province's document that did (its number and date).
 */
export const provinceSettings = sqliteTable('province_settings', {
  provinceId: text('province_id')
    .primaryKey()
    .references(() => units.id),
  linkEnabled: bool('link_enabled').notNull().default(false),
  linkLegalBasis: text('link_legal_basis'),
  updatedBy: text('updated_by').references(() => users.id),
  updatedAt: updatedAt(),
})

export const invitations = sqliteTable(
  'invitations',
  {
    id: id(),
    roundId: text('round_id')
      .notNull()
      .references(() => rounds.id),
    householdId: text('household_id')
      .notNull()
      .references(() => households.id),
    villageId: text('village_id')
      .notNull()
      .references(() => units.id),
    tokenHash: text('token_hash').notNull().unique(),
    channel: text('channel', { enum: values(InvitationChannel) }).notNull(),
    status: text('status', { enum: values(InvitationStatus) })
      .notNull()
      .default('issued'),
    sentAt: text('sent_at'),
    deliveredAt: text('delivered_at'),
    reminderCount: integer('reminder_count').notNull().default(0),
    revoked: bool('revoked').notNull().default(false),
    revokedAt: text('revoked_at'),
    /** First time the link was opened (paradata: seconds from first open to submit). */
    firstOpenedAt: text('first_opened_at'),
    /** When the last reminder went out (the next one waits the round's reminder gap). */
    lastRemindedAt: text('last_reminded_at'),
    createdAt: createdAt(),
  },
  (t) => [
    index('invitations_round_household_idx').on(t.roundId, t.householdId),
    index('invitations_round_village_idx').on(t.roundId, t.villageId),
    // the reminder scan (every few seconds): a round's reached, not-yet-maxed invitations by when they fall due
    index('invitations_reminder_due_idx').on(t.roundId, t.status, t.reminderCount, sql`coalesce(${t.lastRemindedAt}, ${t.sentAt})`),
  ],
)

/** The one-ballot-per-household guarantee across channels. Day only, no time, no ballot id. */
export const participations = sqliteTable(
  'participations',
  {
    roundId: text('round_id')
      .notNull()
      .references(() => rounds.id),
    householdId: text('household_id')
      .notNull()
      .references(() => households.id),
    villageId: text('village_id')
      .notNull()
      .references(() => units.id),
    channel: text('channel', { enum: values(BallotChannel) }).notNull(),
    day: text('day').notNull(),
  },
  (t) => [primaryKey({ columns: [t.roundId, t.householdId] }), index('participations_round_village_idx').on(t.roundId, t.villageId)],
)

/** What was answered. No household id: nothing links a ballot to its participation. */
export const ballots = sqliteTable(
  'ballots',
  {
    id: id(),
    roundId: text('round_id')
      .notNull()
      .references(() => rounds.id),
    villageId: text('village_id')
      .notNull()
      .references(() => units.id),
    channel: text('channel', { enum: values(BallotChannel) }).notNull(),
    /** JSON { [questionKey]: { satisfied, reason? } } including the overall question. */
    answers: text('answers', { mode: 'json' }).notNull().$type<Record<string, { satisfied: boolean; reason?: string }>>(),
    overallSatisfied: bool('overall_satisfied').notNull(),
    comment: text('comment'),
    clientId: text('client_id'),
    /** Hash of the canonical submission, to tell an idempotent replay from a different second ballot. */
    contentHash: text('content_hash').notNull(),
    /** Paradata: seconds to complete, coarse device fingerprint. */
    secondsToComplete: integer('seconds_to_complete'),
    deviceFingerprint: text('device_fingerprint'),
    enteredBy: text('entered_by').references(() => users.id),
    day: text('day').notNull(),
    valid: bool('valid').notNull().default(true),
    invalidationReason: text('invalidation_reason'),
    /** Paper serial number (double entry), when keyed from a paper form. */
    paperSerial: text('paper_serial'),
    receipt: text('receipt').notNull().unique(),
    /** Random nonce the receipt was derived from at acceptance (receipt = H(nonce ‖ canonical ballot)); null before v2 receipts. */
    receiptNonce: text('receipt_nonce'),
    ledgerSeq: integer('ledger_seq').notNull(),
  },
  (t) => [
    index('ballots_round_village_idx').on(t.roundId, t.villageId),
    uniqueIndex('ballots_round_client_uq').on(t.roundId, t.clientId),
    // exports, recounts and ledger checks walk a round's ballots in ledger order, page by page
    uniqueIndex('ballots_round_seq_uq').on(t.roundId, t.ledgerSeq),
  ],
)

/**
 * Accepted ballots waiting to land (TRUST.md §2.3). Random keys and WITHOUT ROWID (migration SQL), no household,
 * no time: only the group it will land in, the receipt already handed out, a keyed hash of the link's client id
 * (replays), and the ballot itself sealed with AES-256-GCM under a per-round key derived from a secret that is
 * not in the data folder.
 */
export const pendingBallots = sqliteTable(
  'pending_ballots',
  {
    id: text('id').primaryKey(),
    roundId: text('round_id')
      .notNull()
      .references(() => rounds.id),
    villageId: text('village_id')
      .notNull()
      .references(() => units.id),
    channel: text('channel', { enum: values(BallotChannel) }).notNull(),
    receipt: text('receipt').notNull().unique(),
    clientKey: text('client_key'),
    sealed: text('sealed').notNull(),
  },
  (t) => [
    index('pending_ballots_group_idx').on(t.roundId, t.villageId, t.channel),
    uniqueIndex('pending_ballots_round_client_uq').on(t.roundId, t.clientKey),
  ],
)

/** First openings of links per village and minute: the burst signal's input once per-household open times are gone. */
export const linkOpenCounts = sqliteTable(
  'link_open_counts',
  {
    roundId: text('round_id')
      .notNull()
      .references(() => rounds.id),
    villageId: text('village_id')
      .notNull()
      .references(() => units.id),
    bucket: text('bucket').notNull(),
    n: integer('n').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.roundId, t.villageId, t.bucket] })],
)

/**
 * Double-entry mode: two different staff key the same paper form (by its serial). Matching pairs
 * become one ballot and both rows are deleted; mismatches wait here, uncounted, until resolved.
 */
export const paperEntries = sqliteTable(
  'paper_entries',
  {
    id: id(),
    roundId: text('round_id')
      .notNull()
      .references(() => rounds.id),
    serial: text('serial').notNull(),
    householdId: text('household_id')
      .notNull()
      .references(() => households.id),
    villageId: text('village_id')
      .notNull()
      .references(() => units.id),
    channel: text('channel', { enum: values(PaperChannel) }).notNull(),
    answers: text('answers', { mode: 'json' }).notNull().$type<Record<string, { satisfied: boolean; reason?: string }>>(),
    comment: text('comment'),
    enteredBy: text('entered_by')
      .notNull()
      .references(() => users.id),
    status: text('status', { enum: values(PaperEntryStatus) })
      .notNull()
      .default('pending'),
    createdAt: createdAt(),
  },
  (t) => [index('paper_entries_round_serial_idx').on(t.roundId, t.serial)],
)

/** Collectors are assigned to a round and some of its villages. */
export const collectorAssignments = sqliteTable(
  'collector_assignments',
  {
    roundId: text('round_id')
      .notNull()
      .references(() => rounds.id),
    userId: text('user_id')
      .notNull()
      .references(() => users.id),
    villageId: text('village_id')
      .notNull()
      .references(() => units.id),
  },
  (t) => [primaryKey({ columns: [t.roundId, t.userId, t.villageId] })],
)

/**
 * "Hộ tôi chưa được hỏi ý kiến": a resident's request to be asked, made on a public page while a
 * round is open. Holds identity (to reach the household) and never anything answered.
 */
export const householdRequests = sqliteTable(
  'household_requests',
  {
    id: id(),
    roundId: text('round_id')
      .notNull()
      .references(() => rounds.id),
    villageId: text('village_id').references(() => units.id),
    headName: text('head_name').notNull(),
    phone: text('phone'),
    note: text('note'),
    status: text('status', { enum: values(HouseholdRequestStatus) })
      .notNull()
      .default('new'),
    resolution: text('resolution'),
    resolvedBy: text('resolved_by').references(() => users.id),
    resolvedAt: text('resolved_at'),
    createdAt: createdAt(),
  },
  (t) => [index('household_requests_round_idx').on(t.roundId, t.status)],
)

/** Per round × village counters (participation by channel, invalidations), updated with each ballot. */
export const villageCounters = sqliteTable(
  'village_counters',
  {
    roundId: text('round_id')
      .notNull()
      .references(() => rounds.id),
    villageId: text('village_id')
      .notNull()
      .references(() => units.id),
    participated: integer('participated').notNull().default(0),
    link: integer('link').notNull().default(0),
    paper: integer('paper').notNull().default(0),
    meeting: integer('meeting').notNull().default(0),
    /** Answered on the community digital technology team's device, with its help (a channel of its own). */
    assisted: integer('assisted').notNull().default(0),
    invalid: integer('invalid').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.roundId, t.villageId] })],
)

/** Per round × village × question counters, updated inside the ballot transaction. */
export const tallyCounters = sqliteTable(
  'tally_counters',
  {
    roundId: text('round_id')
      .notNull()
      .references(() => rounds.id),
    villageId: text('village_id')
      .notNull()
      .references(() => units.id),
    questionKey: text('question_key').notNull(),
    valid: integer('valid').notNull().default(0),
    satisfied: integer('satisfied').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.roundId, t.villageId, t.questionKey] })],
)

/** Append-only hash chain over ballots and invalidations, per round. */
export const ledger = sqliteTable(
  'ledger',
  {
    roundId: text('round_id')
      .notNull()
      .references(() => rounds.id),
    seq: integer('seq').notNull(),
    kind: text('kind', { enum: values(LedgerEntryKind) }).notNull(),
    /** Canonical JSON of the entry (hash of the ballot content, never the household). */
    entry: text('entry').notNull(),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.roundId, t.seq] }), uniqueIndex('ledger_hash_uq').on(t.hash)],
)

export const sealedResults = sqliteTable('sealed_results', {
  roundId: text('round_id')
    .primaryKey()
    .references(() => rounds.id),
  tallyJson: text('tally_json').notNull(),
  methodVersion: text('method_version').notNull(),
  configJson: text('config_json').notNull(),
  ledgerRootHash: text('ledger_root_hash').notNull(),
  sealedBy: text('sealed_by')
    .notNull()
    .references(() => users.id),
  sealedAt: text('sealed_at').notNull(),
  /** Random, new at every seal: a council decision belongs to one seal and never attaches to a later reseal. */
  sealId: text('seal_id')
    .notNull()
    .$defaultFn(() => newId()),
})

/**
 * The integrity signals of a round as they stood when it was first sealed (TRUST.md §2.4): device fingerprints
 * are deleted at seal, so the sealed record keeps the signals computed from them. Written once: unsealing keeps
 * it and resealing does not overwrite it (the fingerprints it came from no longer exist).
 */
export const sealedIntegrity = sqliteTable('sealed_integrity', {
  roundId: text('round_id')
    .primaryKey()
    .references(() => rounds.id),
  /** JSON array of IntegritySignal. */
  signalsJson: text('signals_json').notNull(),
  frozenAt: text('frozen_at').notNull(),
})

/**
 * What the minutes record of the tallying meeting, entered when sealing: time, place, who took part
 * with their roles, who signs, who receives the document.
 */
export const roundMinutes = sqliteTable('round_minutes', {
  roundId: text('round_id')
    .primaryKey()
    .references(() => rounds.id),
  meetingAt: text('meeting_at').notNull(),
  place: text('place').notNull(),
  /** JSON array of { name, title, role: 'chair' | 'secretary' | 'member' }. */
  participants: text('participants', { mode: 'json' }).notNull().$type<{ name: string; title: string; role: string }[]>(),
  /** JSON array of recipients ("Nơi nhận"). */
  recipients: text('recipients', { mode: 'json' }).notNull().$type<string[]>(),
  /** Ballots handed out per channel (phát ra), where counted: { paper: 1200, meeting: 300 }. */
  issued: text('issued', { mode: 'json' }).$type<Record<string, number> | null>(),
  createdAt: createdAt(),
})

/**
 * The council's decision on one seal of a round, as versions: an amendment is a new row (version + 1,
 * `supersedes_id`, a reason), never an update of the old one; unsealing voids the current version (kept,
 * with the reason). A row belongs to the seal it was made on (`seal_id`) and never to a later reseal.
 */
export const councilDecisions = sqliteTable(
  'council_decisions',
  {
    id: id(),
    roundId: text('round_id')
      .notNull()
      .references(() => rounds.id),
    votesFor: integer('votes_for').notNull(),
    votesAgainst: integer('votes_against').notNull(),
    votesAbstain: integer('votes_abstain').notNull(),
    decision: text('decision', { enum: values(CouncilDecisionKind) }).notNull(),
    notes: text('notes'),
    decidedAt: text('decided_at').notNull(),
    recordedBy: text('recorded_by')
      .notNull()
      .references(() => users.id),
    createdAt: createdAt(),
    /** The seal decided on (sealed_results.seal_id then); null for a decision recorded before a reseal it predates. */
    sealId: text('seal_id'),
    version: integer('version').notNull().default(1),
    supersedesId: text('supersedes_id').references((): any => councilDecisions.id),
    /** Why this version: an amendment's reason, or why the council departs from the verdict. */
    reason: text('reason'),
    /** The commune verdict of the sealed tally when decided, and whether the decision goes against it. */
    verdict: text('verdict'),
    againstVerdict: bool('against_verdict').notNull().default(false),
    voidedAt: text('voided_at'),
    voidedBy: text('voided_by').references(() => users.id),
    voidReason: text('void_reason'),
  },
  (t) => [
    // two amendments racing for the same version: one wins, the other answers 409
    uniqueIndex('council_decisions_seal_version_uq').on(t.roundId, t.sealId, t.version),
    uniqueIndex('council_decisions_supersedes_uq').on(t.supersedesId),
  ],
)

/** Reasons and comments, per question, without identity. */
export const feedback = sqliteTable(
  'feedback',
  {
    id: id(),
    roundId: text('round_id')
      .notNull()
      .references(() => rounds.id),
    villageId: text('village_id').references(() => units.id),
    questionKey: text('question_key'),
    kind: text('kind', { enum: values(FeedbackKind) }).notNull(),
    text: text('text').notNull(),
    status: text('status', { enum: values(FeedbackStatus) })
      .notNull()
      .default('new'),
    assigneeAgency: text('assignee_agency'),
    followUp: text('follow_up'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('feedback_round_idx').on(t.roundId, t.status)],
)

export const outbox = sqliteTable(
  'outbox',
  {
    id: id(),
    invitationId: text('invitation_id').references(() => invitations.id),
    channel: text('channel', { enum: values(OutboxChannel) }).notNull(),
    kind: text('kind', { enum: values(OutboxKind) })
      .notNull()
      .default('invitation'),
    trackingId: text('tracking_id').notNull().unique(),
    /** JSON payload; never logged (holds phone and link). */
    payload: text('payload', { mode: 'json' }).notNull(),
    status: text('status', { enum: values(OutboxStatus) })
      .notNull()
      .default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: text('next_attempt_at').notNull(),
    lastError: text('last_error'),
    providerMessageId: text('provider_message_id'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('outbox_invitation_channel_kind_uq').on(t.invitationId, t.channel, t.kind),
    index('outbox_status_next_idx').on(t.status, t.nextAttemptAt),
  ],
)

export const webhookEvents = sqliteTable('webhook_events', {
  eventId: text('event_id').primaryKey(),
  source: text('source').notNull(),
  eventName: text('event_name').notNull(),
  payload: text('payload').notNull(),
  receivedAt: text('received_at').notNull(),
  processedAt: text('processed_at'),
})

/**
 * The Zalo OA token pair (ZALO.md §8.5), one row per OA. Refresh tokens are single-use and rotating, so the
 * new pair is written here before it is used; losing it means an OA admin must re-consent in a browser.
 */
export const zaloTokens = sqliteTable('zalo_tokens', {
  id: text('id').primaryKey(),
  accessToken: text('access_token').notNull(),
  refreshToken: text('refresh_token').notNull(),
  accessExpiresAt: text('access_expires_at').notNull(),
  rotatedAt: text('rotated_at').notNull(),
  state: text('state', { enum: values(ZaloTokenState) })
    .notNull()
    .default('ok'),
  lastError: text('last_error'),
})

/** Every staff action, itself hash-chained. */
export const auditLog = sqliteTable(
  'audit_log',
  {
    seq: integer('seq').primaryKey(),
    at: text('at').notNull(),
    actorId: text('actor_id'),
    action: text('action').notNull(),
    targetType: text('target_type').notNull(),
    targetId: text('target_id'),
    reason: text('reason'),
    data: text('data'),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
  },
  (t) => [index('audit_log_target_idx').on(t.targetType, t.targetId)],
)
