import { flushSync, mount, unmount } from 'svelte'
import { afterEach, describe, expect, it } from 'vitest'
import ConfirmDialog from './confirm-dialog.svelte'

let cleanup: (() => void) | null = null
afterEach(() => {
  cleanup?.()
  cleanup = null
  document.body.innerHTML = ''
})

function render(props: Record<string, unknown>) {
  const calls = { confirm: 0, cancel: 0 }
  const target = document.createElement('main')
  document.body.append(target)
  const app = mount(ConfirmDialog, {
    target,
    props: {
      open: true,
      title: 'Kết thúc thu phiếu?',
      confirmLabel: 'Kết thúc thu phiếu',
      onconfirm: () => calls.confirm++,
      oncancel: () => calls.cancel++,
      ...props,
    },
  })
  cleanup = () => unmount(app)
  flushSync()
  return { target, calls }
}

const type = (input: HTMLInputElement, value: string) => {
  input.value = value
  input.dispatchEvent(new Event('input', { bubbles: true }))
  flushSync()
}

describe('confirm-dialog.svelte', () => {
  it('states every fact with its label, and the consequence', () => {
    const { target } = render({
      facts: [
        { label: 'Còn lại theo kế hoạch', value: '3 ngày (đến 15/06/2025)', tone: 'warn' },
        { label: 'Độ bao phủ hiện tại', value: '64,20 %' },
      ],
      consequence: 'Người dân sẽ không gửi được phiếu nữa.',
    })
    const facts = [...target.querySelectorAll('.fact')].map((f) => [f.querySelector('dt')?.textContent, f.querySelector('dd')?.textContent])
    expect(facts).toEqual([
      ['Còn lại theo kế hoạch', '3 ngày (đến 15/06/2025)'],
      ['Độ bao phủ hiện tại', '64,20 %'],
    ])
    expect(target.querySelector('.fact-warn')?.textContent).toContain('3 ngày')
    expect(target.textContent).toContain('Người dân sẽ không gửi được phiếu nữa.')
  })

  it('confirms only once the phrase is typed, without regard to case or diacritics', () => {
    const { target, calls } = render({ phrase: 'ĐÓNG ĐỢT' })
    const confirm = target.querySelector<HTMLButtonElement>('button[type=submit]') as HTMLButtonElement
    const input = target.querySelector<HTMLInputElement>('input') as HTMLInputElement
    expect(target.querySelector('label')?.textContent).toBe('Gõ ĐÓNG ĐỢT để xác nhận')
    expect(confirm.disabled).toBe(true)
    type(input, 'đóng')
    expect(confirm.disabled).toBe(true)
    type(input, '  dong DOT ')
    expect(confirm.disabled).toBe(false)
    target.querySelector('form')?.dispatchEvent(new Event('submit', { cancelable: true, bubbles: true }))
    expect(calls.confirm).toBe(1)
  })

  it('cancels with the cancel button, waits while busy, and shows the server refusal', () => {
    const { target } = render({ busy: true, error: 'Còn 2 phiếu nhập hai lần chưa đối chiếu.' })
    const [cancel, confirm] = [...target.querySelectorAll('button')] as HTMLButtonElement[]
    expect(confirm?.textContent).toBe('Đang thực hiện…')
    expect(confirm?.disabled).toBe(true)
    expect(cancel?.disabled).toBe(true)
    expect(target.querySelector('[role=alert]')?.textContent).toBe('Còn 2 phiếu nhập hai lần chưa đối chiếu.')
    cleanup?.()
    const again = render({ ready: false })
    const [cancel2, confirm2] = [...again.target.querySelectorAll('button')] as HTMLButtonElement[]
    expect(confirm2?.disabled).toBe(true)
    cancel2?.click()
    expect(again.calls.cancel).toBe(1)
  })
})
