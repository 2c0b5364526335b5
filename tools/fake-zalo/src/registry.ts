/**
 * What the fake "knows" about the world: recipients (phone → Zalo state, §7.2 step 8), templates
 * (id → params/status/night flag, §7.2 steps 4, 5, 9), development-mode admins (§7.2 step 7) and OA users
 * for `message/cs` (§7.3, 7-day window).
 */
import type { RecipientState } from './settings.ts'

export interface Recipient {
  state: RecipientState
  /** false = the message is "sent" but the phone never receives it: no receipt, status stays 0 (§3.2: absence of a receipt is the only failure signal). */
  receipt?: boolean
}

export type TemplateStatus = 'ENABLE' | 'PENDING_REVIEW' | 'REJECT' | 'DISABLE'

/** Mirrors Zalo's `listParams[{name, require, type, maxLength, minLength, acceptNull}]` (§1.1 template detail). */
export interface TemplateParam {
  name: string
  require: boolean
  /** 'URL' params must be http(s) and ≤ 200 chars (§1.6, §7.2 step 5); other types are length-checked only. */
  type: string
  maxLength: number
}

export interface Template {
  status: TemplateStatus
  params: TemplateParam[]
  /** §7.2 step 9: the night ban may be a per-template flag [U]. */
  nightBan: boolean
}

export interface OaUser {
  /** Fake-clock ms of the user's last interaction with the OA (§2.1 7-day rule). */
  lastInteractionAt: number
  userIdByApp?: string
}

/** The template the demo and the client tests use unless they register their own. */
export const DEFAULT_TEMPLATE_ID = '231677'

export function defaultTemplates(): Record<string, Template> {
  return {
    [DEFAULT_TEMPLATE_ID]: {
      status: 'ENABLE',
      nightBan: true,
      params: [
        { name: 'customer_name', require: true, type: 'STRING', maxLength: 30 },
        { name: 'round_name', require: false, type: 'STRING', maxLength: 100 },
        { name: 'survey_url', require: true, type: 'URL', maxLength: 200 },
      ],
    },
  }
}

const STRICT_PHONE = /^\+?84([35789]\d{8})$/
const LENIENT_PHONE = /^0?([35789]\d{8})$/

/**
 * §7.2 step 3: `^\+?84(3|5|7|8|9)\d{8}$`; lenient mode also `0…` and the leading-0-dropped form (§1.1, S8).
 * Returns the normalized `84…` phone or null.
 */
export function normalizePhone(phone: unknown, lenient: boolean): string | null {
  if (typeof phone !== 'string') return null
  const m = STRICT_PHONE.exec(phone) ?? (lenient ? LENIENT_PHONE.exec(phone) : null)
  return m ? `84${m[1]}` : null
}

/** Normalizes registry keys given by tests ("+8490…", "090…" or "8490…"). */
export function phoneKey(phone: string): string {
  return normalizePhone(phone.replace(/[\s.()-]/g, ''), true) ?? phone
}

export class Registry {
  recipients = new Map<string, Recipient>()
  templates = new Map<string, Template>()
  admins = new Set<string>()
  users = new Map<string, OaUser>()

  setRecipient(phone: string, r: Recipient | RecipientState): void {
    this.recipients.set(phoneKey(phone), typeof r === 'string' ? { state: r } : r)
  }

  recipient(phone84: string, fallback: RecipientState): Recipient {
    return this.recipients.get(phone84) ?? { state: fallback }
  }

  setTemplate(id: string, patch: Partial<Template>): Template {
    const prev = this.templates.get(id) ?? { status: 'ENABLE', params: [], nightBan: false }
    const t = { ...prev, ...patch }
    this.templates.set(id, t)
    return t
  }

  addAdmin(phone: string): void {
    this.admins.add(phoneKey(phone))
  }

  touchUser(userId: string, at: number, userIdByApp?: string): void {
    const prev = this.users.get(userId)
    this.users.set(userId, { lastInteractionAt: at, userIdByApp: userIdByApp ?? prev?.userIdByApp })
  }

  snapshot() {
    return {
      recipients: Object.fromEntries(this.recipients),
      templates: Object.fromEntries(this.templates),
      admins: [...this.admins],
      users: Object.fromEntries(this.users),
    }
  }
}
