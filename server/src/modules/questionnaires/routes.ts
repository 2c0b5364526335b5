import {
  ApiError,
  CreateCriteriaSetBody,
  CreateRuleSetBody,
  CreateTemplateBody,
  CriteriaSet,
  IdParams,
  items,
  LevelDefaults,
  QuestionnaireTemplate,
  RuleSet,
} from '@app/shared'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'

const tags = ['questionnaires']

export const questionnaireRoutes: FastifyPluginAsyncZod = async (app) => {
  app.addHook('onRequest', app.authenticate)

  app.get(
    '/levels',
    {
      schema: {
        tags,
        summary: 'Recognition levels with their default threshold and coverage floor (configuration)',
        response: {
          200: items(LevelDefaults),
        },
      },
    },
    async () => ({ items: Object.entries(app.config.levels).map(([key, l]) => ({ key, ...l })) }),
  )

  app.get(
    '/questionnaire-templates',
    {
      schema: {
        tags,
        summary: 'Questionnaire templates (all versions)',
        response: { 200: items(QuestionnaireTemplate) },
      },
    },
    async () => ({ items: await app.services.questionnaires.listTemplates() }),
  )
  app.get(
    '/questionnaire-templates/:id',
    { schema: { tags, summary: 'One template', params: IdParams, response: { 200: QuestionnaireTemplate, 404: ApiError } } },
    async (req) => app.services.questionnaires.getTemplate(req.params.id),
  )
  app.post(
    '/questionnaire-templates',
    {
      schema: {
        tags,
        summary: 'Create a new template version (admin)',
        body: CreateTemplateBody,
        response: { 201: QuestionnaireTemplate, 400: ApiError, 403: ApiError, 404: ApiError },
      },
    },
    async (req, reply) => reply.code(201).send(await app.services.questionnaires.createTemplate(req.actor, req.body)),
  )
  app.get(
    '/criteria-sets',
    { schema: { tags, summary: 'Criteria sets (all versions)', response: { 200: items(CriteriaSet) } } },
    async () => ({ items: await app.services.questionnaires.listCriteriaSets() }),
  )
  app.post(
    '/criteria-sets',
    {
      schema: {
        tags,
        summary: 'Create a new criteria set version (admin)',
        body: CreateCriteriaSetBody,
        response: { 201: CriteriaSet, 400: ApiError, 403: ApiError },
      },
    },
    async (req, reply) => reply.code(201).send(await app.services.questionnaires.createCriteriaSet(req.actor, req.body)),
  )
  app.get(
    '/rule-sets',
    {
      schema: {
        tags,
        summary: 'Rule sets (all versions): the bars a result must clear, with their legal basis',
        response: { 200: items(RuleSet) },
      },
    },
    async () => ({ items: await app.services.questionnaires.listRuleSets() }),
  )
  app.get(
    '/rule-sets/:id',
    { schema: { tags, summary: 'One rule set', params: IdParams, response: { 200: RuleSet, 404: ApiError } } },
    async (req) => app.services.questionnaires.getRuleSet(req.params.id),
  )
  app.post(
    '/rule-sets',
    {
      schema: {
        tags,
        summary: 'Add a rule set version (admin, or the Front staff of a province for that province)',
        body: CreateRuleSetBody,
        response: { 201: RuleSet, 400: ApiError, 403: ApiError },
      },
    },
    async (req, reply) => reply.code(201).send(await app.services.questionnaires.createRuleSet(req.actor, req.body)),
  )
}
