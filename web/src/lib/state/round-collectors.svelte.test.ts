import { describe, expect, it, vi } from 'vitest'
import { fakeClient } from './fake-client.js'
import { RoundCollectors } from './round-collectors.svelte.js'

const users = [
  { id: 'u1', username: 'thu.ky', role: 'collector', unitId: 'c1', disabled: false },
  { id: 'u2', username: 'an.to2', role: 'collector', unitId: 'c1', disabled: false },
]

describe('RoundCollectors', () => {
  it('lists every collector in scope, assigned ones first, and saves a new set of villages', async () => {
    const assignCollector = vi.fn(async (_r: string, userId: string, villageIds: string[]) => ({ userId, villageIds }))
    const client = fakeClient({
      users: vi.fn(async () => users),
      roundCollectors: async () => [{ userId: 'u2', username: 'an.to2', villageIds: ['v1'] }],
      assignCollector,
    })
    const s = new RoundCollectors('r1', client)
    await s.load()
    expect(client.users).toHaveBeenCalledWith({ role: 'collector' })
    expect(s.rows.map((r) => [r.username, r.villageIds])).toEqual([
      ['an.to2', ['v1']],
      ['thu.ky', []],
    ])

    s.edit('u1')
    s.toggle('v2', true)
    s.toggle('v3', true)
    s.toggle('v3', false)
    expect(await s.save()).toBe(true)
    expect(assignCollector).toHaveBeenCalledWith('r1', 'u1', ['v2'])
    expect(s.editing).toBeNull()
    expect(s.rows.find((r) => r.userId === 'u1')?.villageIds).toEqual(['v2'])
  })

  it('an empty selection removes the assignment', async () => {
    const client = fakeClient({
      users: async () => users,
      roundCollectors: async () => [{ userId: 'u1', username: 'thu.ky', villageIds: ['v1'] }],
      assignCollector: async (_r: string, userId: string, villageIds: string[]) => ({ userId, villageIds }),
    })
    const s = new RoundCollectors('r1', client)
    await s.load()
    s.edit('u1')
    expect(s.selection).toEqual(['v1'])
    s.toggle('v1', false)
    await s.save()
    expect(s.assigned).toEqual([])
  })
})
