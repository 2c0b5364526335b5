import type { FastifyInstance, RouteOptions } from 'fastify'

/** A registered route as the onRoute hook saw it (HEAD routes dropped). */
export interface RouteInfo {
  method: string
  url: string
  /** "METHOD /path", the key of tests/security/authz-matrix.ts. */
  key: string
  params: string[]
  hasBody: boolean
  bodyLimit: number | undefined
  rateLimited: boolean
  /** Keys of the querystring schema (zod object), when declared. */
  queryKeys: string[]
  /** Status codes with a declared response schema (`schema.response`). */
  responseStatuses: string[]
  /** Whether the route is left out of the OpenAPI document. */
  hidden: boolean
  /** The declared schemas themselves (zod), for checking where they come from. */
  schemas: { body?: unknown; querystring?: unknown; params?: unknown; response: Record<string, unknown> }
}

const tables = new WeakMap<object, RouteInfo[]>()

/**
 * vi.mock factory for 'fastify': every instance created by buildApp gets an onRoute hook before any
 * route is registered, so the test sees the real route table (and new routes as soon as they land).
 * Use in a test file: `vi.mock('fastify', async (orig) => (await import('./helpers/route-table.js')).recordRoutes(orig))`.
 */
export async function recordRoutes(importOriginal: () => Promise<unknown>) {
  const mod = (await importOriginal()) as typeof import('fastify')
  const original = mod.default
  const wrapped = ((opts?: Parameters<typeof original>[0]) => {
    const app = original(opts)
    const list: RouteInfo[] = []
    tables.set(app, list)
    app.addHook('onRoute', (r: RouteOptions) => {
      // `/api/users` and `/api/users/` are one route for the matrix.
      const url = r.url.length > 1 ? r.url.replace(/\/$/, '') : r.url
      for (const method of [r.method].flat()) {
        if (method === 'HEAD') continue
        list.push({
          method,
          url,
          key: `${method} ${url}`,
          params: [...url.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1] as string),
          hasBody: ['POST', 'PUT', 'PATCH'].includes(method),
          bodyLimit: r.bodyLimit,
          rateLimited: Boolean((r.config as { rateLimit?: unknown } | undefined)?.rateLimit),
          queryKeys: Object.keys((r.schema?.querystring as { shape?: Record<string, unknown> } | undefined)?.shape ?? {}),
          responseStatuses: Object.keys((r.schema?.response as Record<string, unknown> | undefined) ?? {}),
          hidden: Boolean((r.schema as { hide?: boolean } | undefined)?.hide),
          schemas: {
            body: r.schema?.body,
            querystring: r.schema?.querystring,
            params: r.schema?.params,
            response: (r.schema?.response as Record<string, unknown> | undefined) ?? {},
          },
        })
      }
    })
    return app
  }) as unknown as typeof original
  Object.assign(wrapped, original)
  return { ...mod, default: wrapped, fastify: wrapped }
}

/**
 * Routes that are neither staff nor resident API: the OpenAPI document and its UI, and static files of
 * the built web app (their names carry a content hash, so they come and go with each build).
 */
export function isExcluded(url: string): boolean {
  return url === '/api/openapi.json' || url.startsWith('/api/docs') || /^\/(?!api\/)[^:*]*\.[A-Za-z0-9]+$/.test(url)
}

/** The deduplicated route table of an app built while the mock above was active. */
export function routeTable(app: FastifyInstance): RouteInfo[] {
  const list = tables.get(app)
  if (!list) throw new Error('no route table: is vi.mock("fastify", recordRoutes) active in this test file?')
  const seen = new Map<string, RouteInfo>()
  for (const r of list) if (!isExcluded(r.url) && !seen.has(r.key)) seen.set(r.key, r)
  return [...seen.values()]
}
