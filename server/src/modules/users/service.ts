import { randomInt } from 'node:crypto'
import type { AppDb, Conn } from '@app/db'
import type {
  ChangePasswordBody,
  CreateUserBody,
  ResetPasswordBody,
  ResetPasswordResult,
  UnitKind,
  UpdateUserBody,
  User,
} from '@app/shared'
import { AppError, badRequest, conflict, forbidden, notFound, tooManyRequests } from '../../lib/app-error.js'
import type { Clock } from '../../lib/clock.js'
import { DUMMY_HASH, hashPassword, verifyPassword } from '../../lib/passwords.js'
import type { AuditService } from '../audit/service.js'
import { type Actor, assertRole, assertUnitInScope, type ScopeResolver } from '../policy.js'
import { createUserRepo, type UserRow } from './repo.js'

export function toUserDto(u: UserRow): User {
  return { id: u.id, username: u.username, role: u.role, unitId: u.unitId, disabled: u.disabled }
}

/** Letters and digits nobody misreads on paper or over the phone (no 0/o, 1/l/i). */
const TEMP_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789'

/** A temporary password: 3 groups of 5 from a 31-sign alphabet (about 74 bits), e.g. "k7mwp-3rtxa-h9qze". */
export function temporaryPassword(): string {
  const group = () => Array.from({ length: 5 }, () => TEMP_ALPHABET[randomInt(TEMP_ALPHABET.length)]).join('')
  return [group(), group(), group()].join('-')
}

export interface LoginPolicy {
  maxFailures: number
  maxFailuresPerIp: number
  windowMinutes: number
}

export function createUserService(deps: {
  db: AppDb
  clock: Clock
  audit: AuditService
  within: ScopeResolver
  /** The kind of a unit; undefined when there is no such unit. */
  unitKind: (id: string) => Promise<UnitKind | undefined>
  login: LoginPolicy
}) {
  const { db, clock, audit, within, login } = deps
  const repo = createUserRepo(db)

  /** A user belongs to a province, district or commune; a village is where households live, not staff. */
  async function assertStaffUnit(unitId: string): Promise<void> {
    const kind = await deps.unitKind(unitId)
    if (!kind) throw notFound('unit')
    if ((await kind) === 'village')
      throw badRequest('validation_failed', 'a user belongs to a province, district or commune, not a village', {
        issues: [{ path: 'unitId', message: 'village' }],
      })
  }

  /**
   * Checked again inside the write: the admin acting is still an enabled admin. Two admins disabling each
   * other at the same moment both pass the token check; the second write finds its actor disabled and
   * is refused, so there is always an enabled admin left.
   */
  async function assertStillAdmin(actor: Actor, tx: Conn): Promise<void> {
    const me = await repo.findById(actor.id, tx)
    if (!me || me.disabled || me.role !== 'admin') throw forbidden('your account is no longer an enabled admin')
  }

  return {
    /** A user's login name, for naming who keyed ballots (never the account itself). */
    async usernameOf(id: string): Promise<string | undefined> {
      return (await repo.findById(id))?.username
    },
    /** The actor behind a verified token; null when the user is gone, disabled or the token's version is old. */
    async actorFor(id: string, tokenVersion: number): Promise<Actor | null> {
      const u = await repo.findById(id)
      if (!u || u.disabled || u.tokenVersion !== tokenVersion) return null
      return { id: u.id, username: u.username, role: u.role, unitId: u.unitId }
    },

    /** The version a new token for this user carries. */
    async tokenVersion(id: string): Promise<number> {
      return (await repo.findById(id))?.tokenVersion ?? -1
    },

    /** Logout: every token of this user stops working (see README "Staff sessions" for why not a denylist). */
    async revokeTokens(id: string): Promise<void> {
      await repo.bumpTokenVersion(id)
    },

    /**
     * Check a username and password. Every attempt is counted per username+IP and per IP, within a
     * window, BEFORE the password is checked (one upsert); past the limit the answer is 429 unchecked,
     * even for the right password. A successful login takes its attempt back and clears its username+IP count.
     */
    async authenticate(username: string, password: string, ip: string): Promise<Actor> {
      const now = clock.now()
      const since = new Date(now.getTime() - login.windowMinutes * 60_000).toISOString()
      const retry = login.windowMinutes * 60
      // U+001F between the two: no username or address holds it, and PostgreSQL's text cannot hold U+0000
      const keys = [`u:${username}\u001f${ip}`, `ip:${ip}`] as const
      const [mine = 0, fromIp = 0] = await repo.countAttempt(keys, now.toISOString(), since)
      if (mine > login.maxFailures || fromIp > login.maxFailuresPerIp) {
        // a refused attempt costs nothing: the counters keep meaning "passwords checked in this window"
        await repo.uncountAttempt(keys)
        throw tooManyRequests(retry, 'too many failed logins, try again later')
      }
      const u = await repo.findByUsername(username)
      const ok = await verifyPassword(password, u?.passwordHash ?? DUMMY_HASH)
      if (!u || !ok || u.disabled) throw new AppError('invalid_credentials', 'wrong username or password', 401)
      await repo.uncountAttempt(keys)
      await repo.clearAttempts(keys[0])
      await repo.pruneAttempts(since)
      return { id: u.id, username: u.username, role: u.role, unitId: u.unitId }
    },

    /**
     * A staff member's own new password (after a temporary one, or any time). The current password is checked
     * as a login is, on the same counters (so this is no way around the login throttle); a wrong one answers
     * 403, not 401, since the session itself is fine. Every session ends, the caller gets a new token.
     */
    async changeOwnPassword(actor: Actor, body: ChangePasswordBody, ip: string): Promise<void> {
      try {
        await this.authenticate(actor.username, body.currentPassword, ip)
      } catch (err) {
        if (err instanceof AppError && err.code === 'invalid_credentials')
          throw new AppError('invalid_credentials', 'the current password is wrong', 403)
        throw err
      }
      const passwordHash = await hashPassword(body.newPassword)
      await db.transaction(async (tx) => {
        const row = await repo.update(actor.id, { passwordHash }, tx)
        if (!row || row.disabled) throw forbidden('your account is disabled')
        await repo.bumpTokenVersion(actor.id, tx)
        await audit.record(tx, { actorId: actor.id, action: 'user.password_change', targetType: 'user', targetId: actor.id, data: {} })
      })
    },

    /** Admin: every user. Front staff: the collectors in their scope (to assign them to rounds). */
    async list(actor: Actor, q: { role?: User['role'] | undefined } = {}): Promise<User[]> {
      assertRole(actor, ['admin', 'front_staff'])
      const all = (await repo.list()).filter((u) => !q.role || u.role === q.role)
      if (actor.role === 'admin') return all.map(toUserDto)
      const mine = []
      for (const u of all) if (u.role === 'collector' && (await within(u.unitId, actor.unitId))) mine.push(u)
      return mine.map(toUserDto)
    },

    async create(actor: Actor, body: CreateUserBody): Promise<User> {
      assertRole(actor, ['admin'])
      await assertStaffUnit(body.unitId)
      await assertUnitInScope(actor, body.unitId, within)
      const passwordHash = await hashPassword(body.password)
      return db.transaction(async (tx) => {
        await assertStillAdmin(actor, tx)
        if (await repo.findByUsername(body.username)) throw conflict('already_exists', `username ${body.username} is taken`)
        const row = await repo.insert({ username: body.username, passwordHash, role: body.role, unitId: body.unitId }, tx)
        await audit.record(tx, {
          actorId: actor.id,
          action: 'user.create',
          targetType: 'user',
          targetId: row.id,
          data: { role: row.role, unitId: row.unitId },
        })
        return toUserDto(row)
      })
    },

    async update(actor: Actor, id: string, body: UpdateUserBody): Promise<User> {
      assertRole(actor, ['admin'])
      if (!(await repo.findById(id))) throw notFound('user')
      if (body.unitId) await assertStaffUnit(body.unitId)
      // An admin cannot lock himself out: no disabling or demoting his own account, no new password for
      // it from here (that ends his own session while the new password is on the screen).
      if (id === actor.id && (body.disabled || (body.role && body.role !== 'admin') || body.password)) {
        throw conflict('self_lockout', 'you cannot disable, demote or reset the password of your own account')
      }
      const { password, ...rest } = body
      const patch = { ...rest, ...(password ? { passwordHash: await hashPassword(password) } : {}) }
      return db.transaction(async (tx) => {
        await assertStillAdmin(actor, tx)
        const before = await repo.findById(id, tx)
        const row = await repo.update(id, patch, tx)
        if (!row || !before) throw notFound('user')
        // A new password, a disable/enable, a new role or unit: tokens issued before no longer speak for this user.
        if (
          password ||
          (body.disabled !== undefined && body.disabled !== before.disabled) ||
          row.role !== before.role ||
          row.unitId !== before.unitId
        )
          await repo.bumpTokenVersion(id, tx)
        await audit.record(tx, {
          actorId: actor.id,
          action: body.disabled === true ? 'user.disable' : body.disabled === false ? 'user.enable' : 'user.update',
          targetType: 'user',
          targetId: id,
          data: { fields: Object.keys(body) },
        })
        return toUserDto(row)
      })
    },

    /**
     * An admin's password reset: the typed password, or a temporary one made here and returned once.
     * Every session of the user ends (token version + 1). Not for the admin's own account (self_lockout).
     */
    async resetPassword(actor: Actor, id: string, body: ResetPasswordBody): Promise<ResetPasswordResult> {
      assertRole(actor, ['admin'])
      if (!(await repo.findById(id))) throw notFound('user')
      if (id === actor.id) throw conflict('self_lockout', 'you cannot reset the password of your own account here')
      const made = body.password ? null : temporaryPassword()
      const passwordHash = await hashPassword(body.password ?? (made as string))
      return db.transaction(async (tx) => {
        await assertStillAdmin(actor, tx)
        const row = await repo.update(id, { passwordHash }, tx)
        if (!row) throw notFound('user')
        await repo.bumpTokenVersion(id, tx)
        await audit.record(tx, {
          actorId: actor.id,
          action: 'user.password_reset',
          targetType: 'user',
          targetId: id,
          // whether the server made it, never the password
          data: { temporary: made !== null },
        })
        return { user: toUserDto(row), temporaryPassword: made }
      })
    },
  }
}
export type UserService = ReturnType<typeof createUserService>
