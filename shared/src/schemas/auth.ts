import { z } from 'zod'
import { Id, text } from './common.js'
import { ILL_FORMED_MESSAGE, isWellFormedText } from './wellformed.js'

/**
 * Passwords are checked for well-formed text but not normalised: they only feed the password hash,
 * and normalising would lock out anyone whose password was set typed in decomposed form (Unikey's
 * "Unicode tổ hợp").
 */
const Password = (min: number) => z.string().min(min).max(256).refine(isWellFormedText, ILL_FORMED_MESSAGE)

export const Role = z.enum(['admin', 'front_staff', 'collector', 'council'])
export type Role = z.infer<typeof Role>
export const ROLES = Role.options

export const LoginBody = z.object({
  username: text().trim().min(1).max(64),
  password: Password(1),
})
export type LoginBody = z.infer<typeof LoginBody>

export const User = z.object({
  id: Id,
  username: z.string(),
  role: Role,
  unitId: Id,
  disabled: z.boolean(),
})
export type User = z.infer<typeof User>

export const LoginResponse = z.object({
  token: z.string(),
  expiresAt: z.string(),
  // the kind of the user's unit (province, commune, …) lets the app skip what the server would refuse
  user: User.pick({ id: true, username: true, role: true, unitId: true }).extend({ unitKind: z.string().optional() }),
})

export const Username = text()
  .trim()
  .min(3)
  .max(64)
  .regex(/^[a-z0-9._-]+$/, 'chỉ chữ thường không dấu, số, dấu chấm, gạch')

export const CreateUserBody = z.object({
  username: Username,
  password: Password(10),
  role: Role,
  unitId: Id,
})
export type CreateUserBody = z.infer<typeof CreateUserBody>

export const UpdateUserBody = z
  .object({ disabled: z.boolean(), password: Password(10), role: Role, unitId: Id })
  .partial()
  .refine((b) => Object.keys(b).length > 0, 'nothing to update')
export type UpdateUserBody = z.infer<typeof UpdateUserBody>

/**
 * An admin's password reset: the admin types the new password, or leaves it out and the server makes a
 * temporary one, shown to the admin once (it is not stored in clear anywhere).
 */
export const ResetPasswordBody = z.object({ password: Password(10).optional() })
export type ResetPasswordBody = z.infer<typeof ResetPasswordBody>

export const ResetPasswordResult = z.object({
  user: User,
  /** The password the server made, to hand to the user once; null when the admin typed it. */
  temporaryPassword: z.string().nullable(),
})
export type ResetPasswordResult = z.infer<typeof ResetPasswordResult>

/** A staff member changes his own password: the current one (checked like a login, same throttle) and the new one. */
export const ChangePasswordBody = z
  .object({ currentPassword: Password(1), newPassword: Password(10) })
  .refine((b) => b.currentPassword !== b.newPassword, { message: 'the new password is the current one', path: ['newPassword'] })
export type ChangePasswordBody = z.infer<typeof ChangePasswordBody>
