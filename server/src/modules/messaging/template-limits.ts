/**
 * The ZNS template's parameter limits as Zalo has them registered (template-info API, docs/zalo-notes.md §6): read
 * at start-up and again before a round's first send in this process, cached in between. If Zalo cannot be asked,
 * the built-in limits (template-data.ts) are used — a value cut too long is refused by Zalo with -1121 and shows.
 */
import { SURVEY_TEMPLATE_PARAMS, type TemplateParam } from './template-data.js'
import type { TokenManager } from './token-manager.js'
import type { ZaloClient } from './zalo-client.js'

/** The last limits read, where the staff side (round wizard, round routes) finds them without asking Zalo itself. */
export interface TemplateLimitsSnapshot {
  params: readonly TemplateParam[]
  source: 'zalo' | 'builtin'
}
export function createTemplateLimitsStore() {
  let current: TemplateLimitsSnapshot | null = null
  return {
    current: (): TemplateLimitsSnapshot => current ?? { params: SURVEY_TEMPLATE_PARAMS, source: 'builtin' },
    set(s: TemplateLimitsSnapshot): void {
      current = s
    },
  }
}
export type TemplateLimitsStore = ReturnType<typeof createTemplateLimitsStore>

/** The limit of `round_name`, the parameter that carries the round title (template-data.ts). */
export function roundTitleMax(params: readonly TemplateParam[]): number | null {
  return params.find((p) => p.name === 'round_name')?.maxLength ?? null
}

export function createTemplateLimits(deps: {
  client: Pick<ZaloClient, 'templateInfo'>
  tokens: Pick<TokenManager, 'accessToken'>
  templateId: string
  log?: { warn(o: object, msg: string): void }
  store?: TemplateLimitsStore
}) {
  let cached: Promise<readonly TemplateParam[]> | null = null
  const rounds = new Set<string>()

  async function fetchParams(): Promise<readonly TemplateParam[]> {
    const token = await deps.tokens.accessToken()
    if (!token) return SURVEY_TEMPLATE_PARAMS
    const r = await deps.client.templateInfo(token, deps.templateId)
    if (r.ok) {
      deps.store?.set({ params: r.params, source: 'zalo' })
      return r.params
    }
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
