import type { AppDb, Db } from '@app/db'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Config } from '../config.js'
import type { Clock } from '../lib/clock.js'
import { appDbOf, createServices, type Services } from '../services.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The asynchronous query API over the app's database (the same one every service uses). */
    db: AppDb
    config: Config
    clock: Clock
    services: Services
  }
}

/** Infrastructure as decorators: db, config, clock and the services built on them. */
export const servicesPlugin = fp(
  async (app: FastifyInstance, opts: { db: Db | AppDb; config: Config; clock: Clock }) => {
    app.decorate('db', appDbOf(opts.db))
    app.decorate('config', opts.config)
    app.decorate('clock', opts.clock)
    app.decorate('services', createServices(opts))
  },
  { name: 'services' },
)
