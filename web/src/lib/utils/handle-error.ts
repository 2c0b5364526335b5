import { ApiError } from '../api/errors.js'
import { toasts } from '../state/toasts.svelte.js'

/** A Vietnamese message per error code (shared/errors.ts); the server's English message is never shown. */
const MESSAGES: Record<string, string> = {
  validation_failed: 'Dữ liệu chưa hợp lệ, vui lòng kiểm tra lại.',
  invalid_json: 'Dữ liệu gửi lên không hợp lệ.',
  unsupported_media_type: 'Định dạng tệp không được hỗ trợ (chỉ CSV hoặc XLSX).',
  unauthorized: 'Phiên đăng nhập đã hết hạn, vui lòng đăng nhập lại.',
  invalid_credentials: 'Tên đăng nhập hoặc mật khẩu không đúng.',
  forbidden: 'Bạn không có quyền thực hiện thao tác này.',
  not_found: 'Không tìm thấy dữ liệu (hoặc ngoài phạm vi của bạn).',
  conflict: 'Thao tác xung đột với dữ liệu hiện có.',
  already_exists: 'Mục này đã tồn tại.',
  already_answered: 'Hộ này đã tham gia đợt lấy ý kiến (mỗi hộ một phiếu).',
  invalid_transition: 'Không thể chuyển trạng thái đợt lấy ý kiến như vậy.',
  round_closed: 'Đợt lấy ý kiến đã kết thúc.',
  round_not_open: 'Đợt lấy ý kiến chưa mở.',
  same_enterer: 'Lần nhập thứ hai của phiếu giấy phải do người khác thực hiện.',
  link_not_found: 'Không tìm thấy đường dẫn.',
  no_households: 'Chưa có hộ gia đình nào trong phạm vi này.',
  invalid_file: 'Tệp không đọc được: cần CSV (UTF-8) hoặc XLSX có dòng tiêu đề đúng mẫu.',
  payload_too_large: 'Tệp quá lớn.',
  rate_limited: 'Quá nhiều yêu cầu, vui lòng thử lại sau ít phút.',
  template_level_mismatch: 'Mẫu phiếu này không dùng cho cấp công nhận đã chọn; hãy chọn mẫu phiếu của cấp đó.',
  rule_set_level_mismatch: 'Bộ quy tắc này không áp dụng cho cấp công nhận đã chọn.',
  reason_required_against_verdict: 'Quyết định khác với kết luận theo quy định: cần ghi rõ lý do của hội đồng.',
  decision_exists: 'Hội đồng đã ghi quyết định cho kết quả này; hãy dùng "Sửa đổi quyết định" (kèm lý do).',
  decision_superseded: 'Quyết định này vừa được sửa đổi hoặc không còn hiệu lực; đã tải lại quyết định hiện hành.',
  resurvey_exists: 'Đã tạo đợt lấy ý kiến lại cho đợt này nên không thể bỏ quyết định trả lại.',
  template_out_of_period: 'Mẫu phiếu này không áp dụng trong thời gian của đợt; hãy chọn mẫu phiếu của giai đoạn hiện hành.',
  rule_set_out_of_period: 'Bộ quy tắc này không có hiệu lực trong thời gian của đợt; hãy chọn bộ quy tắc đang có hiệu lực.',
  no_template_for_period: 'Chưa có mẫu phiếu cho cấp này trong thời gian của đợt; hãy chọn mẫu phiếu.',
  unit_not_in_force: 'Xã này không còn (hoặc chưa có) trong thời gian của đợt, do sắp xếp đơn vị hành chính; hãy chọn xã hiện hành.',
  results_not_disclosed:
    'Kết quả chỉ hiển thị khi đợt lấy ý kiến đã kết thúc thu phiếu; trong lúc đang thu phiếu chỉ theo dõi được độ bao phủ.',
  results_disclosed:
    'Kết quả của đợt này đã được công bố nên không thể mở lại để nhận thêm ý kiến. Hãy mở một đợt lấy ý kiến bổ sung cho các hộ chưa tham gia.',
  self_lockout: 'Không thể khoá, hạ quyền hay đặt lại mật khẩu của chính tài khoản bạn đang dùng; hãy nhờ một quản trị viên khác.',
  internal: 'Máy chủ gặp lỗi, vui lòng thử lại sau.',
  network: 'Không kết nối được máy chủ. Kiểm tra mạng và thử lại.',
  bad_response: 'Máy chủ trả về dữ liệu không đúng định dạng.',
}

/** Why a household file was refused (`details.reason`), more precise than its code. */
const FILE_REASONS: Record<string, string> = {
  empty: 'Tệp rỗng hoặc không có dòng nào.',
  not_utf8: 'Tệp CSV không phải UTF-8: trong Excel hãy chọn Lưu thành "CSV UTF-8".',
  not_text: 'Tệp không phải tệp CSV.',
  not_xlsx: 'Tệp không phải sổ tính XLSX hợp lệ (hoặc bị hỏng).',
  no_sheet: 'Sổ tính XLSX không có trang tính nào.',
  malformed: 'Tệp sai định dạng, không đọc được.',
  too_large: 'Tệp quá lớn.',
  inflated_too_large: 'Tệp XLSX giải nén ra quá lớn so với một danh sách hộ.',
  too_many_rows: 'Tệp có quá nhiều dòng cho một lần nhập.',
  too_many_columns: 'Tệp có quá nhiều cột.',
  cell_too_long: 'Tệp có ô quá dài.',
  missing_header: 'Dòng tiêu đề thiếu cột mã ấp, mã hộ hoặc chủ hộ (xem tệp mẫu).',
  no_file: 'Chưa chọn tệp.',
}

/**
 * Refusals the server words in Vietnamese with the facts that matter (how many forms are unsettled, which
 * round is open, which bar is below the rule): its message is shown as it is.
 */
const SERVER_WORDED = new Set([
  'resolver_keyed_entry',
  'unresolved_mismatches',
  'frame_frozen',
  'round_already_open',
  'rule_below_level',
  'reason_required',
])

/** The Vietnamese message for an error (any thrown value). */
export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) {
    if (SERVER_WORDED.has(err.code) && err.message) return err.message
    const byReason = err.reason ? FILE_REASONS[err.reason] : undefined
    if (byReason && (err.code === 'invalid_file' || err.code === 'payload_too_large')) return byReason
    return MESSAGES[err.code] ?? `Có lỗi xảy ra (${err.code}).`
  }
  return 'Có lỗi xảy ra, vui lòng thử lại.'
}

/** The one error funnel: every caught error goes here and becomes a toast. Returns the message. */
export function handleError(err: unknown, context?: string): string {
  const msg = errorMessage(err)
  toasts.show(context ? `${context}: ${msg}` : msg, 'error')
  if (!(err instanceof ApiError)) console.error(err)
  return msg
}
