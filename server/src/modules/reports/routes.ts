import { ApiError, IdParams, MinutesMeta } from '@app/shared'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'

const tags = ['reports']
const Err = { 403: ApiError, 404: ApiError, 409: ApiError }
const file = (mime: string) => z.any().describe(mime)
/** Exports speak Vietnamese to people by default; `?headers=codes` gives the machine columns. */
const ExportQuery = z.object({ headers: z.enum(['vi', 'codes']).default('vi') })
const disposition = (name: string) => `attachment; filename="${name}"`
/** Comma is the contract; semicolon is what Excel set to Vietnamese splits on. */
const CsvQuery = ExportQuery.extend({ delimiter: z.enum(['comma', 'semicolon']).default('comma') })

/** Mounted under /api/rounds. Sealed rounds only; Front staff and council in scope. */
export const reportRoutes: FastifyPluginAsyncZod = async (app) => {
  app.addHook('onRequest', app.authenticate)
  const s = () => app.services.reports

  app.get(
    '/:id/minutes.pdf',
    {
      schema: {
        tags,
        summary: 'Official minutes / report of the survey (Vietnamese PDF) with the ledger root hash and a QR to the verify page',
        params: IdParams,
        response: { 200: file('application/pdf'), ...Err },
      },
    },
    async (req, reply) => {
      const pdf = await s().minutesPdf(req.actor, req.params.id)
      return reply
        .type('application/pdf')
        .header('content-disposition', disposition(`bien-ban-${req.params.id}.pdf`))
        .send(pdf)
    },
  )
  app.get(
    '/:id/minutes-meta',
    {
      schema: {
        tags,
        summary:
          'The tallying meeting the minutes print (time, place, participants with roles, recipients, ballots handed out); null until entered',
        params: IdParams,
        response: { 200: MinutesMeta.nullable(), 404: ApiError },
      },
    },
    async (req) => s().minutesMeta(req.actor, req.params.id),
  )
  app.put(
    '/:id/minutes-meta',
    {
      schema: {
        tags,
        summary: 'Record the tallying meeting while the round is closed, before sealing (Front staff managing the round)',
        params: IdParams,
        body: MinutesMeta,
        response: { 200: MinutesMeta, 400: ApiError, 403: ApiError, 404: ApiError, 409: ApiError },
      },
    },
    async (req) => s().setMinutesMeta(req.actor, req.params.id, req.body),
  )
  app.get(
    '/:id/notices.pdf',
    {
      schema: {
        tags,
        summary: 'One A4 notice per village for the notice board (fewer than 5 valid ballots suppressed; no free text)',
        params: IdParams,
        response: { 200: file('application/pdf'), ...Err },
      },
    },
    async (req, reply) => {
      const pdf = await s().noticesPdf(req.actor, req.params.id)
      return reply
        .type('application/pdf')
        .header('content-disposition', disposition(`thong-bao-${req.params.id}.pdf`))
        .send(pdf)
    },
  )
  app.get(
    '/:id/export.csv',
    {
      schema: {
        tags,
        summary:
          'One record per ballot (UTF-8 with BOM, streamed); never household identity; formulas neutralised. `delimiter=semicolon` for Excel in Vietnamese',
        params: IdParams,
        querystring: CsvQuery,
        response: { 200: file('text/csv'), ...Err },
      },
    },
    async (req, reply) => {
      const stream = await s().exportCsv(req.actor, req.params.id, req.query.headers, req.query.delimiter === 'semicolon' ? ';' : ',')
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', disposition(`phieu-${req.params.id}.csv`))
        .send(stream)
    },
  )
  app.get(
    '/:id/export.xlsx',
    {
      schema: {
        tags,
        summary: 'XLSX (streamed): village tallies, per-question sheet and one row per ballot',
        params: IdParams,
        querystring: ExportQuery,
        response: { 200: file('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'), ...Err },
      },
    },
    async (req, reply) => {
      const stream = await s().exportXlsx(req.actor, req.params.id, req.query.headers)
      return reply
        .type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
        .header('content-disposition', disposition(`ket-qua-${req.params.id}.xlsx`))
        .send(stream)
    },
  )
}
