/**
 * Everything the server does on its own, outside requests, as one plugin: the Zalo/SMS outbox worker (which also
 * sends reminders and sweeps the webhook inbox), the sweeper that closes rounds at the end of their window, and the
 * Zalo token keeper (at start-up and daily: rotate the pair, warn 14 days before a re-consent would be needed).
 * With several instances on PostgreSQL each runs all of these; what must happen once per cluster takes an advisory
 * lock (@app/db cluster-locks.ts): the sweeper's tick, the reminder scan, the token refresh.
 * Started when the app is ready, stopped when it closes, before the database does. Registered by server.ts only:
 * tests that build the app drive these by hand.
 */
import { onceInCluster, PG_LOCK_KEYS } from '@app/db'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { createMessagingRepo } from '../modules/messaging/repo.js'
import { createMessagingRuntime, type MessagingRuntime } from '../modules/messaging/runtime.js'
import { tokenStatus } from '../modules/messaging/token-status.js'

declare module 'fastify' {
  interface FastifyInstance {
    messagingRuntime: MessagingRuntime
  }
}

/** Rounds whose window has ended are also closed on every ballot; this catches the quiet ones. */
const ROUND_SWEEP_MS = 30_000
/** The token keeper runs at start-up and then once a day: a commune may not send anything for months. */
export const TOKEN_KEEPER_MS = 24 * 3_600_000

/**
 * One tick of the round sweeper: close the rounds whose window has ended; how many it closed. With several
 * instances on PostgreSQL one of them sweeps per tick: the others skip it (an advisory lock), rather than race to
 * close the same round.
 */
export async function sweepRounds(app: FastifyInstance): Promise<number> {
  const tick = await onceInCluster(app.db, PG_LOCK_KEYS.roundSweep, () => app.services.rounds.closeExpired())
  const n = tick.ran ? tick.value : 0
  if (n > 0) app.log.info({ closed: n }, 'closed rounds at the end of their window')
  return n
}

export const backgroundPlugin = fp(
  async (app: FastifyInstance, opts: { roundSweepMs?: number }) => {
    const runtime = createMessagingRuntime({
      db: app.db,
      clock: app.clock,
      config: app.config,
      audit: app.services.audit,
      log: app.log,
      sweepInbox: () => app.services.messaging.processPending(),
      limitsStore: app.services.messaging.templateLimits,
    })
    app.decorate('messagingRuntime', runtime)
    let sweeper: NodeJS.Timeout | undefined
    let keeper: NodeJS.Timeout | undefined
    let keeping: Promise<void> = Promise.resolve()

    async function keepToken(when: 'start-up' | 'daily'): Promise<void> {
      try {
        await runtime.tokens?.keep(TOKEN_KEEPER_MS)
      } catch (err) {
        app.log.error({ err }, 'zalo token keeper failed')
      }
      const s = tokenStatus(app.config.zalo.mode, await createMessagingRepo(app.db).token('oa'), app.clock.now(), null)
      const facts = { when, state: s.state, refreshExpiresAt: s.refreshExpiresAt, daysUntilReconsent: s.daysUntilReconsent }
      if (s.warning) app.log.warn(facts, 'zalo: an OA admin must re-consent soon (or now) unless the token can be refreshed')
      else app.log.info(facts, 'zalo token keeper ran')
    }

    app.addHook('onReady', async () => {
      sweeper = setInterval(() => {
        sweepRounds(app).catch((err: unknown) => app.log.error({ err }, 'round sweeper failed'))
      }, opts.roundSweepMs ?? ROUND_SWEEP_MS)
      sweeper.unref()
      await runtime.worker.start()
      if (runtime.tokens) {
        // the template's limits are read once the token is fresh (and again before each round's first send)
        keeping = keepToken('start-up').then(async () => {
          await runtime.limits?.refresh()
        })
        keeper = setInterval(() => {
          keeping = keepToken('daily')
        }, TOKEN_KEEPER_MS)
        keeper.unref()
      }
    })
    app.addHook('onClose', async () => {
      clearInterval(sweeper)
      clearInterval(keeper)
      await keeping
      await runtime.close()
    })
  },
  { name: 'background', dependencies: ['services'] },
)
