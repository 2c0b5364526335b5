import { ApiError } from '@app/shared'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod'
import { z } from 'zod'

/** OpenAPI 3 generated from the same zod schemas the routes validate with. */
export const swaggerPlugin = fp(
  async (app: FastifyInstance) => {
    // The error envelope is documented once, as components.schemas.ApiError, and referenced by every route.
    if (!z.globalRegistry.has(ApiError)) z.globalRegistry.add(ApiError, { id: 'ApiError' })
    await app.register(swagger, {
      openapi: {
        openapi: '3.0.3',
        info: {
          title: 'Hài Lòng API',
          version: '0.1.0',
          description:
            'Resident-satisfaction surveys for NTM recognition. Every error answers `{ "error": { "code": "snake_case", "message": "…", "details"?: {…} } }` ' +
            '(400 validation_failed | invalid_json, 401 unauthorized, 403 forbidden, 404 not_found, 409 conflicts, 413 payload_too_large, 429 rate_limited, 500 internal). ' +
            'Rates and coverage are fractions in [0, 1]; ids are strings; times ISO 8601.',
        },
        tags: [
          { name: 'health', description: 'Liveness' },
          { name: 'auth', description: 'Staff login' },
          { name: 'users', description: 'Staff accounts (admin)' },
          { name: 'units', description: 'Province → (legacy district) → commune → village' },
          { name: 'households', description: 'Household frame per village' },
          { name: 'questionnaires', description: 'Criteria sets and questionnaire templates (versioned)' },
          { name: 'rounds', description: 'Survey rounds: draft → open → closed → sealed' },
          { name: 'invitations', description: 'Personal links: print slips, Zalo/SMS queue, revoke and reissue' },
          { name: 'ballots', description: 'Paper and meeting ballots, double entry, invalidation, ledger' },
          { name: 'tally', description: 'Tally, verdict, recount, seal' },
          { name: 'resident', description: 'The resident form API (no login: the link token is the credential)' },
          { name: 'integrity', description: 'Anomaly signals for reviewers (prompts to look, not verdicts)' },
          { name: 'requests', description: '"Hộ tôi chưa được hỏi ý kiến": public requests and their resolution by staff' },
          { name: 'follow-up', description: 'Re-survey follow-up: candidate villages and per-criterion trends' },
          { name: 'overview', description: 'Province / district overview of communes and per-commune trend' },
          { name: 'reports', description: 'Minutes PDF, village notices, CSV/XLSX exports of sealed rounds' },
          { name: 'council', description: 'Appraisal council decisions and re-survey rounds' },
          { name: 'feedback', description: 'Feedback inbox: dissatisfied reasons and comments, without identity' },
          { name: 'public', description: 'Public verify page of sealed results (no login)' },
          { name: 'messaging', description: 'Zalo/SMS invitations: per-round status, retry, reminder policy; the Zalo webhook' },
        ],
        components: {
          securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
        },
        security: [{ bearerAuth: [] }],
      },
      transform: jsonSchemaTransform,
      transformObject: jsonSchemaTransformObject,
    })
    // Outside the demo the route map is for staff: a bearer token is needed unless PUBLIC_API_DOCS=true.
    const guard = app.config.publicApiDocs ? {} : { onRequest: app.authenticate }
    // The docs page's own CSP: swagger-ui sets inline styles (without 'unsafe-inline' every page load logs a CSP
    // error) and must not ask validator.swagger.io about our spec (validatorUrl null: no third party).
    await app.register(swaggerUi, {
      routePrefix: '/api/docs',
      staticCSP:
        "default-src 'self'; base-uri 'self'; font-src 'self' data:; frame-ancestors 'none'; img-src 'self' data:; " +
        "object-src 'none'; script-src 'self'; script-src-attr 'none'; style-src 'self' 'unsafe-inline'",
      uiConfig: { validatorUrl: null },
      uiHooks: guard,
    })
    app.get('/api/openapi.json', { schema: { hide: true }, ...guard }, async () => app.swagger())
  },
  { name: 'swagger', dependencies: ['auth'] },
)
