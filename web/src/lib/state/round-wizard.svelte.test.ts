import type { Round } from '@app/shared'
import { describe, expect, it, vi } from 'vitest'
import { ApiError } from '../api/errors.js'
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
  status: 'draft',
} as Round

const LEVELS = [
  { key: 'xa_ntm', name: 'Xã nông thôn mới', thresholdBp: 9000, coverageBp: 7000 },
  { key: 'xa_ntm_nang_cao', name: 'Xã nông thôn mới nâng cao', thresholdBp: 9250, coverageBp: 7500 },
]

const RULE_SETS = [
  {
    id: 'rs1',
    code: 'TRIEU_SON',
    version: 1,
    name: 'Nâng cao 92/95/98',
    legalBasis: { text: 'Kế hoạch', number: '1/KH', date: '2024-10-01', effectiveFrom: '2024-10-01', effectiveTo: null },
    levels: ['xa_ntm_nang_cao'],
    bars: [
      { kind: 'coverage', scope: 'commune', minBp: 9200 },
      { kind: 'content_average', minBp: 9500 },
      { kind: 'overall', minBp: 9800 },
    ],
    provisional: false,
    note: null,
    provinceId: null,
    createdAt: '2024-10-01T00:00:00Z',
  },
]

/** A custom form for any level and period, the QĐ 51/2025 form (from 15/02/2026) and the 2021–2025 one. */
const TEMPLATES = [
  { id: 't1', code: 'TINH', version: 1, name: 'Mẫu của tỉnh', levels: [], periodFrom: null, periodTo: null, questions: [] },
  { id: 't2', code: 'QD51', version: 1, name: 'Mẫu QĐ 51', levels: ['xa_ntm'], periodFrom: '2026-02-15', periodTo: null, questions: [] },
  {
    id: 't3',
    code: 'HD90',
    version: 1,
    name: 'Mẫu 9 câu',
    levels: ['xa_ntm', 'xa_ntm_nang_cao'],
    periodFrom: '2022-09-20',
    periodTo: '2026-02-14',
    questions: [],
  },
]

function wizard(overrides: Record<string, (...a: any[]) => unknown> = {}) {
  const client = fakeClient({
    units: async () => [{ id: 'c1', name: 'Biển Bạch', kind: 'commune' }],
    templates: async () => TEMPLATES,
    levels: async () => LEVELS,
    ruleSets: async () => RULE_SETS,
    createRound: vi.fn(async (body: object) => ({ ...draft, ...body })),
    updateRound: vi.fn(),
    openRound: vi.fn(async () => ({ ...draft, status: 'open' })),
    ...overrides,
  })
  return { w: new RoundWizard(client), client }
}

describe('RoundWizard', () => {
  it('checks the title as Zalo counts it against the template limit the server read from Zalo', async () => {
    const { w } = wizard({ zaloTemplateLimits: async () => ({ connected: true, roundTitleMax: 30, source: 'zalo' }) })
    await w.load()
    expect(w.titleMax).toBe(30)
    w.title = 'Lấy ý kiến người dân xã Thử 25'.normalize('NFD')
    expect(w.titleLength).toBe(30)
    expect(w.titleError).toBeNull()
    expect(w.step1Valid).toBe(true)
    w.title = 'Lấy ý kiến người dân xã Thử 2025'
    expect(w.titleError).toBe('Tiêu đề dài 32 ký tự, tối đa 30 ký tự cho tin Zalo. Hãy rút gọn.')
    expect(w.step1Valid).toBe(false)
    expect(w.next()).toBe(false)
  })

  it('without Zalo (or an older server) there is no title limit', async () => {
    const { w } = wizard({ zaloTemplateLimits: async () => ({ connected: false, roundTitleMax: null, source: null }) })
    await w.load()
    w.title = 'x'.repeat(200)
    expect(w.titleError).toBeNull()
    const old = wizard()
    await old.w.load()
    expect(old.w.titleMax).toBeNull()
  })

  it('preselects the only commune, xã NTM and the form of the current period, and prefills the rules from GET /api/levels', async () => {
    const { w } = wizard()
    await w.load()
    expect(w.communeId).toBe('c1')
    expect(w.level).toBe('xa_ntm')
    expect(w.templateId).toBe('t2')
    expect(w.step1Valid).toBe(true)
    expect(w.threshold).toBe('90')
    expect(w.coverage).toBe('70')
    w.selectLevel('xa_ntm_nang_cao')
    expect(w.threshold).toBe('92,5')
    expect(w.coverage).toBe('75')
    expect(w.changedFromDefaults).toBe(false)
  })

  it('asks for a reason before a bar below the level rule and sends it with the round', async () => {
    const { w, client } = wizard()
    await w.load()
    expect(w.next()).toBe(true)
    w.threshold = '80'
    expect(w.belowDefaults).toBe(true)
    expect(w.step2Valid).toBe(false)
    expect(w.step2Problems.join(' ')).toContain('hãy ghi lý do')
    w.overrideReason = 'Kế hoạch của tỉnh cho ấp vùng sâu'
    expect(w.step2Valid).toBe(true)
    expect(w.save()).toBe(true)
    await w.create({ open: false })
    expect(client.createRound).toHaveBeenCalledWith(
      expect.objectContaining({ thresholdBp: 8000, ruleOverrideReason: 'Kế hoạch của tỉnh cho ấp vùng sâu' }),
    )
  })

  it('creates nothing before the last step, then creates the round once with the edited rules and opens it', async () => {
    const { w, client } = wizard()
    await w.load()
    expect(w.next()).toBe(true)
    expect(w.step).toBe(2)
    w.threshold = '95'
    expect(w.thresholdBp).toBe(9500)
    expect(w.changedFromDefaults).toBe(true)
    expect(w.save()).toBe(true)
    expect(w.step).toBe(3)
    expect(client.createRound).not.toHaveBeenCalled()
    expect(client.updateRound).not.toHaveBeenCalled()

    const r = await w.create({ open: true })
    expect(r?.status).toBe('open')
    expect(client.createRound).toHaveBeenCalledTimes(1)
    expect(client.createRound).toHaveBeenCalledWith(
      expect.objectContaining({ communeId: 'c1', level: 'xa_ntm', templateId: 't2', thresholdBp: 9500, coverageBp: 7000 }),
    )
    expect(client.openRound).toHaveBeenCalledWith('r1')
  })

  it('keeps a draft when asked, and a retry after a failed open does not create a second round', async () => {
    const openRound = vi
      .fn()
      .mockRejectedValueOnce(new ApiError('network', 'down'))
      .mockResolvedValueOnce({ ...draft, status: 'open' })
    const { w, client } = wizard({ openRound })
    await w.load()
    w.next()
    w.save()
    expect(await w.create({ open: true })).toBeNull()
    expect(w.draft?.id).toBe('r1')
    expect((await w.create({ open: true }))?.status).toBe('open')
    expect(client.createRound).toHaveBeenCalledTimes(1)

    const other = wizard()
    await other.w.load()
    other.w.next()
    other.w.save()
    expect((await other.w.create({ open: false }))?.status).toBe('draft')
    expect(other.client.openRound).not.toHaveBeenCalled()
  })

  it('offers the forms and rule sets made for the level, and creates the round with the rule set instead of numbers', async () => {
    const { w, client } = wizard()
    await w.load()
    // a 2026 window: the QĐ 51 form first, the 2021–2025 form not at all
    expect(w.templatesForLevel.map((t) => t.id)).toEqual(['t2', 't1'])
    expect(w.ruleSetsForLevel).toEqual([])
    expect(w.ruleSetId).toBe('')
    w.selectLevel('xa_ntm_nang_cao')
    // the QĐ 51 form is not made for nâng cao: the wizard falls back to one that is, and takes the rule set in force
    expect(w.templatesForLevel.map((t) => t.id)).toEqual(['t1'])
    expect(w.templateId).toBe('t1')
    expect(w.ruleSetsForLevel.map((r) => r.id)).toEqual(['rs1'])
    expect(w.ruleSetId).toBe('rs1')
    w.next()
    w.threshold = 'abc'
    expect(w.step2Valid).toBe(true)
    w.save()
    await w.create({ open: false })
    const body = (client.createRound as ReturnType<typeof vi.fn>).mock.calls[0]?.[0]
    expect(body).toMatchObject({ level: 'xa_ntm_nang_cao', templateId: 't1', ruleSetId: 'rs1' })
    expect(body).not.toHaveProperty('thresholdBp')
    expect(body).not.toHaveProperty('coverageScope')
  })

  it('defaults a round from 15/02/2026 to the QĐ 51/2025 form and rule set in a merged commune; a 2025 window takes the old ones', async () => {
    const basis = (effectiveFrom: string, effectiveTo: string | null) => ({
      text: 'QĐ',
      number: '1',
      date: effectiveFrom,
      effectiveFrom,
      effectiveTo,
    })
    const rs = (id: string, b: ReturnType<typeof basis>) => ({ ...RULE_SETS[0], id, code: id, levels: ['xa_ntm'], legalBasis: b })
    const { w, client } = wizard({
      units: async () => [
        { id: 'old', name: 'Tân Bằng', kind: 'commune', validFrom: null, validTo: '2025-06-30' },
        { id: 'new', name: 'Biển Bạch', kind: 'commune', validFrom: '2025-07-01', validTo: null },
      ],
      ruleSets: async () => [rs('HD90_XA', basis('2022-09-20', '2026-02-14')), rs('QD51_XA', basis('2026-02-15', null))],
    })
    await w.load()
    expect(w.communesInForce.map((c) => c.id)).toEqual(['new'])
    expect(w.communeId).toBe('new')
    expect(w.templateId).toBe('t2')
    expect(w.ruleSetId).toBe('QD51_XA')
    expect(w.next()).toBe(true)
    w.opensDay = '2025-05-05'
    w.closesDay = '2025-05-16'
    w.windowChanged()
    expect(w.ruleSetId).toBe('HD90_XA')
    // the QĐ 51 form and the merged commune do not exist in May 2025
    expect(w.periodError).toContain('Mẫu QĐ 51')
    expect(w.save()).toBe(false)
    w.back()
    expect(w.templateId).toBe('t3')
    expect(w.periodError).toContain('Xã đã chọn')
    expect(w.communesInForce.map((c) => c.id)).toEqual(['old'])
    w.communeId = 'old'
    expect(w.next()).toBe(true)
    expect(w.save()).toBe(true)
    await w.create({ open: false })
    expect((client.createRound as ReturnType<typeof vi.fn>).mock.calls[0]?.[0]).toMatchObject({
      communeId: 'old',
      templateId: 't3',
      ruleSetId: 'HD90_XA',
    })
  })

  it('refuses an invalid percentage or a window that ends before it starts', async () => {
    const { w, client } = wizard()
    await w.load()
    w.next()
    w.threshold = '120'
    expect(w.step2Valid).toBe(false)
    expect(w.save()).toBe(false)
    w.threshold = '90'
    w.closesDay = '2020-01-01'
    expect(w.windowError).not.toBeNull()
    expect(w.save()).toBe(false)
    expect(await w.create({ open: false })).toBeNull()
    expect(client.createRound).not.toHaveBeenCalled()
  })
})

describe('RoundWizard editing a draft ("Sửa đợt")', () => {
  const saved = {
    ...draft,
    level: 'xa_ntm',
    title: 'Đợt của xã',
    templateId: 't1',
    opensAt: '2026-03-01T00:00:00+07:00',
    closesAt: '2026-03-10T23:59:59+07:00',
    doubleEntry: false,
    ruleSet: null,
  } as unknown as Round

  it('starts from the saved draft and sends only what changed (an unchanged bar is not decided again)', async () => {
    const updateRound = vi.fn(async (_id: string, body: object) => ({ ...saved, ...body }))
    const { w } = wizard({ round: async () => saved, updateRound })
    await w.load(undefined, 'r1')
    expect(w.original?.id).toBe('r1')
    expect([w.communeId, w.level, w.templateId, w.title]).toEqual(['c1', 'xa_ntm', 't1', 'Đợt của xã'])
    expect([w.opensDay, w.closesDay]).toEqual(['2026-03-01', '2026-03-10'])
    // saved with the two numbers: the window's rule set is not slipped in
    expect(w.ruleSetId).toBe('')
    expect([w.threshold, w.coverage]).toEqual(['90', '70'])
    expect(w.changes()).toEqual({})
    w.closesDay = '2026-03-12'
    w.doubleEntry = true
    expect(w.next()).toBe(true)
    expect(w.save()).toBe(true)
    const r = await w.create({ open: false })
    expect(updateRound).toHaveBeenCalledWith('r1', { closesAt: expect.stringMatching(/^2026-03-12T/), doubleEntry: true })
    expect(r?.doubleEntry).toBe(true)
  })

  it('saves nothing when nothing changed, and "Lưu và mở đợt" opens the draft', async () => {
    const updateRound = vi.fn()
    const openRound = vi.fn(async () => ({ ...saved, status: 'open' }))
    const { w } = wizard({ round: async () => saved, updateRound, openRound })
    await w.load(undefined, 'r1')
    w.next()
    w.save()
    const r = await w.create({ open: true })
    expect(updateRound).not.toHaveBeenCalled()
    expect(openRound).toHaveBeenCalledWith('r1')
    expect(r?.status).toBe('open')
  })
})
