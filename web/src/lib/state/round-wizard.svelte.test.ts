import type { Round } from '@app/shared'
import { describe, expect, it, vi } from 'vitest'
import { fakeClient } from './fake-client.js'
import { RoundWizard } from './round-wizard.svelte.js'

const draft = {
  id: 'r1',
  communeId: 'c1',
  title: 'T',
  templateId: 't1',
  thresholdBp: 9000,
  coverageBp: 7000,
  coverageScope: 'village',
} as Round

function wizard(overrides: Record<string, (...a: any[]) => unknown> = {}) {
  const client = fakeClient({
    units: async () => [{ id: 'c1', name: 'Biển Bạch', kind: 'commune' }],
    templates: async () => [{ id: 't1', code: 'HD90', version: 1, name: 'Mẫu 9 câu', questions: [] }],
    createRound: vi.fn(async () => draft),
    updateRound: vi.fn(async (_id: string, body: object) => ({ ...draft, ...body })),
    openRound: vi.fn(async () => ({ ...draft, status: 'open' })),
    ...overrides,
  })
  return { w: new RoundWizard(client), client }
}

describe('RoundWizard', () => {
  it('preselects the only commune and the newest template', async () => {
    const { w } = wizard()
    await w.load()
    expect(w.communeId).toBe('c1')
    expect(w.templateId).toBe('t1')
    expect(w.step1Valid).toBe(true)
  })

  it('prefills threshold and floor from the level defaults the server applied, and notes a change', async () => {
    const { w, client } = wizard()
    await w.load()
    expect(await w.next()).toBe(true)
    expect(client.createRound).toHaveBeenCalledWith(
      expect.objectContaining({ communeId: 'c1', level: 'xa_ntm_nang_cao', templateId: 't1' }),
    )
    expect(w.step).toBe(2)
    expect(w.threshold).toBe('90')
    expect(w.coverage).toBe('70')
    expect(w.changedFromDefaults).toBe(false)
    w.threshold = '95'
    expect(w.thresholdBp).toBe(9500)
    expect(w.changedFromDefaults).toBe(true)
    expect(await w.save()).toBe(true)
    expect(client.updateRound).toHaveBeenCalledWith('r1', expect.objectContaining({ thresholdBp: 9500, coverageBp: 7000 }))
    expect(w.step).toBe(3)
    expect((await w.open())?.status).toBe('open')
  })

  it('refuses an invalid percentage or a window that ends before it starts', async () => {
    const { w } = wizard()
    await w.load()
    await w.next()
    w.threshold = '120'
    expect(w.step2Valid).toBe(false)
    w.threshold = '90'
    w.closesDay = '2020-01-01'
    expect(w.windowError).not.toBeNull()
    expect(await w.save()).toBe(false)
  })
})
