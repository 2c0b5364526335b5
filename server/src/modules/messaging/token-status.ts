/**
 * What the token keeper knows about the OA token pair, for the start-up log, the staff warning and the admin page.
 * A refresh token is single-use and lives 3 months (docs/zalo-notes.md §1): each rotation starts a new 3 months, so
 * a pair that cannot be refreshed for ~3 months needs a human re-consent. Staff are warned 14 days before.
 */
import type { ZaloTokenStatus } from '@app/shared'
import type { ZaloTokenRow } from './repo.js'
import { reasonVi } from './zalo-errors.js'

export const REFRESH_TOKEN_TTL_MS = 90 * 86_400_000
export const RECONSENT_WARNING_DAYS = 14
const DAY = 86_400_000

function viDate(iso: string): string {
  const d = new Date(new Date(iso).getTime() + 7 * 3_600_000)
  return `${String(d.getUTCDate()).padStart(2, '0')}/${String(d.getUTCMonth() + 1).padStart(2, '0')}/${d.getUTCFullYear()}`
}

export function tokenStatus(
  mode: 'fake' | 'live' | 'off',
  row: ZaloTokenRow | undefined,
  now: Date,
  reconsentUrl: string | null,
): ZaloTokenStatus {
  const base = {
    mode,
    accessExpiresAt: null,
    refreshExpiresAt: null,
    lastRotatedAt: null,
    daysUntilReconsent: null,
    lastError: null,
    reconsentUrl,
  }
  if (mode === 'off') return { ...base, state: 'off', warning: null, reconsentUrl: null }
  if (!row) return { ...base, state: 'missing', warning: 'Chưa kết nối Zalo OA: quản trị viên cần cấp quyền cho ứng dụng để gửi tin Zalo.' }
  const refreshExpiresAt = new Date(new Date(row.rotatedAt).getTime() + REFRESH_TOKEN_TTL_MS).toISOString()
  const days = Math.max(0, Math.floor((new Date(refreshExpiresAt).getTime() - now.getTime()) / DAY))
  const lastError = row.lastError ? reasonVi(row.lastError) : null
  let warning: string | null = null
  if (row.state === 'needs_reconsent')
    warning = 'Zalo OA cần được cấp quyền lại: không gửi được tin Zalo cho đến khi quản trị viên cấp quyền lại.'
  else if (days <= RECONSENT_WARNING_DAYS)
    warning = `Chưa làm mới được mã truy cập Zalo${lastError ? ` (${lastError})` : ''}. Nếu đến ${viDate(refreshExpiresAt)} (còn ${days} ngày) vẫn chưa làm mới được, quản trị viên sẽ phải cấp quyền lại cho Zalo OA.`
  return {
    ...base,
    state: row.state,
    accessExpiresAt: row.accessExpiresAt,
    refreshExpiresAt,
    lastRotatedAt: row.rotatedAt,
    daysUntilReconsent: days,
    warning,
    lastError,
  }
}
