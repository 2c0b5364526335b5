import { existsSync } from 'node:fs'
import { join } from 'node:path'
import fastifyStatic from '@fastify/static'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { respondPagePlugin } from './respond-page.js'

const FAVICON_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#7f1d1d"/>' +
  '<path fill="#fde047" d="M8 2.5l1.6 3.4 3.7.4-2.8 2.5.8 3.7L8 10.6l-3.3 1.9.8-3.7-2.8-2.5 3.7-.4z"/></svg>'

/**
 * Serves the built web app: `/` (staff login), `/app/*` (staff SPA), `/r/:token` (resident form) and
 * `/verify` (receipt check). Assets are sent pre-compressed (brotli/gzip) when the client accepts it.
 * The resident page is one self-contained response (respond-page.ts). Without a build (API-only runs,
 * tests) these paths answer a short hint instead.
 */
export const webPlugin = fp(
  async (app: FastifyInstance, opts: { dist: string }) => {
    const has = (f: string) => existsSync(join(opts.dist, f))
    if (existsSync(opts.dist)) {
      await app.register(fastifyStatic, {
        root: opts.dist,
        prefix: '/',
        index: false,
        wildcard: false,
        cacheControl: false,
        preCompressed: true,
      })
      app.addHook('onSend', async (req, reply, payload) => {
        if (req.url.startsWith('/assets/')) reply.header('cache-control', 'public, max-age=31536000, immutable')
        return payload
      })
    }
    const sendPage = (reply: import('fastify').FastifyReply, file: string) => {
      if (!has(file))
        return reply
          .type('text/plain; charset=utf-8')
          .send('Hài Lòng API is running. Build the web app with `pnpm --filter @app/web build`.')
      reply.header('cache-control', 'no-cache')
      return reply.sendFile(file)
    }
    const page = (file: string) => async (_req: unknown, reply: import('fastify').FastifyReply) => sendPage(reply, file)
    const hide = { schema: { hide: true } }
    // Pages rendered by the server (public results, "Hộ tôi chưa được hỏi ý kiến", the API docs) name no icon,
    // so browsers ask for /favicon.ico: answer the app's star instead of a 404 in every console.
    app.get('/favicon.ico', hide, async (_req, reply) =>
      reply.type('image/svg+xml').header('cache-control', 'public, max-age=86400').send(FAVICON_SVG),
    )
    app.get('/', hide, page('index.html'))
    app.get('/app', hide, page('index.html'))
    app.get('/app/*', hide, page('index.html'))
    await app.register(respondPagePlugin, { dist: opts.dist, fallback: sendPage })
  },
  { name: 'web' },
)
