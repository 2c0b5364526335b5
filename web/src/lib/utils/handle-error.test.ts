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

describe('household file errors', () => {
  it('names the limit or check that refused the file, from details.reason', async () => {
    const { toApiError } = await import('../api/errors.js')
    const err = toApiError(400, { error: { code: 'invalid_file', message: 'x', details: { reason: 'cell_too_long' } } })
    expect(errorMessage(err)).toBe('Tệp có ô quá dài.')
    const big = toApiError(413, { error: { code: 'payload_too_large', message: 'x', details: { reason: 'inflated_too_large' } } })
    expect(errorMessage(big)).toBe('Tệp XLSX giải nén ra quá lớn so với một danh sách hộ.')
    expect(errorMessage(toApiError(400, { error: { code: 'invalid_file', message: 'x' } }))).toMatch(/^Tệp không đọc được/)
  })
})
