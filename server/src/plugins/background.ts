/**
 * Everything the server does on its own, outside requests, as one plugin: the Zalo/SMS outbox worker (which also
 * sends reminders and sweeps the webhook inbox) and the sweeper that closes rounds at the end of their window.
 * Started when the app is ready, stopped when it closes, before the database does. Registered by server.ts only:
 * tests that build the app drive these by hand.
 */
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { createMessagingRuntime, type MessagingRuntime } from '../modules/messaging/runtime.js'

declare module 'fastify' {
  interface FastifyInstance {
    messagingRuntime: MessagingRuntime
  }
}

/** Rounds whose window has ended are also closed on every ballot; this catches the quiet ones. */
const ROUND_SWEEP_MS = 30_000

export const backgroundPlugin = fp(
  async (app: FastifyInstance) => {
    const runtime = createMessagingRuntime({
      db: app.db,
      clock: app.clock,
      config: app.config,
      audit: app.services.audit,
      log: app.log,
      sweepInbox: () => app.services.messaging.processPending(),
    })
    app.decorate('messagingRuntime', runtime)
    let sweeper: NodeJS.Timeout | undefined

    app.addHook('onReady', async () => {
      sweeper = setInterval(() => {
        try {
          const n = app.services.rounds.closeExpired()
          if (n > 0) app.log.info({ closed: n }, 'closed rounds at the end of their window')
        } catch (err) {
          app.log.error({ err }, 'round sweeper failed')
        }
      }, ROUND_SWEEP_MS)
      sweeper.unref()
      runtime.worker.start()
    })
    app.addHook('onClose', async () => {
      clearInterval(sweeper)
      await runtime.close()
    })
  },
  { name: 'background', dependencies: ['services'] },
)
