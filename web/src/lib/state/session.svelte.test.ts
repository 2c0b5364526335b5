import { describe, expect, it } from 'vitest'
import { ApiClient } from '../api/client.js'
import { Session } from './session.svelte.js'

class MemoryStorage {
  data = new Map<string, string>()
  getItem = (k: string) => this.data.get(k) ?? null
  setItem = (k: string, v: string) => void this.data.set(k, v)
  removeItem = (k: string) => void this.data.delete(k)
}

describe('Session', () => {
  it('keeps the token for the tab, restores it, and forgets it on logout or when expired', async () => {
    const storage = new MemoryStorage() as unknown as Storage
    const client = new ApiClient()
    client.login = async () => ({
      token: 'tok',
      expiresAt: new Date(Date.now() + 3600_000).toISOString(),
      user: { id: 'u1', username: 'mttq.xa', role: 'front_staff', unitId: 'c1' },
    })
    const s = new Session(client, storage)
    await s.login('mttq.xa', 'pw')
    expect(client.token).toBe('tok')
    expect(s.can('front_staff')).toBe(true)
    expect(s.can('council')).toBe(false)

    const client2 = new ApiClient()
    const restored = new Session(client2, storage)
    expect(restored.user?.username).toBe('mttq.xa')
    expect(client2.token).toBe('tok')
    client2.onUnauthorized?.()
    expect(restored.loggedIn).toBe(false)
    expect(storage.getItem('hailong.staff.session')).toBeNull()
  })
})
