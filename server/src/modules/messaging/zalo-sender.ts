/**
 * ZNS send with the auth rule of ZALO.md §8.2: on an auth-class error refresh once (single-flight, see
 * token-manager.ts) and retry once; a second auth failure marks the token broken — a config alert, not a retry loop.
 */
import type { TokenManager } from './token-manager.js'
import type { ZaloClient, ZnsSendBody, ZnsSendResult } from './zalo-client.js'

export type ZaloSendResult = ZnsSendResult

export function createZaloSender(deps: { client: Pick<ZaloClient, 'sendTemplate'>; tokens: TokenManager }) {
  const { client, tokens } = deps
  return async function send(body: ZnsSendBody, signal?: AbortSignal): Promise<ZaloSendResult> {
    const token = await tokens.accessToken()
    if (!token) return { ok: false, class: 'auth', code: 'auth_failed', message: 'no usable access token' }
    const first = await client.sendTemplate(token, body, signal)
    if (first.ok || first.class !== 'auth') return first
    const fresh = await tokens.afterAuthFailure(token)
    if (!fresh) return { ok: false, class: 'auth', code: 'auth_failed', message: 'token refresh failed' }
    const second = await client.sendTemplate(fresh, body, signal)
    if (!second.ok && second.class === 'auth') {
      await tokens.markBroken(second.code)
      return { ...second, code: 'auth_failed' }
    }
    return second
  }
}
export type ZaloSend = ReturnType<typeof createZaloSender>
