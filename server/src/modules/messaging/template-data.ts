/**
 * Template-data hygiene (ZALO.md §1.6, §8.6): values are NFC-normalised strings (NFD inflates Vietnamese by ~28 %
 * and trips -1121), cut to the template's `maxLength` counted in code points on NFC text, required params present,
 * URL params http(s) and ≤ 200 chars. Checked locally so a bad value is a bug we see, not a -112x from Zalo.
 */
export interface TemplateParam {
  name: string
  require: boolean
  type: 'STRING' | 'URL'
  maxLength: number
}

/** The survey-invitation template (the fake's default `231677` has the same parameters). */
export const SURVEY_TEMPLATE_PARAMS: readonly TemplateParam[] = [
  { name: 'customer_name', require: true, type: 'STRING', maxLength: 30 },
  { name: 'round_name', require: false, type: 'STRING', maxLength: 100 },
  { name: 'survey_url', require: true, type: 'URL', maxLength: 200 },
]

export type TemplateDataResult = { ok: true; data: Record<string, string> } | { ok: false; code: string; param: string }

/** Cut to `max` code points of NFC text, ending with "…" when cut (never splits a surrogate pair). */
export function truncateNfc(value: string, max: number): string {
  const chars = [...value.normalize('NFC').replace(/\s+/g, ' ').trim()]
  if (chars.length <= max) return chars.join('')
  return `${chars
    .slice(0, Math.max(0, max - 1))
    .join('')
    .trimEnd()}…`
}

export function isHttpUrl(v: string, maxLength = 200): boolean {
  if (v.length > maxLength || !/^https?:\/\//i.test(v)) return false
  try {
    new URL(v)
    return true
  } catch {
    return false
  }
}

/** Normalise and validate `values` against `params`. Free-text params are truncated; URLs are never cut. */
export function buildTemplateData(params: readonly TemplateParam[], values: Record<string, string | null | undefined>): TemplateDataResult {
  const data: Record<string, string> = {}
  for (const p of params) {
    const raw = values[p.name]
    if (raw === undefined || raw === null || raw.trim() === '') {
      if (p.require) return { ok: false, code: 'template_param_missing', param: p.name }
      continue
    }
    if (p.type === 'URL') {
      const url = raw.normalize('NFC').trim()
      if (!isHttpUrl(url, p.maxLength)) return { ok: false, code: 'template_url_invalid', param: p.name }
      data[p.name] = url
    } else {
      data[p.name] = truncateNfc(raw, p.maxLength)
    }
  }
  return { ok: true, data }
}
