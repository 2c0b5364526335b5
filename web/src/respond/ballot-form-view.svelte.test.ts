import type { BallotForm } from '@app/shared/schemas/ballot'
import { flushSync, mount, unmount } from 'svelte'
import { afterEach, describe, expect, it } from 'vitest'
import BallotFormView from './ballot-form.svelte'
import { BallotPage } from './ballot-page.svelte.ts'

const FORM: BallotForm = {
  round: { id: 'r1', title: 'Lấy ý kiến NTM 2025', commune: 'Biển Bạch', closesAt: '2025-06-14T16:59:59Z' },
  questions: [
    { key: 'overall', text: 'Nhìn chung ông/bà có hài lòng?', isOverall: true },
    { key: 'roads', text: 'Đường giao thông?', isOverall: false },
  ],
}

let cleanup: (() => void) | null = null
afterEach(() => {
  cleanup?.()
  cleanup = null
  document.body.innerHTML = ''
})

async function render() {
  const page = new BallotPage('tok', {
    api: { getBallot: async () => FORM, submitBallot: async () => ({ receipt: 'K7Q2-M9XD-3F0A', replayed: false }) },
    store: null,
  })
  await page.start()
  const target = document.createElement('main')
  document.body.append(target)
  const app = mount(BallotFormView, { target, props: { page } })
  cleanup = () => unmount(app)
  flushSync()
  return { page, target }
}

describe('ballot-form.svelte', () => {
  it('names the commune and round, and renders each question as a fieldset with a legend and two labelled radios', async () => {
    const { target } = await render()
    expect(target.querySelector('.commune')?.textContent).toBe('Xã Biển Bạch')
    expect(target.querySelector('h1')?.textContent).toBe('Lấy ý kiến NTM 2025')
    expect(target.textContent).toContain('hết ngày 14/06/2025')
    const sets = [...target.querySelectorAll('fieldset')]
    expect(sets.map((f) => f.querySelector('legend')?.textContent)).toEqual([
      'Câu 1/2Đường giao thông?',
      'Câu 2/2Nhìn chung ông/bà có hài lòng?',
    ])
    for (const f of sets) {
      const labels = [...f.querySelectorAll('label')].map((l) => l.textContent?.trim())
      expect(labels).toEqual(['Hài lòng', 'Không hài lòng'])
      expect(f.querySelectorAll('input[type=radio]')).toHaveLength(2)
    }
  })

  it('reveals a required reason box, labelled, when "Không hài lòng" is chosen', async () => {
    const { target, page } = await render()
    expect(target.querySelector('textarea#q-roads-reason')).toBeNull()
    const no = target.querySelector<HTMLInputElement>('#q-roads-no')
    no?.click()
    flushSync()
    expect(page.answerOf('roads').satisfied).toBe(false)
    const reason = target.querySelector<HTMLTextAreaElement>('textarea#q-roads-reason')
    expect(reason?.required).toBe(true)
    expect(target.querySelector('label[for=q-roads-reason]')?.textContent).toContain('bắt buộc')
  })

  it('wires validation messages to their fields with aria-describedby', async () => {
    const { target, page } = await render()
    page.choose('roads', false)
    await page.submit()
    flushSync()
    const reason = target.querySelector('#q-roads-reason')
    expect(reason?.getAttribute('aria-invalid')).toBe('true')
    const msg = target.querySelector(`#${reason?.getAttribute('aria-describedby')}`)
    expect(msg?.textContent).toBe('Vui lòng ghi lý do chưa hài lòng.')
    const yes = target.querySelector('#q-overall-yes')
    expect(target.querySelector(`#${yes?.getAttribute('aria-describedby')}`)?.textContent).toBe(
      'Vui lòng chọn Hài lòng hoặc Không hài lòng.',
    )
    expect(target.querySelector('[role=alert]')?.textContent).toContain('Còn 2 chỗ cần bổ sung')
  })
})
