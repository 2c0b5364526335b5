import {
  ApiError,
  CreateHouseholdBody,
  Household,
  HouseholdImportQuery,
  HouseholdListQuery,
  HouseholdParams,
  Id,
  ImportResult,
  paged,
  UpdateHouseholdBody,
} from '@app/shared'
import fastifyMultipart from '@fastify/multipart'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { detectKind } from './parse.js'
import { importError } from './reader.js'

const tags = ['households']
const FILE_TYPES = [
  'text/csv',
  'text/plain',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/octet-stream',
]

/** Mounted under /api/units: households belong to a village, imports to a commune. */
export const householdRoutes: FastifyPluginAsyncZod = async (app) => {
  app.addHook('onRequest', app.authenticate)
  // Household files arrive as the raw request body (CSV text or an XLSX workbook)…
  app.addContentTypeParser(FILE_TYPES, { parseAs: 'buffer', bodyLimit: app.config.imports.maxBytes }, (_req, body, done) =>
    done(null, body),
  )
  // …or as the one file of a browser form (multipart/form-data), under the same size limit.
  await app.register(fastifyMultipart, {
    limits: { fileSize: app.config.imports.maxBytes, files: 1, fields: 10, fieldSize: 1024, parts: 20, headerPairs: 100 },
  })

  app.post(
    '/:communeId/households/import',
    {
      bodyLimit: app.config.imports.maxBytes,
      schema: {
        tags,
        summary: 'Import households from CSV (UTF-8) or XLSX',
        description:
          'Body: the file itself, `Content-Type: text/csv` or the XLSX MIME type; or a `multipart/form-data` form with one file field. Limits: IMPORT_MAX_BYTES (413), inflated XLSX size (413), rows, columns, cell length (400 invalid_file with `details.reason`). Header `village_code,household_code,head_name,phone,address` (Vietnamese aliases accepted). Upserts by village + household code. New households in a village of an open round: refused (409 frame_frozen) except for province Front staff or an admin with `?reason=` (422 reason_required without).',
        params: z.object({ communeId: Id }),
        querystring: HouseholdImportQuery,
        response: {
          200: ImportResult,
          400: ApiError,
          403: ApiError,
          404: ApiError,
          409: ApiError,
          413: ApiError,
          415: ApiError,
          422: ApiError,
        },
      },
    },
    async (req) => {
      let buffer: Buffer
      let contentType = req.headers['content-type']
      if (req.isMultipart()) {
        const part = await req.file()
        if (!part) throw importError('no_file', 'Biểu mẫu không kèm tệp nào (cần một tệp CSV hoặc XLSX).')
        // toBuffer() stops at IMPORT_MAX_BYTES with FST_REQ_FILE_TOO_LARGE (413)
        buffer = await part.toBuffer()
        contentType = part.mimetype
      } else buffer = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0)
      const kind = detectKind(contentType, buffer)
      return app.services.households.import(req.actor, req.params.communeId, { buffer, kind }, undefined, req.query.reason)
    },
  )

  app.get(
    '/:villageId/households',
    {
      schema: {
        tags,
        summary:
          "A village's households (paginated; phones only for admin and front staff; collectors only for their assigned villages; not council)",
        params: z.object({ villageId: Id }),
        querystring: HouseholdListQuery,
        response: { 200: paged(Household), 400: ApiError, 403: ApiError, 404: ApiError },
      },
    },
    async (req) => app.services.households.listByVillage(req.actor, req.params.villageId, req.query),
  )

  const FormErr = { 400: ApiError, 403: ApiError, 404: ApiError, 409: ApiError, 422: ApiError }
  app.post(
    '/:villageId/households',
    {
      schema: {
        tags,
        summary: 'Add one household to a village (Front staff or admin in scope)',
        description:
          'Code unique in the village (409 already_exists). A village of an open round: 409 frame_frozen for commune staff; province Front staff or an admin give `reason` (422 reason_required without), the round frame grows and the addition is audited.',
        params: z.object({ villageId: Id }),
        body: CreateHouseholdBody,
        response: { 201: Household, ...FormErr },
      },
    },
    async (req, reply) => reply.code(201).send(await app.services.households.createOne(req.actor, req.params.villageId, req.body)),
  )

  app.patch(
    '/:villageId/households/:householdId',
    {
      schema: {
        tags,
        summary: 'Edit one household: name, phone, address, or whether it is surveyed (`active`)',
        description:
          'Name, phone and address at any time. `active: true` joins the frame (as an addition: frame_frozen / reason_required in a village of an open round); `active: false` in a village of an open round: 409 frame_frozen for everyone until the round closes.',
        params: HouseholdParams,
        body: UpdateHouseholdBody,
        response: { 200: Household, ...FormErr },
      },
    },
    async (req) => app.services.households.updateOne(req.actor, req.params.villageId, req.params.householdId, req.body),
  )
}
