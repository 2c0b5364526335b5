/** The one place an error code becomes words a resident reads (Vietnamese, plain, no blame). */
import { ApiError } from './api.ts'

const MESSAGES: Record<string, string> = {
  network: 'Chưa kết nối được mạng. Vui lòng kiểm tra kết nối rồi thử lại.',
  link_not_found: 'Đường link này không đúng hoặc đã bị thu hồi.',
  already_answered: 'Hộ gia đình này đã gửi ý kiến rồi.',
  round_closed: 'Đợt lấy ý kiến này đã kết thúc.',
  validation_failed: 'Phiếu còn chỗ chưa đúng. Vui lòng xem lại các ô được đánh dấu.',
  rate_limited: 'Hệ thống đang bận. Vui lòng đợi một chút rồi thử lại.',
  payload_too_large: 'Nội dung quá dài. Vui lòng viết ngắn hơn.',
  internal: 'Hệ thống đang gặp sự cố. Vui lòng thử lại sau ít phút.',
}

const FALLBACK = 'Có lỗi xảy ra. Vui lòng thử lại sau ít phút.'

/** A Vietnamese sentence for any thrown value (never the server's raw message). */
export function errorMessage(e: unknown): string {
  const code = e instanceof ApiError ? e.code : 'unknown'
  return MESSAGES[code] ?? FALLBACK
}
