/**
 * The ZNS template's parameter limits as Zalo has them registered (template-info API, docs/zalo-notes.md §6): read
 * at start-up and again before a round's first send in this process, cached in between. If Zalo cannot be asked,
 * the built-in limits (template-data.ts) are used — a value cut too long is refused by Zalo with -1121 and shows.
 */
import { SURVEY_TEMPLATE_PARAMS, type TemplateParam } from './template-data.js'
import type { TokenManager } from './token-manager.js'
import type { ZaloClient } from './zalo-client.js'

export function createTemplateLimits(deps: {
  client: Pick<ZaloClient, 'templateInfo'>
  tokens: Pick<TokenManager, 'accessToken'>
  templateId: string
  log?: { warn(o: object, msg: string): void }
}) {
  let cached: Promise<readonly TemplateParam[]> | null = null
  const rounds = new Set<string>()

  async function fetchParams(): Promise<readonly TemplateParam[]> {
    const token = await deps.tokens.accessToken()
    if (!token) return SURVEY_TEMPLATE_PARAMS
    const r = await deps.client.templateInfo(token, deps.templateId)
    if (r.ok) return r.params
    deps.log?.warn({ code: r.code }, 'zalo: template info unavailable, using the built-in parameter limits')
    cached = null
    return SURVEY_TEMPLATE_PARAMS
  }

  return {
    /** Read again now (start-up). */
    refresh(): Promise<readonly TemplateParam[]> {
      cached = fetchParams()
      return cached
    },
    /** The limits for a send of this round: read again on the round's first send in this process, cached after. */
    forRound(roundId: string): Promise<readonly TemplateParam[]> {
      if (!rounds.has(roundId)) {
        rounds.add(roundId)
        cached = fetchParams()
      }
      cached ??= fetchParams()
      return cached
    },
  }
}
export type TemplateLimits = ReturnType<typeof createTemplateLimits>
