/**
 * THE authorisation table: every registered route, keyed "METHOD /path", with the outcome
 * each role gets on a target in its own scope and on one in a foreign scope (another province).
 * tests/security/authz.test.ts fails for any registered route missing here, and for any entry whose
 * route no longer exists.
 *
 * Outcomes: 'ok' = any 2xx; a number = that exact status with the error envelope. DESIGN §7 and STYLE
 * rule 14: a foreign id answers 404 (ids can't be probed); a visible target the role may not act on
 * answers 403.
 *
 * Roles: admin; provinceStaff (front_staff of the province); communeStaff (front_staff of the
 * commune); collector (assigned to every village of every own round); council (of the province).
 *
 * Targets: a generic filler (authz.test.ts `fillParams`) puts own/foreign fixtures into the path:
 * `:id` under /api/rounds is the round in `round` status (default open), under /api/units the unit
 * named by `unit` (default the commune); bodies and queries come from `body` / `query`.
 */
import { allSatisfied } from '../helpers/rounds.js'
import type { RoleName, RoundFixture, ScopeFixtures } from './helpers/world.js'

export type Outcome = 'ok' | 303 | 400 | 401 | 403 | 404 | 409
export type PerRole = Readonly<Record<RoleName, Outcome>>

export interface RequestSpec {
  /** Which round fills `:id` under /api/rounds (default 'open'). */
  round?: RoundFixture
  /** Which unit fills `:id` under /api/units (default 'commune'). */
  unit?: 'province' | 'commune' | 'village'
  body?: (f: ScopeFixtures) => unknown
  query?: (f: ScopeFixtures) => Record<string, string>
  contentType?: string
}

export interface StaffEntry extends RequestSpec {
  kind: 'staff'
  own: PerRole
  /** 'same' for routes that address nothing scoped (lists of the caller's own scope, templates). */
  foreign: PerRole | 'same'
}

export interface PublicEntry extends RequestSpec {
  kind: 'public'
  /** What an anonymous caller gets with a valid target. */
  expect: Outcome
}

export type Entry = StaffEntry | PublicEntry

const r = (admin: Outcome, provinceStaff: Outcome, communeStaff: Outcome, collector: Outcome, council: Outcome): PerRole => ({
  admin,
  provinceStaff,
  communeStaff,
  collector,
  council,
})

const ALL_OK = r('ok', 'ok', 'ok', 'ok', 'ok')
const ADMIN_ONLY = r('ok', 403, 403, 403, 403)
/** A foreign target: admin as in own scope, everyone else 404. */
const foreignOf = (own: PerRole): PerRole => r(own.admin, 404, 404, 404, 404)
/** Managing a round (rounds/policy.ts assertCanManageRound): front_staff in scope only; admin 403. */
const MANAGE: Pick<StaffEntry, 'own' | 'foreign'> = { own: r(403, 'ok', 'ok', 403, 403), foreign: r(403, 404, 404, 404, 404) }
/** Reading sealed results (reports): front_staff, council, admin; collectors 403. */
const READ_RESULTS: Pick<StaffEntry, 'own' | 'foreign'> = { own: r('ok', 'ok', 'ok', 403, 'ok'), foreign: r('ok', 404, 404, 404, 404) }
/** Front-staff-only reads of a visible round (tally of a closed round before sealing, feedback inbox, recount). */
const FRONT_READ: Pick<StaffEntry, 'own' | 'foreign'> = { own: r('ok', 'ok', 'ok', 403, 403), foreign: r('ok', 404, 404, 404, 404) }

const paper = (f: ScopeFixtures, serial: string) => ({ householdId: f.freeHouseholdId, channel: 'paper', answers: allSatisfied, serial })

export const AUTHZ_MATRIX: Readonly<Record<string, Entry>> = {
  // ── public (no login) ────────────────────────────────────────────────────────────────
  'GET /api/health': { kind: 'public', expect: 'ok' },
  'POST /api/auth/login': { kind: 'public', expect: 'ok', body: () => ({ username: 'xa', password: 'hailong-test-pw' }) },
  'GET /api/ballots/:token': { kind: 'public', expect: 'ok' },
  'POST /api/ballots/:token': { kind: 'public', expect: 'ok', body: () => ({ answers: allSatisfied }) },
  // answered with the community digital technology team's help: a Front or collector session only
  'POST /api/ballots/:token/assisted': {
    kind: 'staff',
    own: r(403, 'ok', 'ok', 'ok', 403),
    foreign: r(403, 404, 404, 404, 403),
    body: () => ({ answers: allSatisfied }),
  },
  'GET /api/receipts/:receipt': { kind: 'public', expect: 'ok' },
  'GET /api/public/rounds/:id': { kind: 'public', expect: 'ok', round: 'sealed' },
  'GET /v/:roundId': { kind: 'public', expect: 'ok', round: 'sealed' },
  'GET /': { kind: 'public', expect: 'ok' },
  'GET /app': { kind: 'public', expect: 'ok' },
  'GET /app/*': { kind: 'public', expect: 'ok' },
  'GET /r/:token': { kind: 'public', expect: 'ok' },
  // a link cut before its token: the Vietnamese "not found" page, never the API's JSON
  'GET /r': { kind: 'public', expect: 404 },
  'GET /verify': { kind: 'public', expect: 'ok' },
  'GET /api/public/communes/:communeId/requests': { kind: 'public', expect: 'ok' },
  'POST /api/public/communes/:communeId/requests': {
    kind: 'public',
    expect: 'ok',
    body: (f) => ({ villageId: f.villages[0]?.id, headName: 'Lê Văn Chưa Hỏi' }),
  },
  'GET /hoi/:communeId': { kind: 'public', expect: 'ok' },
  // the printed slip's code typed by hand: a right one goes on to its link page (303), wrong ones are answered on the page
  'GET /ma': { kind: 'public', expect: 'ok' },
  'POST /ma': {
    kind: 'public',
    expect: 303,
    contentType: 'application/x-www-form-urlencoded',
    body: (f) => new URLSearchParams({ ma: f.unusedToken.toLowerCase() }).toString(),
  },
  // Zalo webhook: no login, the X-ZEvent-Signature over the raw body is the credential. Without any signature header
  // (what Zalo may send to check the URL at registration) the answer is 200 and nothing is stored or processed; a
  // present but wrong signature is 401 (tests/server/messaging-webhook.test.ts).
  'POST /api/webhooks/zalo': {
    kind: 'public',
    expect: 'ok',
    contentType: 'application/json',
    body: () => ({ event_name: 'user_received_message' }),
  },
  // Zalo redirects an OA admin here after consent; without a pending state (PKCE) it goes nowhere: a bad query is 400.
  'GET /api/zalo/oauth/callback': { kind: 'public', expect: 400, query: () => ({ code: 'abc' }) },
  // The fake-Zalo demo inbox (registered only when Zalo runs in fake mode): an admin session cookie from a one-time
  // link opens it (tests/security/demo-inbox.test.ts); a bare request, even with a staff token, is 401.
  'GET /demo/zalo': { kind: 'public', expect: 401 },
  'POST /hoi/:communeId': {
    kind: 'public',
    expect: 'ok',
    contentType: 'application/x-www-form-urlencoded',
    body: (f) => new URLSearchParams({ villageId: f.villages[0]?.id as string, headName: 'Lê Văn Chưa Hỏi' }).toString(),
  },

  // ── auth, users ─────────────────────────────────────────────────────────────────────
  'GET /api/auth/me': { kind: 'staff', own: ALL_OK, foreign: 'same' },
  'POST /api/auth/logout': { kind: 'staff', own: ALL_OK, foreign: 'same' },
  // every role may change its own password; here the new one is the current one (400), so no session of the
  // matrix ends (the change itself and a wrong current password: tests/server/users.test.ts)
  'POST /api/auth/password': {
    kind: 'staff',
    own: r(400, 400, 400, 400, 400),
    foreign: 'same',
    body: () => ({ currentPassword: 'mat-khau-giong-nhau', newPassword: 'mat-khau-giong-nhau' }),
  },
  // Front staff list the collectors of their scope (to assign them); everything else is admin's.
  'GET /api/users': { kind: 'staff', own: r('ok', 'ok', 'ok', 403, 403), foreign: 'same' },
  'POST /api/users': {
    kind: 'staff',
    own: ADMIN_ONLY,
    foreign: ADMIN_ONLY,
    body: (f) => ({ username: 'moi.tao', password: 'mat-khau-dai-10', role: 'front_staff', unitId: f.commune.id }),
  },
  'PATCH /api/users/:id': { kind: 'staff', own: ADMIN_ONLY, foreign: ADMIN_ONLY, body: () => ({ disabled: false }) },
  // the target is a spare user: a reset ends every session of the user it resets
  'POST /api/users/:id/password': { kind: 'staff', own: ADMIN_ONLY, foreign: ADMIN_ONLY, body: () => ({}) },

  // ── units, households, overview ─────────────────────────────────────────────────────
  'GET /api/units': { kind: 'staff', own: ALL_OK, foreign: 'same' },
  'GET /api/units/:id': { kind: 'staff', own: ALL_OK, foreign: foreignOf(ALL_OK) },
  // the province's setting, read through any unit in scope
  'GET /api/units/:id/link-channel': { kind: 'staff', own: ALL_OK, foreign: foreignOf(ALL_OK) },
  // the province decides: commune staff cannot see their province (404), collectors and the council may not (403)
  'PUT /api/units/:id/link-channel': {
    kind: 'staff',
    unit: 'province',
    own: r('ok', 'ok', 404, 403, 403),
    foreign: r('ok', 404, 404, 403, 403),
    body: () => ({ enabled: true, legalBasis: 'Kế hoạch số 45/KH-UBND ngày 10/3/2026 của Ủy ban nhân dân tỉnh' }),
  },
  'POST /api/units': {
    kind: 'staff',
    own: r('ok', 'ok', 'ok', 403, 403),
    foreign: r('ok', 404, 404, 403, 403),
    body: (f) => ({ kind: 'village', name: 'Ấp Mới', code: 'MOI-99', parentId: f.commune.id }),
  },
  'PATCH /api/units/:id': {
    kind: 'staff',
    unit: 'village',
    own: r('ok', 'ok', 'ok', 403, 403),
    foreign: r('ok', 404, 404, 403, 403),
    body: () => ({ name: 'Ấp Đổi Tên' }),
  },
  // the fixture's open round froze its villages' frame: a new household needs the province and a reason
  'POST /api/units/:communeId/households/import': {
    kind: 'staff',
    own: r('ok', 'ok', 409, 403, 403),
    foreign: r('ok', 404, 404, 403, 403),
    contentType: 'text/csv',
    query: () => ({ reason: 'Hộ mới chuyển đến sau khi mở đợt' }),
    body: () => 'village_code,household_code,head_name,phone,address\nXT-01,N0001,Nguyễn Văn Mới,84901234567,Số 1\n',
  },
  // names of heads of household: Front in scope, collectors for their assigned villages (all, in this world), not council
  'GET /api/units/:villageId/households': {
    kind: 'staff',
    unit: 'village',
    own: r('ok', 'ok', 'ok', 'ok', 403),
    foreign: foreignOf(r('ok', 'ok', 'ok', 'ok', 403)),
  },
  // one household by hand: Front staff and admin in scope; the open round froze the village's frame, so a new
  // household needs the province and a reason (commune staff 409 frame_frozen)
  'POST /api/units/:villageId/households': {
    kind: 'staff',
    unit: 'village',
    own: r('ok', 'ok', 409, 403, 403),
    foreign: r('ok', 404, 404, 403, 403),
    body: () => ({ code: 'N0002', headName: 'Trần Văn Mới', phone: '0351234567', reason: 'Hộ mới tách hộ sau khi mở đợt' }),
  },
  'PATCH /api/units/:villageId/households/:householdId': {
    kind: 'staff',
    unit: 'village',
    own: r('ok', 'ok', 'ok', 403, 403),
    foreign: r('ok', 404, 404, 403, 403),
    body: () => ({ headName: 'Nguyễn Văn Sửa', phone: '0701234567' }),
  },
  'GET /api/units/:id/overview': { kind: 'staff', own: r('ok', 'ok', 'ok', 403, 'ok'), foreign: r('ok', 404, 404, 404, 404) },
  'GET /api/units/:communeId/trend': { kind: 'staff', own: r('ok', 'ok', 'ok', 403, 'ok'), foreign: r('ok', 404, 404, 404, 404) },

  // ── questionnaires (not scoped: every staff member reads them, admin writes) ───────
  'GET /api/questionnaire-templates': { kind: 'staff', own: ALL_OK, foreign: 'same' },
  'GET /api/questionnaire-templates/:id': { kind: 'staff', own: ALL_OK, foreign: 'same' },
  'POST /api/questionnaire-templates': {
    kind: 'staff',
    own: ADMIN_ONLY,
    foreign: 'same',
    body: () => ({
      code: 'T_MOI',
      name: 'Phiếu mới',
      questions: [
        { key: 'q1', text: 'Đường?', criterionRef: null, isOverall: false },
        { key: 'q9', text: 'Chung?', criterionRef: null, isOverall: true },
      ],
    }),
  },
  'GET /api/levels': { kind: 'staff', own: ALL_OK, foreign: 'same' },
  'GET /api/rule-sets': { kind: 'staff', own: ALL_OK, foreign: 'same' },
  'GET /api/rule-sets/:id': { kind: 'staff', own: ALL_OK, foreign: 'same' },
  // admins, and the Front staff of a province for their own province (how a provisional number is confirmed)
  'POST /api/rule-sets': {
    kind: 'staff',
    own: r('ok', 'ok', 403, 403, 403),
    foreign: 'same',
    body: () => ({
      code: 'RS_MOI',
      name: 'Bộ quy tắc mới',
      legalBasis: { text: 'Văn bản thử', number: '1/HD', date: '2025-01-01', effectiveFrom: '2025-01-01', effectiveTo: null },
      levels: ['xa_ntm'],
      bars: [{ kind: 'overall', minBp: 9000 }],
    }),
  },
  'GET /api/criteria-sets': { kind: 'staff', own: ALL_OK, foreign: 'same' },
  'POST /api/criteria-sets': {
    kind: 'staff',
    own: ADMIN_ONLY,
    foreign: 'same',
    body: () => ({ code: 'CS_MOI', name: 'Bộ mới', legalBasis: 'QĐ thử', criteria: [{ ref: '1', name: 'Quy hoạch', group: null }] }),
  },

  // ── rounds ──────────────────────────────────────────────────────────────────────────
  'GET /api/rounds': { kind: 'staff', own: ALL_OK, foreign: 'same' },
  'POST /api/rounds': {
    kind: 'staff',
    own: r(403, 'ok', 'ok', 403, 403),
    foreign: r(403, 404, 404, 403, 403),
    body: (f) => ({
      communeId: f.commune.id,
      level: 'xa_ntm',
      templateId: f.templateId,
      opensAt: '2025-06-01T00:00:00Z',
      closesAt: '2025-06-15T00:00:00Z',
    }),
  },
  'GET /api/rounds/:id': { kind: 'staff', own: ALL_OK, foreign: foreignOf(ALL_OK) },
  'PATCH /api/rounds/:id': { kind: 'staff', round: 'draft', ...MANAGE, body: () => ({ title: 'Đổi tên' }) },
  'POST /api/rounds/:id/open': { kind: 'staff', round: 'draft', ...MANAGE },
  'POST /api/rounds/:id/close': { kind: 'staff', round: 'open', ...MANAGE, body: () => ({}) },
  'POST /api/rounds/:id/reopen': {
    kind: 'staff',
    round: 'closed',
    // Only province-level Front staff reopen (rounds/service.ts reopen).
    own: r(403, 'ok', 403, 403, 403),
    foreign: MANAGE.foreign,
    body: () => ({ reason: 'Gia hạn thu phiếu' }),
  },
  'PUT /api/rounds/:id/collectors/:userId': { kind: 'staff', ...MANAGE, body: (f) => ({ villageIds: [f.villages[0]?.id] }) },
  // Council never; a collector sees only their own assignment.
  'GET /api/rounds/:id/collectors': { kind: 'staff', own: r('ok', 'ok', 'ok', 'ok', 403), foreign: foreignOf(ALL_OK) },
  'POST /api/rounds/:id/invitations': { kind: 'staff', ...MANAGE, body: () => ({ channel: 'print' }) },
  'POST /api/rounds/:id/invitations/preview': { kind: 'staff', ...MANAGE, body: () => ({ channel: 'zalo' }) },
  'POST /api/rounds/:id/invitations/slips.pdf': { kind: 'staff', ...MANAGE, body: () => ({}) },
  'POST /api/rounds/:id/invitations/notices.pdf': { kind: 'staff', ...MANAGE, body: () => ({}) },
  'POST /api/rounds/:id/invitations/:householdId/revoke': { kind: 'staff', ...MANAGE },
  'POST /api/rounds/:id/invitations/:householdId/reissue': { kind: 'staff', ...MANAGE, body: () => ({ channel: 'print' }) },
  'GET /api/rounds/:id/households': {
    kind: 'staff',
    // Council never sees the household list (invitations/service.ts householdStatus).
    own: r('ok', 'ok', 'ok', 'ok', 404),
    foreign: foreignOf(ALL_OK),
    query: (f) => ({ villageId: f.villages[0]?.id as string }),
  },

  // the door-to-door list: as the household list (contacts only for those who may see them)
  'GET /api/rounds/:id/households/pending.csv': {
    kind: 'staff',
    own: r('ok', 'ok', 'ok', 'ok', 404),
    foreign: foreignOf(ALL_OK),
    query: (f) => ({ villageId: f.villages[0]?.id as string }),
  },
  'GET /api/rounds/:id/households/pending.xlsx': {
    kind: 'staff',
    own: r('ok', 'ok', 'ok', 'ok', 404),
    foreign: foreignOf(ALL_OK),
    query: (f) => ({ villageId: f.villages[0]?.id as string }),
  },

  // ── ballots: paper entry, double entry, invalidation, ledger ────────────────────────
  'POST /api/rounds/:id/paper-ballots': {
    kind: 'staff',
    own: r(403, 'ok', 'ok', 'ok', 403),
    foreign: r(403, 404, 404, 404, 403),
    body: (f) => paper(f, 'S-0099'),
  },
  'GET /api/rounds/:id/paper-entries': { kind: 'staff', round: 'doubleEntry', ...MANAGE },
  'POST /api/rounds/:id/paper-entries/:serial/resolve': {
    kind: 'staff',
    round: 'doubleEntry',
    ...MANAGE,
    body: (f) => ({ householdId: f.mismatchHouseholdId, channel: 'paper', answers: allSatisfied }),
  },
  'POST /api/rounds/:id/ballots/:ballotId/invalidate': {
    kind: 'staff',
    // Front staff above the commune, or admin (DESIGN §1 separation of duties).
    own: r('ok', 'ok', 403, 403, 403),
    foreign: r('ok', 404, 404, 403, 403),
    body: () => ({ reasonCode: 'entry_error', note: 'nhập nhầm' }),
  },
  // of an open round: its front staff only (once sealed, everyone in scope: tests/security/headers-and-scopes.test.ts)
  'GET /api/rounds/:id/ledger/verify': { kind: 'staff', own: r(403, 'ok', 'ok', 403, 403), foreign: r(403, 404, 404, 404, 404) },

  // ── tally, seal ─────────────────────────────────────────────────────────────────────
  // results of a closed round (an open one answers 409 results_not_disclosed to everyone: tests/server/disclosure.test.ts)
  'GET /api/rounds/:id/tally': { kind: 'staff', round: 'closed', ...FRONT_READ },
  // coverage only, live: everyone who reads the round's figures, collectors excepted
  'GET /api/rounds/:id/coverage': {
    kind: 'staff',
    own: r('ok', 'ok', 'ok', 403, 'ok'),
    foreign: foreignOf(r('ok', 'ok', 'ok', 403, 'ok')),
  },
  'POST /api/rounds/:id/recount': { kind: 'staff', ...FRONT_READ, body: () => ({}) },
  'POST /api/rounds/:id/seal': { kind: 'staff', round: 'closed', ...MANAGE },
  'POST /api/rounds/:id/unseal': {
    kind: 'staff',
    round: 'sealed',
    own: ADMIN_ONLY,
    foreign: ADMIN_ONLY,
    body: () => ({ reason: 'Sai sót cần sửa' }),
  },

  // ── reports (sealed rounds) ─────────────────────────────────────────────────────────
  'GET /api/rounds/:id/minutes.pdf': { kind: 'staff', round: 'sealed', ...READ_RESULTS },
  'GET /api/rounds/:id/notices.pdf': { kind: 'staff', round: 'sealed', ...READ_RESULTS },
  'GET /api/rounds/:id/minutes-meta': { kind: 'staff', round: 'closed', ...READ_RESULTS },
  'PUT /api/rounds/:id/minutes-meta': {
    kind: 'staff',
    round: 'closed',
    ...MANAGE,
    body: () => ({
      meetingAt: '2026-03-05T14:30:00+07:00',
      place: 'Hội trường xã',
      participants: [{ name: 'Nguyễn Văn A', title: 'Chủ tịch', role: 'chair' }],
    }),
  },
  'GET /api/rounds/:id/export.csv': { kind: 'staff', round: 'sealed', ...READ_RESULTS },
  'GET /api/rounds/:id/export.xlsx': { kind: 'staff', round: 'sealed', ...READ_RESULTS },

  // ── feedback inbox (front staff) ────────────────────────────────────────────────────
  'GET /api/rounds/:id/feedback': { kind: 'staff', round: 'closed', ...FRONT_READ },
  'GET /api/rounds/:id/feedback/summary': { kind: 'staff', round: 'closed', ...FRONT_READ },
  'PATCH /api/feedback/:id': {
    kind: 'staff',
    own: r('ok', 'ok', 'ok', 403, 403),
    foreign: r('ok', 404, 404, 403, 403),
    body: () => ({ status: 'forwarded', assigneeAgency: 'UBND xã' }),
  },

  // ── integrity signals, "my household was not asked" requests, follow-up ──────────────
  'GET /api/rounds/:id/integrity': {
    kind: 'staff',
    // Province Front and admin any time; commune Front and council once sealed; collectors never (404).
    round: 'open',
    own: r('ok', 'ok', 403, 404, 403),
    foreign: r('ok', 404, 404, 404, 404),
  },
  'GET /api/rounds/:id/requests': {
    kind: 'staff',
    // Admin reads any round's requests (requests/service.ts managedRound); otherwise front_staff in scope.
    own: r('ok', 'ok', 'ok', 403, 403),
    foreign: r('ok', 404, 404, 404, 404),
  },
  'POST /api/rounds/:id/requests/:requestId/resolve': {
    kind: 'staff',
    own: r('ok', 'ok', 'ok', 403, 403),
    foreign: r('ok', 404, 404, 404, 404),
    body: () => ({ action: 'reject', reason: 'Không thuộc địa bàn' }),
  },
  'GET /api/rounds/:id/follow-up-candidates': { kind: 'staff', round: 'sealed', ...READ_RESULTS },
  'GET /api/units/:communeId/criteria-trend': { kind: 'staff', ...READ_RESULTS },

  // ── messaging (Zalo/SMS invitations) ───────────────────────────────────────────────
  'GET /api/rounds/:id/messaging': {
    kind: 'staff',
    // Collectors and council never see the send log (messaging/service.ts summary): 404.
    own: r('ok', 'ok', 'ok', 404, 404),
    foreign: r('ok', 404, 404, 404, 404),
  },
  'POST /api/rounds/:id/messaging/retry': { kind: 'staff', ...MANAGE },
  // The Zalo OA connection (token keeper): admins and front staff see the warning; the re-consent link is admins'.
  'GET /api/zalo/token': { kind: 'staff', own: r('ok', 'ok', 'ok', 403, 403), foreign: 'same' },
  // the round wizard checks titles against the Zalo template's limit
  'GET /api/zalo/template-limits': { kind: 'staff', own: ALL_OK, foreign: 'same' },
  // fake mode only: a one-time link to the fake inbox, for admins
  'POST /api/zalo/demo-inbox-link': { kind: 'staff', own: ADMIN_ONLY, foreign: 'same' },
  'PUT /api/rounds/:id/messaging/policy': { kind: 'staff', ...MANAGE, body: () => ({ reminderMax: 2, reminderGapHours: 48 }) },

  // ── council ─────────────────────────────────────────────────────────────────────────
  'POST /api/rounds/:id/council-decisions': {
    kind: 'staff',
    round: 'sealed',
    own: r(403, 403, 403, 403, 'ok'),
    foreign: r(403, 404, 404, 404, 404),
    body: () => ({
      votesFor: 12,
      votesAgainst: 0,
      votesAbstain: 1,
      decision: 'recognise',
      decidedAt: '2025-06-01',
      reason: 'Hồ sơ bổ sung',
    }),
  },
  'POST /api/rounds/:id/council-decisions/:decisionId/amendments': {
    kind: 'staff',
    round: 'returned',
    own: r(403, 403, 403, 403, 'ok'),
    foreign: r(403, 404, 404, 404, 404),
    body: () => ({
      votesFor: 4,
      votesAgainst: 11,
      votesAbstain: 0,
      decision: 'return_for_resurvey',
      decidedAt: '2025-06-01',
      reason: 'Sửa số phiếu biểu quyết',
    }),
  },
  'GET /api/rounds/:id/council-decisions': { kind: 'staff', round: 'sealed', ...READ_RESULTS },
  'POST /api/rounds/:id/resurvey': {
    kind: 'staff',
    round: 'returned',
    ...MANAGE,
    body: () => ({ opensAt: '2025-06-02T00:00:00Z', closesAt: '2025-06-20T00:00:00Z' }),
  },
}
