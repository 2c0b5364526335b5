import type { Role } from '@app/shared'
import { type ApiClient, api } from '../api/client.js'

export interface SessionUser {
  id: string
  username: string
  role: Role
  unitId: string
  /** province, district, commune… (absent in a session stored by an older version) */
  unitKind?: string | undefined
}

const KEY = 'hailong.staff.session'

/** The logged-in staff user; the token lives in sessionStorage (gone when the tab closes). */
export class Session {
  user = $state<SessionUser | null>(null)
  expiresAt = $state<string | null>(null)
  busy = $state(false)

  constructor(
    private readonly client: ApiClient = api,
    private readonly storage: Storage | null = typeof sessionStorage === 'undefined' ? null : sessionStorage,
  ) {
    client.onUnauthorized = () => this.clear()
    this.restore()
  }

  get loggedIn(): boolean {
    return this.user !== null
  }

  private restore(): void {
    const raw = this.storage?.getItem(KEY)
    if (!raw) return
    try {
      const s = JSON.parse(raw) as { token: string; user: SessionUser; expiresAt: string | null }
      if (s.expiresAt && new Date(s.expiresAt).getTime() <= Date.now()) {
        this.clear()
        return
      }
      this.client.token = s.token
      this.user = s.user
      this.expiresAt = s.expiresAt
    } catch {
      this.clear()
    }
  }

  login = async (username: string, password: string): Promise<SessionUser> => {
    this.busy = true
    try {
      return this.adopt(await this.client.login({ username, password }))
    } finally {
      this.busy = false
    }
  }

  /** A new password of one's own: the server ends every session and answers with a new token, kept here. */
  changePassword = async (currentPassword: string, newPassword: string): Promise<SessionUser> => {
    this.busy = true
    try {
      return this.adopt(await this.client.changePassword({ currentPassword, newPassword }))
    } finally {
      this.busy = false
    }
  }

  private adopt(res: { token: string; user: SessionUser; expiresAt: string }): SessionUser {
    this.client.token = res.token
    this.user = res.user
    this.expiresAt = res.expiresAt
    this.storage?.setItem(KEY, JSON.stringify({ token: res.token, user: res.user, expiresAt: res.expiresAt }))
    return res.user
  }

  private clear(): void {
    this.storage?.removeItem(KEY)
    this.client.token = null
    this.user = null
    this.expiresAt = null
  }

  /** The server revokes the token (best effort: offline, the tab forgets it anyway). */
  logout = (): void => {
    if (this.client.token) this.client.logout().catch(() => {})
    this.clear()
  }

  /** Role checks used by the navigation and the pages (the server enforces them anyway). */
  can = (...roles: Role[]): boolean => this.user !== null && roles.includes(this.user.role)
}

export const session = new Session()
