import type { PaperResult, Round } from '@app/shared'
import { describe, expect, it, vi } from 'vitest'
import { ApiError } from '../api/errors.js'
import { fakeClient } from './fake-client.js'
import { PaperEntry } from './paper-entry.svelte.js'

const round = {
  id: 'r1',
  communeId: 'c1',
  communeName: 'Biển Bạch',
  status: 'open',
  doubleEntry: false,
  questions: [
    { key: 'q1', text: 'Câu 1', isOverall: false },
    { key: 'q2', text: 'Câu 2', isOverall: false },
    { key: 'overall', text: 'Chung', isOverall: true },
  ],
} as unknown as Round

const households = [
  { id: 'h1', code: 'H1', headName: 'A', villageId: 'v1', invited: false, participated: false },
  { id: 'h2', code: 'H2', headName: 'B', villageId: 'v1', invited: false, participated: false },
  { id: 'h3', code: 'H3', headName: 'C', villageId: 'v1', invited: false, participated: false },
]

type Enter = (id: string, body: Record<string, unknown>) => Promise<PaperResult>

async function setup(enterPaper = vi.fn<Enter>(async () => ({ status: 'counted', receipt: 'R' })), r: Round = round) {
  const client = fakeClient({
    round: async () => r,
    units: async () => [{ id: 'v1', name: 'Ấp 1' }],
    roundHouseholds: async () => ({ items: households, total: 3, page: 1, limit: 100 }),
    enterPaper,
  })
  const entry = new PaperEntry('r1', client)
  await entry.load()
  await entry.selectVillage('v1')
  return { entry, enterPaper }
}

describe('PaperEntry (keyboard keying)', () => {
  it('1 answers "hài lòng" and moves on; Enter saves a complete ballot and selects the next household', async () => {
    const { entry, enterPaper } = await setup()
    expect(entry.householdId).toBe('h1')
    expect(entry.key('1')).toBe('answered')
    expect(entry.key('1')).toBe('answered')
    expect(entry.complete).toBe(false)
    expect(entry.key('1')).toBe('answered')
    expect(entry.cursor).toBe(3)
    expect(entry.key('Enter')).toBe('save')
    await entry.save()
    expect(enterPaper).toHaveBeenCalledWith('r1', {
      householdId: 'h1',
      channel: 'paper',
      answers: { q1: { satisfied: true }, q2: { satisfied: true }, overall: { satisfied: true } },
    })
    expect(entry.householdId).toBe('h2')
    expect(entry.households.map((h) => h.id)).toEqual(['h2', 'h3'])
    expect(entry.cursor).toBe(0)
    expect(entry.answers.q1?.satisfied).toBeNull()
    expect(entry.savedCount).toBe(1)
  })

  it('2 opens the reason field; digits typed there are text; Enter leaves it once a reason is given', async () => {
    const { entry, enterPaper } = await setup()
    expect(entry.key('2')).toBe('reason')
    expect(entry.inReason).toBe(true)
    expect(entry.key('1', { inTextField: true })).toBe('ignored')
    expect(entry.key('Enter', { inTextField: true })).toBe('ignored') // no reason yet
    const a = entry.answers.q1
    if (a) a.reason = 'Đường lầy'
    expect(entry.key('Enter', { inTextField: true })).toBe('moved')
    expect(entry.cursor).toBe(1)
    expect(entry.inReason).toBe(false)
    entry.key('1')
    entry.key('1')
    await entry.save()
    expect(enterPaper.mock.calls[0]?.[1]).toMatchObject({ answers: { q1: { satisfied: false, reason: 'Đường lầy' } } })
  })

  it('Enter on an incomplete ballot jumps to the first gap instead of saving', async () => {
    const { entry, enterPaper } = await setup()
    entry.key('1')
    entry.key('ArrowDown')
    entry.key('1')
    expect(entry.key('Enter')).toBe('moved')
    expect(entry.cursor).toBe(1)
    expect(await entry.save()).toBeNull()
    expect(enterPaper).not.toHaveBeenCalled()
  })

  it('moves on when the household already took part by another channel', async () => {
    const { entry } = await setup(
      vi.fn<Enter>(async () => {
        throw new ApiError('already_answered', 'x', 409)
      }),
    )
    for (let i = 0; i < 3; i++) entry.key('1')
    await entry.save()
    expect(entry.householdId).toBe('h2')
    expect(entry.lastMessage?.kind).toBe('error')
  })

  it('requires the paper serial when the round uses double entry', async () => {
    const { entry, enterPaper } = await setup(
      vi.fn<Enter>(async () => ({ status: 'pending' })),
      { ...round, doubleEntry: true },
    )
    for (let i = 0; i < 3; i++) entry.key('1')
    expect(entry.complete).toBe(false)
    entry.serial = 'P-001'
    expect(entry.complete).toBe(true)
    await entry.save()
    expect(enterPaper.mock.calls[0]?.[1]).toMatchObject({ serial: 'P-001' })
    expect(entry.lastMessage?.text).toContain('chờ người thứ hai')
  })
})

describe('PaperEntry (villages and household search)', () => {
  it('a collector sees only the villages assigned to them in this round', async () => {
    const client = fakeClient({
      round: async () => round,
      units: async () => [
        { id: 'v1', name: 'Ấp 1' },
        { id: 'v2', name: 'Ấp 2' },
        { id: 'v3', name: 'Ấp 3' },
      ],
      roundCollectors: async () => [{ userId: 'u1', username: 'thu.ky', villageIds: ['v2'] }],
      roundHouseholds: async () => ({ items: households, total: 3, page: 1, limit: 50 }),
    })
    const entry = new PaperEntry('r1', client, true)
    await entry.load()
    expect(entry.villages.map((v) => v.id)).toEqual(['v2'])
    expect(entry.villageId).toBe('v2')
    expect(entry.unassigned).toBe(false)
  })

  it('a collector without an assignment (404) gets no village; front staff see every village', async () => {
    const units = async () => [
      { id: 'v1', name: 'Ấp 1' },
      { id: 'v2', name: 'Ấp 2' },
    ]
    const roundCollectors = vi.fn(async () => {
      throw new ApiError('not_found', 'round not found', 404)
    })
    const collector = new PaperEntry('r1', fakeClient({ round: async () => round, units, roundCollectors }), true)
    await collector.load()
    expect(collector.villages).toEqual([])
    expect(collector.unassigned).toBe(true)

    const staff = new PaperEntry('r1', fakeClient({ round: async () => round, units, roundCollectors }))
    await staff.load()
    expect(staff.villages.map((v) => v.id)).toEqual(['v1', 'v2'])
    expect(roundCollectors).toHaveBeenCalledTimes(1)
  })

  it('searches and pages the pending households of the village', async () => {
    const roundHouseholds = vi.fn(async (_id: string, q: { q?: string; page?: number }) => ({
      items: q.q ? [households[1]] : households,
      total: q.q ? 1 : 120,
      page: q.page ?? 1,
      limit: 50,
    }))
    const client = fakeClient({ round: async () => round, units: async () => [{ id: 'v1', name: 'Ấp 1' }], roundHouseholds })
    const entry = new PaperEntry('r1', client)
    await entry.load()
    expect(entry.pages).toBe(3)
    await entry.goToPage(2)
    expect(roundHouseholds).toHaveBeenLastCalledWith('r1', { villageId: 'v1', status: 'pending', page: 2, limit: 50 })
    await entry.search('nguyen van')
    expect(roundHouseholds).toHaveBeenLastCalledWith('r1', { villageId: 'v1', status: 'pending', q: 'nguyen van', page: 1, limit: 50 })
    expect(entry.householdId).toBe('h2')
    expect(entry.pages).toBe(1)
  })
})
