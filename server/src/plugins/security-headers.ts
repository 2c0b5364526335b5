import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import helmet from 'helmet'

/**
 * Security headers on every response, with a strict CSP for both web entries: scripts only from
 * our origin (the resident page adds its inlined module by sha256 hash), no framing, no plugins.
 * Inline styles are allowed because Svelte sets style attributes; no third-party origin appears anywhere.
 *
 * helmet's middleware is built once and applied in one onRequest hook. (@fastify/helmet rebuilt it —
 * parsing the CSP directives — on every request, a measurable share of a resident request's CPU.)
 */
export const securityHeadersPlugin = fp(
  async (app: FastifyInstance) => {
    const apply = helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'", "'unsafe-inline'"],
          imgSrc: ["'self'", 'data:', 'blob:'],
          fontSrc: ["'self'"],
          connectSrc: ["'self'"],
          objectSrc: ["'none'"],
          baseUri: ["'self'"],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
        },
      },
      crossOriginEmbedderPolicy: false,
      referrerPolicy: { policy: 'no-referrer' },
      // HSTS only when the public address is https: on a plain-http install (the demo, a LAN) it would be
      // ignored at best and lock a browser out of a later http install on the same name at worst.
      strictTransportSecurity: app.config.links.publicBaseUrl.startsWith('https://')
        ? { maxAge: 365 * 24 * 3600, includeSubDomains: false }
        : false,
    })
    app.addHook('onRequest', (req, reply, done) => {
      apply(req.raw, reply.raw, (err?: unknown) => done(err as Error | undefined))
    })
  },
  { name: 'security-headers', dependencies: ['services'] },
)
