import { describe, expect, it } from 'vitest'
import { ApiError } from '../api/errors.js'
import { toasts } from '../state/toasts.svelte.js'
import { errorMessage, handleError } from './handle-error.js'

describe('handleError', () => {
  it('shows a Vietnamese message per code, never the server text', () => {
    expect(errorMessage(new ApiError('already_answered', 'household already took part'))).toBe(
      'Hộ này đã tham gia đợt lấy ý kiến (mỗi hộ một phiếu).',
    )
    expect(errorMessage(new ApiError('something_new', 'x'))).toContain('something_new')
    const msg = handleError(new ApiError('invalid_credentials', 'wrong'), 'Đăng nhập')
    expect(msg).toBe('Tên đăng nhập hoặc mật khẩu không đúng.')
    expect(toasts.items.at(-1)).toMatchObject({ kind: 'error', text: 'Đăng nhập: Tên đăng nhập hoặc mật khẩu không đúng.' })
  })
})
