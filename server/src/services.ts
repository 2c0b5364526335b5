import { type AppDb, asyncDb, type Db, syncSqliteOf } from '@app/db'
import type { Config } from './config.js'
import type { Clock } from './lib/clock.js'
import { defaultSecretFile, loadOrCreateSecret, privacyKeys } from './lib/privacy.js'
import { createAuditService } from './modules/audit/service.js'
import { createBallotService } from './modules/ballots/service.js'
import { createCouncilService } from './modules/council/service.js'
import { createFeedbackService } from './modules/feedback/service.js'
import { createFollowUpService } from './modules/followup/service.js'
import { createHouseholdService } from './modules/households/service.js'
import { createIntegrityService } from './modules/integrity/service.js'
import { createInvitationService } from './modules/invitations/service.js'
import { createMessagingService } from './modules/messaging/service.js'
import { createOverviewService } from './modules/overview/service.js'
import { createPaperService } from './modules/paper/service.js'
import { createPublicService } from './modules/public/service.js'
import { createQuestionnaireService } from './modules/questionnaires/service.js'
import { createReportsService } from './modules/reports/service.js'
import { createRequestService } from './modules/requests/service.js'
import { createRoundService } from './modules/rounds/service.js'
import { createTallyService } from './modules/tally/service.js'
import { createUnitService } from './modules/units/service.js'
import { createUserService } from './modules/users/service.js'
import { createVerifyService } from './modules/verify/service.js'

/** Every service, wired once. Used by the app, the scripts and the tests alike. */
/** The asynchronous API over `db`: a SQLite connection gets asyncDb's, a PostgreSQL AppDb is one already. */
export function appDbOf(db: Db | AppDb): AppDb {
  const sync = syncSqliteOf(db)
  return sync ? asyncDb(sync) : (db as AppDb)
}

/**
 * Every service, wired once. `db` is a SQLite connection (createDb/createTestDb) or a PostgreSQL AppDb (pgAppDb,
 * openDatabase({ url })).
 */
export function createServices(deps: { db: Db | AppDb; config: Config; clock: Clock }) {
  const { config, clock } = deps
  // every module queries through the asynchronous API; the ballot path keeps SQLite's synchronous group commit
  const db = appDbOf(deps.db)
  const audit = createAuditService({ clock })
  const units = createUnitService({ db, audit })
  const users = createUserService({
    db,
    clock,
    audit,
    within: units.within,
    unitKind: async (id) => (await units.findById(id))?.kind,
    login: {
      maxFailures: config.auth.loginMaxFailures,
      maxFailuresPerIp: config.auth.loginMaxFailuresPerIp,
      windowMinutes: config.auth.loginWindowMinutes,
    },
  })
  const households = createHouseholdService({ db, clock, audit, units, limits: config.imports })
  const questionnaires = createQuestionnaireService({ db, audit })
  const rounds = createRoundService({ db, clock, audit, units, questionnaires, levels: config.levels })
  const invitations = createInvitationService({
    db,
    clock,
    audit,
    rounds,
    units,
    publicBaseUrl: config.links.publicBaseUrl,
    hotline: config.links.hotline,
    sms: { enabled: config.sms.mode !== 'off', costVnd: config.sms.costVnd },
  })
  const ballots = createBallotService({
    db: syncSqliteOf(deps.db) ?? db,
    clock,
    audit,
    rounds,
    units,
    keys: privacyKeys(config.privacy.secret ?? loadOrCreateSecret(defaultSecretFile())),
    mixMinBatch: config.privacy.mixMinBatch,
    landingIntervalMs: config.privacy.landingIntervalMs,
  })
  const paper = createPaperService({ db, clock, audit, rounds, households, ballots })
  const integrity = createIntegrityService({
    db,
    clock,
    rounds,
    units,
    users,
    config: config.integrity,
    // bound late: the tally needs the integrity service to freeze signals at seal
    privacy: { hiddenVillagesOf: async (r) => await tally.hiddenVillagesOf(r), minCell: config.privacy.minCell },
  })
  const tally = createTallyService({ db, clock, audit, rounds, units, ballots, integrity, minCell: config.privacy.minCell })
  const requests = createRequestService({ db, clock, audit, rounds, units, invitations })
  const followUp = createFollowUpService({
    db,
    rounds,
    units,
    dissatisfiedBp: config.followUp.dissatisfiedBp,
    minBallots: config.privacy.minCell,
    privacy: tally,
    criteriaOf: async (r) => {
      const setId = (await questionnaires.templateById(r.templateId))?.criteriaSetId
      const set = setId ? await questionnaires.criteriaSetById(setId) : undefined
      return set ? { id: set.id, name: set.name, criteria: set.criteria } : null
    },
  })
  const overview = createOverviewService({ db, units, rounds, levels: config.levels, minCell: config.privacy.minCell })
  const council = createCouncilService({ db, clock, audit, rounds, tally })
  const verify = createVerifyService({ db, rounds, ballots, tally, audit })
  const feedback = createFeedbackService({ db, audit, rounds, units, privacy: tally })
  const publicResults = createPublicService({ rounds, units, tally, council, levels: config.levels })
  const reports = createReportsService({
    db,
    audit,
    rounds,
    units,
    tally,
    ballots,
    council,
    feedback,
    levels: config.levels,
    publicBaseUrl: config.links.publicBaseUrl,
    minCell: config.privacy.minCell,
  })
  const messaging = createMessagingService({ db, clock, audit, rounds, config })
  rounds.checkTitle((title) => messaging.assertRoundTitleFits(title))
  return {
    audit,
    units,
    users,
    households,
    questionnaires,
    rounds,
    invitations,
    ballots,
    paper,
    tally,
    overview,
    council,
    feedback,
    publicResults,
    verify,
    reports,
    integrity,
    requests,
    followUp,
    messaging,
  }
}
export type Services = ReturnType<typeof createServices>
