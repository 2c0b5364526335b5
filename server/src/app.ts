import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { AppDb, Db } from '@app/db'
import { Health } from '@app/shared'
import rateLimit from '@fastify/rate-limit'
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions, LogController } from 'fastify'
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod'
import type { Config } from './config.js'
import { tooManyRequests } from './lib/app-error.js'
import { type Clock, systemClock } from './lib/clock.js'
import { coarseIp, isResidentPath, REDACT_PATHS, redactUrl } from './lib/log-redact.js'
import { SharedWindowStore } from './lib/rate-limit-store.js'
import { authRoutes } from './modules/auth/routes.js'
import { assistedBallotRoutes, ballotStaffRoutes, residentRoutes } from './modules/ballots/routes.js'
import { councilRoutes } from './modules/council/routes.js'
import { feedbackRoutes } from './modules/feedback/routes.js'
import { followUpRoutes } from './modules/followup/routes.js'
import { householdRoutes } from './modules/households/routes.js'
import { integrityRoutes } from './modules/integrity/routes.js'
import { slipCodeRoutes } from './modules/invitations/code-routes.js'
import { invitationRoutes } from './modules/invitations/routes.js'
import { messagingRoutes, zaloDemoRoutes, zaloWebhookRoutes } from './modules/messaging/routes.js'
import { zaloOaRoutes } from './modules/messaging/zalo-oa-routes.js'
import { overviewRoutes } from './modules/overview/routes.js'
import { paperRoutes } from './modules/paper/routes.js'
import { publicRoutes } from './modules/public/routes.js'
import { questionnaireRoutes } from './modules/questionnaires/routes.js'
import { reportRoutes } from './modules/reports/routes.js'
import { publicRequestRoutes, requestStaffRoutes } from './modules/requests/routes.js'
import { roundRoutes } from './modules/rounds/routes.js'
import { tallyRoutes } from './modules/tally/routes.js'
import { unitRoutes } from './modules/units/routes.js'
import { userRoutes } from './modules/users/routes.js'
import { authPlugin } from './plugins/auth.js'
import { errorsPlugin } from './plugins/errors.js'
import { securityHeadersPlugin } from './plugins/security-headers.js'
import { servicesPlugin } from './plugins/services.js'
import { swaggerPlugin } from './plugins/swagger.js'
import { webPlugin } from './plugins/web.js'

export interface AppDeps {
  config: Config
  /** A SQLite connection (createDb, createTestDb) or a PostgreSQL AppDb (openDatabase({ url }), pgAppDb). */
  db: Db | AppDb
  /** Required unless config.auth.jwtSecret is set. */
  jwtSecret?: string
  clock?: Clock
  logger?: FastifyServerOptions['logger']
  /** Write the real logger's output (level, redaction, serializers) to this stream: tests capture logs with it. */
  logStream?: { write(msg: string): void }
}

const DEFAULT_WEB_DIST = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../web/dist')

/**
 * One access line per request, written when it completes (method, redacted URL, status, time), instead
 * of Fastify's two (incoming + completed): half the logging work on the resident hot path, same facts.
 */
class OneLineRequestLog extends LogController {
  override incomingRequest(): void {}
  override requestCompleted(error: Error | null, request: FastifyRequest, reply: FastifyReply): void {
    if (this.isLogDisabled(request)) return
    const line = { req: request, res: reply, responseTime: reply.elapsedTime }
    if (error) reply.log.error({ ...line, err: error }, 'request errored')
    else reply.log.info(line, 'request completed')
  }
}

/** Build the app (plugins, error funnel, routes). Never listens: server.ts does. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config, db } = deps
  const clock = deps.clock ?? systemClock
  const secret = deps.jwtSecret ?? config.auth.jwtSecret
  if (!secret || secret.length < 32) throw new Error('a JWT secret of at least 32 characters is required')

  const app = Fastify({
    logger: deps.logger ?? {
      level: config.log.level,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      serializers: {
        // resident routes: no token fingerprint and at most the /24 of the address (TRUST.md §2.5)
        req: (req) => ({ method: req.method, url: redactUrl(req.url), remoteAddress: isResidentPath(req.url) ? coarseIp(req.ip) : req.ip }),
      },
      ...(deps.logStream ? { stream: deps.logStream } : {}),
    },
    logController: new OneLineRequestLog(),
    bodyLimit: config.http.bodyLimit,
    trustProxy: config.http.trustProxy,
    requestTimeout: config.http.requestTimeoutMs,
    connectionTimeout: config.http.connectionTimeoutMs,
    keepAliveTimeout: config.http.keepAliveTimeoutMs,
    routerOptions: { maxParamLength: 200 },
    // Errors raised before routing (malformed URL, parameter too long) still leave in the envelope.
    frameworkErrors: (err, _req, reply) => {
      const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 400
      const raw = reply as unknown as { code(n: number): { send(body: unknown): void } }
      raw.code(status).send({ error: { code: 'validation_failed', message: 'the request URL is not valid' } })
    },
  }).withTypeProvider<ZodTypeProvider>()
  // Node's default headersTimeout (60 s) outlives requestTimeout; headers alone must not get longer than a request.
  app.server.headersTimeout = Math.min(app.server.headersTimeout, config.http.requestTimeoutMs)
  app.setValidatorCompiler(validatorCompiler)
  app.setSerializerCompiler(serializerCompiler)

  await app.register(errorsPlugin)
  await app.register(servicesPlugin, { db, config, clock })
  // pending ballots land (and the WAL is truncated) on a timer of their own, never inside a request
  app.addHook('onReady', async () => app.services.ballots.startLanding((err) => app.log.error({ err }, 'ballot landing failed')))
  app.addHook('onClose', async () => app.services.ballots.stopLanding())
  await app.register(authPlugin, { secret, ttlMinutes: config.auth.jwtTtlMinutes })
  await app.register(securityHeadersPlugin)
  await app.register(swaggerPlugin)
  // Per-IP limits, enabled per route (the resident endpoints); 429 goes through the error funnel.
  await app.register(rateLimit, {
    global: false,
    // one store shared by all routes, so routes with the same groupId draw on one budget per IP
    store: SharedWindowStore as unknown as NonNullable<Parameters<typeof rateLimit>[1]>['store'],
    errorResponseBuilder: (_req, ctx) =>
      tooManyRequests(Math.max(1, Math.ceil(ctx.ttl / 1000)), 'Quá nhiều yêu cầu, vui lòng thử lại sau ít phút.'),
  })

  app.get('/api/health', { schema: { tags: ['health'], security: [], response: { 200: Health } } }, async () => ({ status: 'ok' as const }))
  await app.register(authRoutes, { prefix: '/api/auth' })
  await app.register(userRoutes, { prefix: '/api/users' })
  await app.register(unitRoutes, { prefix: '/api/units' })
  await app.register(householdRoutes, { prefix: '/api/units' })
  await app.register(questionnaireRoutes, { prefix: '/api' })
  await app.register(roundRoutes, { prefix: '/api/rounds' })
  await app.register(invitationRoutes, { prefix: '/api/rounds' })
  await app.register(paperRoutes, { prefix: '/api/rounds' })
  await app.register(ballotStaffRoutes, { prefix: '/api/rounds' })
  await app.register(tallyRoutes, { prefix: '/api/rounds' })
  await app.register(residentRoutes, { prefix: '/api' })
  await app.register(assistedBallotRoutes, { prefix: '/api' })
  await app.register(integrityRoutes, { prefix: '/api/rounds' })
  await app.register(requestStaffRoutes, { prefix: '/api/rounds' })
  await app.register(publicRequestRoutes)
  await app.register(slipCodeRoutes)
  await app.register(followUpRoutes, { prefix: '/api' })
  await app.register(overviewRoutes, { prefix: '/api/units' })
  await app.register(reportRoutes, { prefix: '/api/rounds' })
  await app.register(councilRoutes, { prefix: '/api/rounds' })
  await app.register(feedbackRoutes, { prefix: '/api' })
  await app.register(publicRoutes)
  await app.register(messagingRoutes, { prefix: '/api/rounds' })
  // Zalo posts here; off mode has no webhook. The demo inbox exists only when Zalo is faked.
  if (config.zalo.mode !== 'off') await app.register(zaloWebhookRoutes)
  await app.register(zaloOaRoutes)
  if (config.zalo.mode === 'fake') await app.register(zaloDemoRoutes)
  await app.register(webPlugin, { dist: config.web.dist ?? DEFAULT_WEB_DIST })

  return app
}
