import {
  ApiError,
  CreateUnitBody,
  IdParams,
  items,
  LinkChannelSetting,
  SetLinkChannelBody,
  Unit,
  UnitListQuery,
  UpdateUnitBody,
} from '@app/shared'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'

const tags = ['units']

export const unitRoutes: FastifyPluginAsyncZod = async (app) => {
  app.addHook('onRequest', app.authenticate)

  app.get(
    '/',
    { schema: { tags, summary: 'Units in your scope', querystring: UnitListQuery, response: { 200: items(Unit) } } },
    async (req) => ({ items: await app.services.units.list(req.actor, req.query) }),
  )

  app.get(
    '/:id',
    { schema: { tags, summary: 'One unit (404 outside your scope)', params: IdParams, response: { 200: Unit, 404: ApiError } } },
    async (req) => app.services.units.get(req.actor, req.params.id),
  )

  app.post(
    '/',
    {
      schema: {
        tags,
        summary: 'Create a unit',
        body: CreateUnitBody,
        response: { 201: Unit, 400: ApiError, 404: ApiError, 409: ApiError },
      },
    },
    async (req, reply) => reply.code(201).send(await app.services.units.create(req.actor, req.body)),
  )

  app.patch(
    '/:id',
    {
      schema: {
        tags,
        summary: 'Rename, recode, set effective dates or successor',
        params: IdParams,
        body: UpdateUnitBody,
        response: { 200: Unit, 400: ApiError, 404: ApiError, 409: ApiError },
      },
    },
    async (req) => app.services.units.update(req.actor, req.params.id, req.body),
  )

  app.get(
    '/:id/link-channel',
    {
      schema: {
        tags,
        summary: "Whether the unit's province allows opinions through personal links (QR, Zalo, SMS), with its legal basis",
        params: IdParams,
        response: { 200: LinkChannelSetting, 404: ApiError },
      },
    },
    async (req) => app.services.units.linkChannel(req.actor, req.params.id),
  )

  app.put(
    '/:id/link-channel',
    {
      schema: {
        tags,
        summary: 'Allow or stop the link channel in a province, with the legal basis (admin, the province Front staff)',
        params: IdParams,
        body: SetLinkChannelBody,
        response: { 200: LinkChannelSetting, 400: ApiError, 403: ApiError, 404: ApiError },
      },
    },
    async (req) => app.services.units.setLinkChannel(req.actor, req.params.id, req.body),
  )
}
