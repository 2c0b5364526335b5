import type { IntegritySignal, SignalKey } from '@app/shared'
import { formatInt, formatPercentVi } from './format.js'

/** Short Vietnamese names of the signals (the server's `rule` says exactly what is measured). */
export const SIGNAL_LABELS: Record<SignalKey, string> = {
  fast_completion: 'Trả lời nhanh bất thường',
  straight_lining: 'Trả lời giống hệt nhau ở mọi câu',
  shared_device: 'Nhiều phiếu từ một thiết bị',
  collector_day_burst: 'Nhiều phiếu giấy nhập trong một ngày',
  link_open_burst: 'Nhiều đường dẫn mở dồn dập',
  collector_vs_link: 'Phiếu giấy khác phiếu qua đường dẫn',
  perfect_village_one_day: 'Thôn/ấp đạt 100 % trong một ngày',
  invalidations_dissatisfied: 'Huỷ phiếu dồn vào phiếu không hài lòng',
}

/** Signals whose number is a count (ballots, link openings); the others are shares or differences in [0, 1]. */
const COUNT_SIGNALS: ReadonlySet<SignalKey> = new Set(['collector_day_burst', 'link_open_burst'])

/** A signal's number the way its rule states it: a count ("1.565") or a share ("15,0 %"); "—" without data. */
export function formatSignalNumber(key: SignalKey, n: number | null): string {
  if (n === null) return '—'
  return COUNT_SIGNALS.has(key) ? formatInt(n) : formatPercentVi(n)
}

export const signalLabel = (s: Pick<IntegritySignal, 'key'>): string => SIGNAL_LABELS[s.key] ?? s.key

export const SCOPE_LABELS: Record<IntegritySignal['scope'], string> = {
  round: 'Toàn đợt',
  village: 'Thôn/ấp',
  collector: 'Người nhập phiếu',
}
