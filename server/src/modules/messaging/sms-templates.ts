/**
 * SMS texts as registered templates. eSMS customer-care SMS (SmsType 2) must match a text registered for the
 * brandname, else the gateway answers 146 (docs/zalo-notes.md §4): so the sender never composes free text, it fills
 * the registered templates given in SMS_TEMPLATES_JSON, and only their declared variables.
 *
 * `{"invitation": ["MTTQ {commune}: Moi ho ... han {due}: {url}", …], "reminder": […]}`: per kind, the registered
 * texts from longest to shortest; the first that fits one GSM-7 SMS once filled is sent.
 */
import { z } from 'zod'

export const SMS_VARIABLES = ['commune', 'due', 'url'] as const
export type SmsVariable = (typeof SMS_VARIABLES)[number]
export type SmsKind = 'invitation' | 'reminder'
export interface SmsTemplates {
  readonly invitation: readonly string[]
  readonly reminder: readonly string[]
}

/**
 * The texts the demo's fake gateway has registered (unaccented: with diacritics an SMS is UCS-2, 70 characters a part,
 * and an invitation with its link would take three). A live deployment registers its own and lists them.
 */
export const DEFAULT_SMS_TEMPLATES: SmsTemplates = {
  invitation: [
    'MTTQ {commune}: Moi ho gia dinh cho y kien muc do hai long ve NTM, han {due}. Link rieng cua ho: {url}',
    'MTTQ {commune}: Moi ho cho y kien hai long NTM, han {due}: {url}',
    'MTTQ: Moi ho cho y kien hai long NTM, han {due}: {url}',
    'MTTQ: Moi ho cho y kien NTM: {url}',
  ],
  reminder: [
    'MTTQ {commune}: Nhac lai: moi ho gia dinh cho y kien muc do hai long ve NTM, han {due}. Link rieng cua ho: {url}',
    'MTTQ {commune}: Nhac lai: moi ho cho y kien hai long NTM, han {due}: {url}',
    'MTTQ: Nhac lai: moi ho cho y kien hai long NTM, han {due}: {url}',
    'MTTQ: Nhac lai: moi ho cho y kien NTM: {url}',
  ],
}

const PLACEHOLDER = /\{([a-z_]+)\}/g

const Template = z
  .string()
  .min(1)
  .max(480)
  .refine((t) => [...t.matchAll(PLACEHOLDER)].every((m) => (SMS_VARIABLES as readonly string[]).includes(m[1] as string)), {
    message: `only the variables ${SMS_VARIABLES.map((v) => `{${v}}`).join(', ')}`,
  })
  .refine((t) => t.includes('{url}'), { message: 'each text needs {url}: the household’s personal link' })

export const SmsTemplatesSchema = z.object({
  invitation: z.array(Template).min(1).max(20),
  reminder: z.array(Template).min(1).max(20),
})

/** Every registered text, for the fake gateway's register. */
export function allSmsTemplates(t: SmsTemplates): string[] {
  return [...new Set([...t.invitation, ...t.reminder])]
}

export function fillSmsTemplate(template: string, values: Record<SmsVariable, string>): string {
  return template.replace(PLACEHOLDER, (_m, name: string) => values[name as SmsVariable] ?? '')
}
