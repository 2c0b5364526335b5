import type { BallotForm, SubmitBallotBody } from '@app/shared/schemas/ballot'
import { describe, expect, it, vi } from 'vitest'
import { ApiError, type SubmitResult } from './api.ts'
import { BallotPage, type BallotPageDeps } from './ballot-page.svelte.ts'
import { draftKey, type KeyValueStore } from './draft.ts'

const FORM: BallotForm = {
  round: { id: 'r1', title: 'Lấy ý kiến NTM nâng cao 2025', commune: 'Xã Biển Bạch', closesAt: '2025-06-14T16:59:59Z' },
  questions: [
    { key: 'overall', text: 'Nhìn chung', isOverall: true },
    { key: 'roads', text: 'Đường giao thông', isOverall: false },
  ],
}

function memoryStore(): KeyValueStore & { data: Map<string, string> } {
  const data = new Map<string, string>()
  return { data, getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v), removeItem: (k) => void data.delete(k) }
}

function setup(over: Partial<BallotPageDeps> & { submit?: (body: SubmitBallotBody) => Promise<SubmitResult> } = {}) {
  const store = memoryStore()
  const events = new EventTarget()
  const timers: { fn: () => void; ms: number }[] = []
  let clock = 1_000_000
  const api = {
    getBallot: vi.fn(async () => FORM),
    submitBallot: vi.fn(async (_t: string, body: SubmitBallotBody) =>
      over.submit ? over.submit(body) : { receipt: 'K7Q2-M9XD-3F0A', replayed: false },
    ),
  }
  const deps: BallotPageDeps = {
    api,
    store: over.store === undefined ? store : over.store,
    events,
    now: () => clock,
    setTimer: (fn, ms) => timers.push({ fn, ms }),
    clearTimer: () => {},
    ...over,
  }
  const make = () => new BallotPage('tok', deps)
  return { api, store, events, timers, make, tick: (ms: number) => (clock += ms) }
}

const deferred = <T>() => {
  let resolve!: (v: T) => void
  const promise = new Promise<T>((r) => {
    resolve = r
  })
  return { promise, resolve }
}

describe('BallotPage', () => {
  it('loads the form with the overall question last and counts progress', async () => {
    const { make } = setup()
    const page = make()
    expect(page.view).toBe('loading')
    await page.start()
    expect(page.view).toBe('form')
    expect(page.questions.map((q) => q.key)).toEqual(['roads', 'overall'])
    expect(page.progress).toEqual({ done: 0, total: 2 })
    page.choose('roads', false)
    expect(page.progress.done).toBe(0)
    page.setReason('roads', 'Đường lầy')
    expect(page.progress.done).toBe(1)
  })

  it.each([
    [new ApiError('link_not_found', 'x', 404), 'not_found'],
    [new ApiError('already_answered', 'x', 409), 'answered'],
    [new ApiError('round_closed', 'x', 410), 'closed'],
    [new ApiError('network', 'x'), 'load_error'],
  ] as const)('shows the right screen when the link answers %s', async (err, view) => {
    const { make, api } = setup()
    api.getBallot.mockRejectedValueOnce(err)
    const page = make()
    await page.start()
    expect(page.view).toBe(view)
  })

  it('retries a failed load when the connection comes back', async () => {
    const { make, api, events } = setup()
    api.getBallot.mockRejectedValueOnce(new ApiError('network', 'x'))
    const page = make()
    await page.start()
    expect(page.view).toBe('load_error')
    events.dispatchEvent(new Event('online'))
    await vi.waitFor(() => expect(page.view).toBe('form'))
  })

  it('refuses to send an incomplete ballot and names the first field to focus', async () => {
    const { make, api } = setup()
    const page = make()
    await page.start()
    page.choose('roads', false)
    expect(await page.submit()).toBe('q-roads-reason')
    expect(page.errors).toEqual({
      'answers.roads.reason': 'Vui lòng ghi lý do chưa hài lòng.',
      'answers.overall': 'Vui lòng chọn Hài lòng hoặc Không hài lòng.',
    })
    expect(api.submitBallot).not.toHaveBeenCalled()
    page.setReason('roads', 'Đường lầy')
    expect(page.errors['answers.roads.reason']).toBeUndefined()
    page.choose('overall', true)
    expect(page.errors).toEqual({})
  })

  it('sends once with clientId and seconds since first open, then keeps only the receipt', async () => {
    const { make, api, store, tick } = setup()
    const page = make()
    await page.start()
    tick(95_000)
    page.choose('roads', false)
    page.setReason('roads', ' Đường lầy ')
    page.choose('overall', true)
    page.setComment('Cảm ơn')
    expect(await page.submit()).toBeNull()
    expect(page.view).toBe('done')
    expect(page.receipt).toBe('K7Q2-M9XD-3F0A')
    expect(api.submitBallot).toHaveBeenCalledTimes(1)
    expect(api.submitBallot.mock.calls[0]?.[1]).toEqual({
      answers: { roads: { satisfied: false, reason: 'Đường lầy' }, overall: { satisfied: true } },
      comment: 'Cảm ơn',
      clientId: page.clientId,
      paradata: { secondsToComplete: 95 },
    })
    const saved = JSON.parse(store.data.get(draftKey('tok')) ?? '{}')
    expect(saved).toMatchObject({ clientId: page.clientId, answers: {}, comment: '', queued: null, receipt: 'K7Q2-M9XD-3F0A' })
  })

  it('a double tap sends one ballot', async () => {
    const gate = deferred<SubmitResult>()
    const { make, api } = setup({ submit: () => gate.promise })
    const page = make()
    await page.start()
    page.choose('roads', true)
    page.choose('overall', true)
    const first = page.submit()
    const second = page.submit()
    expect(page.sending).toBe(true)
    gate.resolve({ receipt: 'K7Q2-M9XD-3F0A', replayed: false })
    await Promise.all([first, second])
    expect(api.submitBallot).toHaveBeenCalledTimes(1)
    expect(page.view).toBe('done')
  })

  it('restores typed answers, the clientId and the start time after a reload', async () => {
    const { make, store, tick, api } = setup()
    const a = make()
    await a.start()
    a.choose('roads', false)
    a.setReason('roads', 'Đường lầy')
    a.setComment('Góp ý')
    tick(60_000)
    const b = new BallotPage('tok', { api, store, now: () => 1_000_000 + 120_000 })
    await b.start()
    expect(b.answerOf('roads')).toEqual({ satisfied: false, reason: 'Đường lầy' })
    expect(b.comment).toBe('Góp ý')
    expect(b.clientId).toBe(a.clientId)
    b.choose('overall', true)
    await b.submit()
    expect(api.submitBallot.mock.calls[0]?.[1].paradata).toEqual({ secondsToComplete: 120 })
  })

  it('queues the ballot when the network fails, and sends the same body when the connection returns', async () => {
    let online = false
    const { make, api, events, timers } = setup({
      submit: async () => {
        if (!online) throw new ApiError('network', 'offline')
        return { receipt: 'K7Q2-M9XD-3F0A', replayed: false }
      },
    })
    const page = make()
    await page.start()
    page.choose('roads', true)
    page.choose('overall', true)
    await page.submit()
    expect(page.view).toBe('queued')
    expect(timers).toHaveLength(1)
    online = true
    events.dispatchEvent(new Event('online'))
    await vi.waitFor(() => expect(page.view).toBe('done'))
    expect(api.submitBallot).toHaveBeenCalledTimes(2)
    expect(api.submitBallot.mock.calls[1]?.[1]).toEqual(api.submitBallot.mock.calls[0]?.[1])
  })

  it('keeps retrying on a timer with growing delays', async () => {
    const { make, timers } = setup({
      retryDelays: [10, 20],
      submit: async () => {
        throw new ApiError('internal', 'x', 500)
      },
    })
    const page = make()
    await page.start()
    page.choose('roads', true)
    page.choose('overall', true)
    await page.submit()
    timers.shift()?.fn()
    await vi.waitFor(() => expect(timers).toHaveLength(1))
    timers.shift()?.fn()
    await vi.waitFor(() => expect(timers).toHaveLength(1))
    expect(timers[0]?.ms).toBe(20)
    expect(page.view).toBe('queued')
  })

  it('sends a queued ballot first thing on the next open (a replay answers 200 with the same receipt)', async () => {
    const { make, api, store } = setup({
      submit: async () => {
        throw new ApiError('network', 'offline')
      },
    })
    const a = make()
    await a.start()
    a.choose('roads', true)
    a.choose('overall', true)
    await a.submit()
    a.dispose()
    const submit = vi.fn(async () => ({ receipt: 'K7Q2-M9XD-3F0A', replayed: true }))
    const b = new BallotPage('tok', { api: { getBallot: api.getBallot, submitBallot: submit }, store })
    await b.start()
    expect(b.view).toBe('done')
    expect(api.getBallot).toHaveBeenCalledTimes(1)
    expect(submit).toHaveBeenCalledTimes(1)
    const c = new BallotPage('tok', { api: { getBallot: api.getBallot, submitBallot: submit }, store })
    await c.start()
    expect(c.view).toBe('done')
    expect(c.receipt).toBe('K7Q2-M9XD-3F0A')
  })

  it('shows already answered when another ballot of the household got in first, and forgets the answers', async () => {
    const { make, store } = setup({
      submit: async () => {
        throw new ApiError('already_answered', 'x', 409)
      },
    })
    const page = make()
    await page.start()
    page.choose('roads', false)
    page.setReason('roads', 'bí mật')
    page.choose('overall', true)
    await page.submit()
    expect(page.view).toBe('answered')
    expect(store.data.get(draftKey('tok'))).not.toContain('bí mật')
  })

  it('puts server validation messages next to the fields', async () => {
    const { make } = setup({
      submit: async () => {
        throw new ApiError('validation_failed', 'x', 400, [{ path: 'answers.roads.reason', message: 'Lý do quá dài.' }])
      },
    })
    const page = make()
    await page.start()
    page.choose('roads', false)
    page.setReason('roads', 'x')
    page.choose('overall', true)
    expect(await page.submit()).toBe('q-roads-reason')
    expect(page.view).toBe('form')
    expect(page.errors).toEqual({ 'answers.roads.reason': 'Lý do quá dài.' })
  })

  it('works without storage, and says so', async () => {
    const { make } = setup({ store: null })
    const page = make()
    await page.start()
    page.choose('roads', true)
    expect(page.canSave).toBe(false)
  })
})
