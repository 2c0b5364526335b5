import type { Db } from '@app/db'
import type { CreateUserBody, UpdateUserBody, User } from '@app/shared'
import { AppError, conflict, notFound, tooManyRequests } from '../../lib/app-error.js'
import type { Clock } from '../../lib/clock.js'
import { DUMMY_HASH, hashPassword, verifyPassword } from '../../lib/passwords.js'
import type { AuditService } from '../audit/service.js'
import { type Actor, assertRole, assertUnitInScope, type ScopeResolver } from '../policy.js'
import { createUserRepo, type UserRow } from './repo.js'

export function toUserDto(u: UserRow): User {
  return { id: u.id, username: u.username, role: u.role, unitId: u.unitId, disabled: u.disabled }
}

export interface LoginPolicy {
  maxFailures: number
  maxFailuresPerIp: number
  windowMinutes: number
}

export function createUserService(deps: {
  db: Db
  clock: Clock
  audit: AuditService
  within: ScopeResolver
  unitExists: (id: string) => boolean
  login: LoginPolicy
}) {
  const { db, clock, audit, within, login } = deps
  const repo = createUserRepo(db)

  return {
    repo,
    /** The actor behind a verified token; null when the user is gone, disabled or the token's version is old. */
    actorFor(id: string, tokenVersion: number): Actor | null {
      const u = repo.findById(id)
      if (!u || u.disabled || u.tokenVersion !== tokenVersion) return null
      return { id: u.id, username: u.username, role: u.role, unitId: u.unitId }
    },

    /** The version a new token for this user carries. */
    tokenVersion(id: string): number {
      return repo.findById(id)?.tokenVersion ?? -1
    },

    /** Logout: every token of this user stops working (see README "Staff sessions" for why not a denylist). */
    revokeTokens(id: string): void {
      repo.bumpTokenVersion(id)
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
      const keys = [`u:${username}\u0000${ip}`, `ip:${ip}`] as const
      const [mine = 0, fromIp = 0] = repo.countAttempt(keys, now.toISOString(), since)
      if (mine > login.maxFailures || fromIp > login.maxFailuresPerIp) {
        // a refused attempt costs nothing: the counters keep meaning "passwords checked in this window"
        repo.uncountAttempt(keys)
        throw tooManyRequests(retry, 'too many failed logins, try again later')
      }
      const u = repo.findByUsername(username)
      const ok = await verifyPassword(password, u?.passwordHash ?? DUMMY_HASH)
      if (!u || !ok || u.disabled) throw new AppError('invalid_credentials', 'wrong username or password', 401)
      repo.uncountAttempt(keys)
      repo.clearAttempts(keys[0])
      repo.pruneAttempts(since)
      return { id: u.id, username: u.username, role: u.role, unitId: u.unitId }
    },

    /** Admin: every user. Front staff: the collectors in their scope (to assign them to rounds). */
    list(actor: Actor, q: { role?: User['role'] | undefined } = {}): User[] {
      assertRole(actor, ['admin', 'front_staff'])
      const all = repo.list().filter((u) => !q.role || u.role === q.role)
      if (actor.role === 'admin') return all.map(toUserDto)
      return all.filter((u) => u.role === 'collector' && within(u.unitId, actor.unitId)).map(toUserDto)
    },

    async create(actor: Actor, body: CreateUserBody): Promise<User> {
      assertRole(actor, ['admin'])
      if (!deps.unitExists(body.unitId)) throw notFound('unit')
      assertUnitInScope(actor, body.unitId, within)
      const passwordHash = await hashPassword(body.password)
      return db.transaction((tx) => {
        if (repo.findByUsername(body.username)) throw conflict('already_exists', `username ${body.username} is taken`)
        const row = repo.insert({ username: body.username, passwordHash, role: body.role, unitId: body.unitId }, tx)
        audit.record(tx, {
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
      if (!repo.findById(id)) throw notFound('user')
      if (body.unitId && !deps.unitExists(body.unitId)) throw notFound('unit')
      if (id === actor.id && (body.disabled || (body.role && body.role !== 'admin'))) {
        throw conflict('conflict', 'you cannot disable or demote yourself')
      }
      const { password, ...rest } = body
      const patch = { ...rest, ...(password ? { passwordHash: await hashPassword(password) } : {}) }
      return db.transaction((tx) => {
        const before = repo.findById(id)
        const row = repo.update(id, patch, tx)
        if (!row || !before) throw notFound('user')
        // A new password, a disable/enable, a new role or unit: tokens issued before no longer speak for this user.
        if (
          password ||
          (body.disabled !== undefined && body.disabled !== before.disabled) ||
          row.role !== before.role ||
          row.unitId !== before.unitId
        )
          repo.bumpTokenVersion(id, tx)
        audit.record(tx, {
          actorId: actor.id,
          action: body.disabled === true ? 'user.disable' : body.disabled === false ? 'user.enable' : 'user.update',
          targetType: 'user',
          targetId: id,
          data: { fields: Object.keys(body) },
        })
        return toUserDto(row)
      })
    },
  }
}
export type UserService = ReturnType<typeof createUserService>
