/**
 * Wires the sending side from config: Zalo client + token manager + sender, the SMS provider and the outbox worker.
 * Used by server.ts, the tests and the drain benchmark alike.
 */
import type { AppDb } from '@app/db'
import type { Dispatcher } from 'undici'
import type { Config } from '../../config.js'
import type { Clock } from '../../lib/clock.js'
import type { AuditService } from '../audit/service.js'
import { createOutboxWorker, type WorkerLogger } from './outbox-worker.js'
import { createMessagingRepo } from './repo.js'
import { createHttpSmsProvider } from './sms.js'
import { createTemplateLimits, type TemplateLimitsStore } from './template-limits.js'
import { createTokenManager } from './token-manager.js'
import { createZaloClient } from './zalo-client.js'
import { createZaloSender } from './zalo-sender.js'

export function createMessagingRuntime(deps: {
  db: AppDb
  clock: Clock
  config: Pick<Config, 'zalo' | 'sms'>
  audit: AuditService
  log: WorkerLogger
  /** The webhook inbox sweep (services.messaging.processPending). */
  sweepInbox?: () => void
  dispatcher?: Dispatcher
  concurrency?: number
  random?: () => number
  /** Where the limits read from Zalo are kept for the staff side (services.messaging.templateLimits). */
  limitsStore?: TemplateLimitsStore
}) {
  const { db, clock, audit, log } = deps
  const { zalo: z, sms: s } = deps.config
  const client =
    z.mode === 'off'
      ? null
      : createZaloClient({
          znsBaseUrl: z.znsBaseUrl,
          oauthBaseUrl: z.oauthBaseUrl,
          appId: z.appId,
          appSecret: z.appSecret,
          timeouts: z.timeouts,
          dispatcher: deps.dispatcher,
        })
  const tokens = client
    ? createTokenManager({
        db,
        repo: createMessagingRepo(db),
        client,
        clock,
        audit,
        bootstrap: z.bootstrapTokens,
        log,
        retry: { attempts: Math.min(3, z.retry.maxAttempts), baseMs: z.retry.baseMs, capMs: z.retry.capMs },
        random: deps.random,
      })
    : null
  const sms =
    s.mode === 'off'
      ? null
      : createHttpSmsProvider({
          baseUrl: s.baseUrl,
          apiKey: s.apiKey,
          secretKey: s.secretKey,
          brandname: s.brandname,
          timeouts: z.timeouts,
          dispatcher: deps.dispatcher,
        })
  const limits = client && tokens ? createTemplateLimits({ client, tokens, templateId: z.templateId, log, store: deps.limitsStore }) : null
  const worker = createOutboxWorker({
    db,
    clock,
    log,
    sms,
    smsTemplates: s.templates,
    zalo: client && tokens ? { send: createZaloSender({ client, tokens }), tokens, limits: limits ?? undefined } : null,
    sweepInbox: deps.sweepInbox,
    random: deps.random,
    policy: {
      templateId: z.templateId,
      ratePerSec: z.ratePerSec,
      sendHours: z.sendHours,
      reminders: z.reminders,
      unknownOutcome: z.unknownOutcome,
      receiptWaitMinutes: z.receiptWaitMinutes,
      retry: z.retry,
      pollMs: z.workerPollMs,
      concurrency: deps.concurrency,
    },
  })
  return {
    worker,
    tokens,
    limits,
    client,
    sms,
    async close(): Promise<void> {
      await worker.stop()
      await client?.close()
      await sms?.close()
    },
  }
}
export type MessagingRuntime = ReturnType<typeof createMessagingRuntime>
