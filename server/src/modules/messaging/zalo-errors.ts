/**
 * Zalo error codes → behaviour class (ZALO.md §8.2) and the Vietnamese reason staff see.
 * Codes beyond -112 are [S]/[U] in ZALO.md §1.4, so unknown codes fall into `config`: stop and ask a human.
 */
export type ZaloErrorClass = 'auth' | 'transient' | 'deferred' | 'recipient' | 'config' | 'unknown_outcome'

const AUTH = new Set([-124, -216, -220, -1241, -242])
const TRANSIENT = new Set([-100, -32])
const NIGHT = new Set([-133, -234])
const DAILY = new Set([-144, -147])
const RECIPIENT = new Set([-108, -114, -118, -119, -139, -141])
/** Recipients not reachable on Zalo at all: the invitation goes by SMS instead (ZALO.md §5, §8.2). */
export const SMS_FALLBACK_CODES: ReadonlySet<number> = new Set([-114, -118, -119])

export function classifyZaloCode(code: number): ZaloErrorClass {
  if (AUTH.has(code)) return 'auth'
  if (TRANSIENT.has(code)) return 'transient'
  if (NIGHT.has(code) || DAILY.has(code)) return 'deferred'
  if (RECIPIENT.has(code)) return 'recipient'
  return 'config'
}

/**
 * Token endpoint failures (OAuth v4, ZALO.md §4). A refresh token is single-use and lives 3 months; once Zalo says it is
 * invalid or expired only an OA admin's re-consent in a browser brings a new one, so that — and only that — is
 * `reconsent`. The one code public sources name for it is -14014 "Invalid refresh token" (docs/zalo-notes.md); its
 * `error_name` is matched too because the code is not confirmed. App-level rejections (invalid app id, wrong secret)
 * are `config`: a human must fix the configuration, the refresh token itself may still be good. Everything else —
 * an HTTP 200 with an unknown or internal error included — is `transient` and retried.
 */
export type OAuthFailureKind = 'reconsent' | 'config' | 'transient'
const OAUTH_RECONSENT = new Set([-14014])
const OAUTH_CONFIG = new Set([-14001, -14002, -14003, -14004])

export function classifyOAuthError(code: number, errorName: string): OAuthFailureKind {
  if (OAUTH_RECONSENT.has(code)) return 'reconsent'
  if (/refresh[\s_]*token/i.test(errorName) && /invalid|expired/i.test(errorName)) return 'reconsent'
  if (OAUTH_CONFIG.has(code)) return 'config'
  return 'transient'
}

/** Which deferral: the night ban (until 06:00 VN) or the daily quota (until 00:00 VN). */
export function deferralKind(code: number): 'night' | 'daily' | null {
  if (NIGHT.has(code)) return 'night'
  if (DAILY.has(code)) return 'daily'
  return null
}

const REASONS_VI: Record<string, string> = {
  'zalo:-100': 'Lỗi không xác định từ Zalo (sẽ thử lại)',
  'zalo:-32': 'Gửi quá nhanh, Zalo giới hạn tốc độ (sẽ thử lại)',
  'zalo:-101': 'Ứng dụng Zalo không hợp lệ (kiểm tra cấu hình)',
  'zalo:-102': 'Ứng dụng Zalo không tồn tại (kiểm tra cấu hình)',
  'zalo:-103': 'Ứng dụng Zalo chưa được kích hoạt',
  'zalo:-104': 'Khóa bí mật ứng dụng Zalo không đúng',
  'zalo:-105': 'Ứng dụng chưa liên kết với Zalo OA',
  'zalo:-108': 'Số điện thoại không hợp lệ',
  'zalo:-109': 'Mẫu tin ZNS không hợp lệ (kiểm tra ZALO_TEMPLATE_ID)',
  'zalo:-110': 'Người nhận dùng phiên bản Zalo quá cũ',
  'zalo:-111': 'Thiếu dữ liệu mẫu tin',
  'zalo:-112': 'Dữ liệu mẫu tin không hợp lệ',
  'zalo:-113': 'Nút bấm trong mẫu tin không hợp lệ',
  'zalo:-114': 'Người nhận không thể nhận tin Zalo (đã chuyển sang SMS)',
  'zalo:-115': 'Hết hạn mức hoặc hết số dư ZNS',
  'zalo:-117': 'OA không có quyền dùng mẫu tin này',
  'zalo:-118': 'Số điện thoại không dùng Zalo (đã chuyển sang SMS)',
  'zalo:-119': 'Tài khoản Zalo không thể nhận tin (đã chuyển sang SMS)',
  'zalo:-124': 'Mã truy cập Zalo không hợp lệ',
  'zalo:-131': 'Mẫu tin chưa được Zalo duyệt',
  'zalo:-133': 'Zalo không cho gửi tin ban đêm (đã hẹn gửi lại buổi sáng)',
  'zalo:-135': 'OA không có quyền gửi ZNS',
  'zalo:-136': 'Chưa kết nối tài khoản Zalo Cloud',
  'zalo:-137': 'Thanh toán ZNS thất bại',
  'zalo:-139': 'Người nhận đã từ chối loại tin này',
  'zalo:-141': 'Người nhận đã từ chối nhận tin từ OA',
  'zalo:-144': 'OA đã hết hạn mức gửi trong ngày (đã hẹn gửi lại ngày mai)',
  'zalo:-146': 'Mẫu tin bị khóa do chất lượng thấp',
  'zalo:-147': 'Mẫu tin đã hết hạn mức trong ngày',
  'zalo:-216': 'Mã truy cập Zalo không hợp lệ',
  'zalo:-220': 'Mã truy cập Zalo đã hết hạn',
  'zalo:-1121': 'Tham số mẫu tin quá dài',
  'zalo:-1122': 'Thiếu tham số bắt buộc của mẫu tin',
  'zalo:-1124': 'Tham số mẫu tin sai định dạng',
  phone_invalid: 'Số điện thoại không hợp lệ (kiểm tra danh sách hộ)',
  phone_missing: 'Hộ chưa có số điện thoại',
  template_param_missing: 'Thiếu dữ liệu cho mẫu tin (ví dụ tên chủ hộ)',
  template_url_invalid: 'Đường dẫn khảo sát không hợp lệ hoặc quá dài',
  transient_exhausted: 'Không kết nối được sau nhiều lần thử',
  unknown_outcome: 'Không rõ tin đã đến hay chưa (mất kết nối sau khi gửi)',
  auth_failed: 'Không làm mới được mã truy cập Zalo: cần quản trị viên OA cấp quyền lại',
  sms_off: 'Không gửi được qua Zalo và kênh SMS đang tắt',
  'oauth:-14014': 'Zalo báo mã làm mới không hợp lệ hoặc đã hết hạn',
  'oauth:-14002': 'Mã ứng dụng Zalo không hợp lệ hoặc ứng dụng chưa kích hoạt (kiểm tra ZALO_APP_ID)',
  'oauth:-14004': 'Khóa bí mật ứng dụng Zalo không đúng (kiểm tra ZALO_APP_SECRET)',
  'sms:101': 'Khóa API SMS không đúng',
  'sms:103': 'Tài khoản SMS hết tiền',
  'sms:104': 'Tên thương hiệu SMS chưa được đăng ký',
  'sms:99': 'Số điện thoại bị chặn nhận SMS trên hệ thống nhà mạng (không gửi lại)',
  'sms:108': 'Số điện thoại không nhận được SMS',
  'sms:140': 'Máy chủ chưa được cổng SMS cho phép gửi (địa chỉ IP chưa đăng ký)',
  'sms:146': 'Nội dung SMS không khớp mẫu đã đăng ký với nhà mạng (kiểm tra SMS_TEMPLATES_JSON)',
}

/** Vietnamese reason for a stored `last_error` code such as `zalo:-118`, `sms:103` or `phone_invalid`. */
export function reasonVi(code: string | null | undefined): string {
  if (!code) return 'Không rõ nguyên nhân'
  const known = REASONS_VI[code]
  if (known) return known
  if (code.startsWith('zalo:')) return `Zalo từ chối (mã ${code.slice(5)})`
  if (code.startsWith('sms:')) return `Cổng SMS từ chối (mã ${code.slice(4)})`
  if (code.startsWith('http:')) return `Máy chủ trả lỗi HTTP ${code.slice(5)}`
  if (code.startsWith('oauth:')) return `Zalo từ chối làm mới mã truy cập (mã ${code.slice(6)})`
  if (code.startsWith('net:') || code === 'aborted') return 'Không kết nối được máy chủ Zalo'
  return 'Lỗi khi gửi tin'
}
