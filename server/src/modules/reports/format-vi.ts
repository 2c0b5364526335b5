/** Vietnamese display helpers for the documents (minutes, notices, the public page). */
import { formatRatioVi } from '@app/shared'

export { formatRatioVi }

/** 11683 → "11.683" (Vietnamese thousands separator). */
export function intVi(n: number | null | undefined): string {
  if (n === null || n === undefined) return '—'
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, '.')
}

/** Basis points as a Vietnamese percentage: 9000 → "90,00 %". */
export function bpVi(bp: number): string {
  return formatRatioVi(bp, 10_000)
}

const dayFmt = new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Ho_Chi_Minh', day: '2-digit', month: '2-digit', year: 'numeric' })
const timeFmt = new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Ho_Chi_Minh', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })

/** ISO instant → "01/06/2025" in Vietnam time. */
export function dateVi(iso: string): string {
  return dayFmt.format(new Date(iso))
}

/** ISO instant → "08:30 ngày 01/06/2025" in Vietnam time. */
export function dateTimeVi(iso: string): string {
  return `${timeFmt.format(new Date(iso))} ngày ${dateVi(iso)}`
}

/** "ngày 01 tháng 06 năm 2025" for the place-and-date line of an official document. */
export function longDateVi(iso: string): string {
  const [d, m, y] = dateVi(iso).split('/')
  return `ngày ${d} tháng ${m} năm ${y}`
}

export const VERDICT_VI: Record<string, string> = {
  meets: 'ĐẠT',
  below_threshold: 'CHƯA ĐẠT (tỉ lệ hài lòng thấp hơn ngưỡng)',
  insufficient_coverage: 'CHƯA ĐỦ ĐIỀU KIỆN KẾT LUẬN (tỉ lệ hộ được lấy ý kiến chưa đạt mức tối thiểu)',
  no_data: 'KHÔNG CÓ PHIẾU HỢP LỆ',
  meets_coverage: 'Đủ tỉ lệ lấy ý kiến',
}

export const VILLAGE_VERDICT_VI: Record<string, string> = {
  meets_coverage: 'Đạt',
  insufficient_coverage: 'Chưa đạt',
  no_data: 'Không có hộ',
}

export const CHANNEL_VI: Record<string, string> = { link: 'Đường dẫn cá nhân', paper: 'Phiếu giấy', meeting: 'Họp khu dân cư' }

export const INVALIDATION_VI: Record<string, string> = {
  duplicate_household: 'Trùng hộ',
  not_resident: 'Không phải hộ trên địa bàn',
  coerced: 'Bị tác động, ép buộc',
  entry_error: 'Nhập sai',
  other: 'Lý do khác',
}

export const SCOPE_VI: Record<string, string> = { village: 'từng ấp/thôn', commune: 'toàn xã' }
