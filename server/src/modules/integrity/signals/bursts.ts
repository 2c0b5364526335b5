import { vnWallClock } from '@app/shared'
import type { IntegrityConfig } from '../../../config.js'
import { quiet, type Signal } from './types.js'

export interface EntererDayRow {
  /** The staff user who keyed the paper/meeting ballots. */
  userId: string
  day: string
  n: number
}

export interface OpenBucketRow {
  villageId: string
  /** Start of the window (ISO), windows of `windowMinutes` aligned on the epoch. */
  windowStart: string
  n: number
}

/**
 * Paper and meeting ballots keyed by one person on one day. Keying a stack of forms collected over
 * several days is normal; several times the number of households a team can visit in a day is
 * worth a look at the paper forms themselves.
 */
export function collectorDayBurst(
  rows: readonly EntererDayRow[],
  ctx: { usernames: Map<string, string> },
  cfg: IntegrityConfig['bursts'],
): Signal[] {
  const base = {
    key: 'collector_day_burst' as const,
    threshold: cfg.paperPerCollectorDay,
    rule: `Một người nhập từ ${cfg.paperPerCollectorDay} phiếu giấy / họp trở lên trong một ngày.`,
  }
  const out: Signal[] = []
  let worst: number | null = null
  for (const r of rows) {
    worst = Math.max(worst ?? 0, r.n)
    if (r.n < cfg.paperPerCollectorDay) continue
    const who = ctx.usernames.get(r.userId) ?? 'một tài khoản'
    out.push({
      ...base,
      triggered: true,
      value: r.n,
      scope: 'collector',
      unitId: r.userId,
      label: `${who} — ${r.day}`,
      n: r.n,
      explanation:
        `Tài khoản ${who} đã nhập ${r.n} phiếu giấy / họp trong ngày ${r.day}. Có thể đó là một chồng phiếu thu trong nhiều ngày ` +
        'hoặc một buổi họp đông người; nên đối chiếu với phiếu giấy gốc, sổ ký nhận và lịch họp của thôn.',
    })
  }
  if (out.length) return out
  return [quiet(base, worst, undefined, 'Không ai nhập số phiếu giấy bất thường trong một ngày.')]
}

/**
 * Personal links first opened in a bunch within a short window in one village: a resident opens
 * their own link; one person opening many (all the printed slips of a village, say) looks like
 * this. When a staff account of the commune's chain acted in the system (audit log) shortly before,
 * the explanation says so.
 */
export function linkOpenBurst(
  rows: readonly OpenBucketRow[],
  ctx: { villageNames: Map<string, string>; staffActivity: readonly string[] },
  cfg: IntegrityConfig['bursts'],
): Signal[] {
  const base = {
    key: 'link_open_burst' as const,
    threshold: cfg.linkOpensPerWindow,
    rule: `Từ ${cfg.linkOpensPerWindow} đường dẫn của cùng một thôn được mở lần đầu trong cùng ${cfg.windowMinutes} phút.`,
  }
  const activity = ctx.staffActivity.map((t) => new Date(t).getTime()).sort((a, b) => a - b)
  const out: Signal[] = []
  let worst: number | null = null
  for (const r of rows) {
    worst = Math.max(worst ?? 0, r.n)
    if (r.n < cfg.linkOpensPerWindow) continue
    const start = new Date(r.windowStart).getTime()
    const end = start + cfg.windowMinutes * 60_000
    const active = activity.filter((t) => t >= start - cfg.staffLookbackMinutes * 60_000 && t < end).at(-1)
    const name = ctx.villageNames.get(r.villageId) ?? r.villageId
    const hhmm = vnWallClock(start).slice(0, 16).replace('T', ' ')
    out.push({
      ...base,
      triggered: true,
      value: r.n,
      scope: 'village',
      unitId: r.villageId,
      label: `${name} — ${hhmm}`,
      n: r.n,
      explanation:
        `${r.n} đường dẫn của ${name} được mở lần đầu trong ${cfg.windowMinutes} phút từ ${hhmm} (giờ Việt Nam)` +
        (active !== undefined
          ? `, ngay sau một thao tác của tài khoản cán bộ trên hệ thống (${Math.max(0, Math.round((start - active) / 60_000))} phút trước đó). `
          : '. ') +
        'Có thể đó là một buổi họp thôn hướng dẫn mọi người cùng trả lời, hoặc một người đã mở hộ nhiều phiếu in. ' +
        'Nên hỏi tổ lấy ý kiến về buổi này và xem phiếu in có được giao tận hộ không.',
    })
  }
  if (out.length) return out
  return [quiet(base, worst, undefined, 'Không có thôn nào có nhiều đường dẫn được mở dồn dập trong thời gian ngắn.')]
}
