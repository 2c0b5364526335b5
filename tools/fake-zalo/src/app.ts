/**
 * Faithful fake of Zalo's ZNS / OA / OAuth HTTP API (ZALO.md §7) for tests and the demo.
 * `createFakeZalo` builds the Fastify app (never listens); `startFakeZalo` listens and returns `{ url, close, control }`.
 * All three real hosts are served by path on one origin, so the client points znsBaseUrl, oaBaseUrl and
 * oauthBaseUrl at the same `url` (§7 intro).
 */
import Fastify, { type FastifyInstance } from 'fastify'
import { FakeZaloControl, registerControlRoutes } from './control.ts'
import { FakeZaloCore, type FakeZaloOptions } from './core.ts'
import { registerZaloRoutes } from './routes.ts'

export { FakeClock, fixedClock } from './clock.ts'
export type { FakeZaloControl } from './control.ts'
export type { FakeZaloOptions, RecordedRequest, SentMessage } from './core.ts'
export type { FaultSpec } from './faults.ts'
export { DEFAULT_TEMPLATE_ID } from './registry.ts'
export { type Settings, type SettingsPatch, WEBHOOK_LADDERS } from './settings.ts'
export { appsecretProof } from './tokens.ts'
export { type Delivery, type Tamper, zaloMac } from './webhooks.ts'

export interface FakeZalo {
  app: FastifyInstance
  control: FakeZaloControl
}

export async function createFakeZalo(opts: FakeZaloOptions = {}): Promise<FakeZalo> {
  const core = new FakeZaloCore(opts)
  const control = new FakeZaloControl(core)
  // forceCloseConnections: `hang` faults hold sockets open; close() must not wait for them
  const app = Fastify({ logger: opts.logger ?? false, forceCloseConnections: true, bodyLimit: 1024 * 1024 })

  // Keep every body as raw bytes: checks need to answer -121/-122 themselves (§7.2 step 2), the OAuth endpoint
  // reads a form (§4), and the request log stores the raw body (§7.5).
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body))

  app.addHook('preHandler', async (req) => {
    const path = req.url.split('?')[0] ?? req.url
    if (path.startsWith('/__fake')) return
    core.requests.push({
      seq: core.requests.length + 1,
      at: core.clock.now(),
      method: req.method,
      url: req.url,
      path,
      headers: { ...req.headers },
      body: Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '',
    })
  })

  registerZaloRoutes(app, core)
  if (opts.controlPlane !== false) registerControlRoutes(app, control)
  app.addHook('onClose', async () => core.close())
  return { app, control }
}

export interface StartedFakeZalo extends FakeZalo {
  /** Base URL, e.g. http://127.0.0.1:54321 (no trailing slash). */
  url: string
  close(): Promise<void>
}

/** Listen (port 0 = random) and return the URL, a close function and the in-process control API. */
export async function startFakeZalo(opts: FakeZaloOptions & { port?: number; host?: string } = {}): Promise<StartedFakeZalo> {
  const { port = 0, host = '127.0.0.1', ...rest } = opts
  const { app, control } = await createFakeZalo(rest)
  await app.listen({ port, host })
  const addr = app.server.address()
  const actualPort = typeof addr === 'object' && addr ? addr.port : port
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${actualPort}`
  return { app, control, url, close: () => app.close() }
}
