import { createHmac } from 'node:crypto'

const b64url = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url')

/**
 * Craft a JWT by hand (tests of the token checks): any header, any claims, signed with HS256 and
 * `secret`, or unsigned when the header says `alg: none`.
 */
export function craftJwt(header: Record<string, unknown>, payload: Record<string, unknown>, secret?: string): string {
  const unsigned = `${b64url(header)}.${b64url(payload)}`
  if (header.alg === 'none' || !secret) return `${unsigned}.`
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`
}

/** Seconds since the epoch of the real clock (@fastify/jwt checks exp against real time). */
export const nowSeconds = () => Math.floor(Date.now() / 1000)
