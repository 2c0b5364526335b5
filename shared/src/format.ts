/**
 * The one way figures and days are written for people: the staff app, the PDFs, the exports and the public
 * pages all call these, so the same figure reads the same everywhere.
 *
 * One rule per figure kind:
 * - counts: whole numbers grouped the Vietnamese way ("11.683");
 * - rates, shares, interval bounds, thresholds: a percent with TWO decimals ("71,32 %"). The legal verdict
 *   compares rates with thresholds in basis points, so one decimal could print "90,0 %" beside "Chưa đạt"
 *   for 89,96 % under a 90 % bar; an interval around a rate keeps the rate's precision;
 * - days: dd/MM/yyyy in Vietnam time; times HH:mm (24 h).
 * Numbers go through Intl (vi-VN); days use the fixed UTC+7 offset of vn-time.ts (no time-zone database).
 */
import { percentHundredths } from './domain/satisfaction.js'
import { vnWallClock } from './vn-time.js'

const intFmt = new Intl.NumberFormat('vi-VN', { maximumFractionDigits: 0 })
const pctFmt = new Intl.NumberFormat('vi-VN', { minimumFractionDigits: 2, maximumFractionDigits: 2, useGrouping: false })

/** A count: 11683 → "11.683"; null/undefined → "—". */
export function formatCountVi(n: number | null | undefined): string {
  return n === null || n === undefined || !Number.isFinite(n) ? '—' : intFmt.format(n)
}

/** An amount of money in đồng: 101600 → "101.600 đồng". */
export function formatVndVi(n: number): string {
  return `${formatCountVi(n)} đồng`
}

/** Hundredths of a percent (7132) → "71,32 %". */
function hundredthsVi(h: number): string {
  return `${pctFmt.format(h / 100)} %`
}

/** A rate num/den computed exactly in integers (the legal figure): (11679, 11683) → "99,97 %"; den 0 → "—". */
export function formatRateVi(num: number | null | undefined, den: number | null | undefined): string {
  if (num === null || num === undefined || den === null || den === undefined) return '—'
  const h = percentHundredths(num, den)
  return h === null ? '—' : hundredthsVi(h)
}

/** A fraction in [0, 1] (interval bounds, worst/best case, shares): 0.71318 → "71,32 %"; null → "—". */
export function formatFractionVi(fraction: number | null | undefined): string {
  if (fraction === null || fraction === undefined || !Number.isFinite(fraction)) return '—'
  return hundredthsVi(Math.round(fraction * 10_000))
}

/** Basis points (thresholds, floors): 9000 → "90,00 %". */
export function formatBpVi(bp: number): string {
  return hundredthsVi(bp)
}

const DAY_RE = /^(\d{4})-(\d{2})-(\d{2})$/

/**
 * A day as Vietnamese people write it, dd/MM/yyyy: an instant (ISO with time) is taken in Vietnam time;
 * a calendar day (YYYY-MM-DD, e.g. "hiệu lực đến") is written as is. null/empty → "—"; anything else as is.
 */
export function formatDateVi(value: string | null | undefined): string {
  if (!value) return '—'
  const day = DAY_RE.exec(value)
  if (day) return `${day[3]}/${day[2]}/${day[1]}`
  const t = Date.parse(value)
  if (Number.isNaN(t)) return value
  const [y, m, d] = vnWallClock(t).slice(0, 10).split('-')
  return `${d}/${m}/${y}`
}

/** Hour and minute in Vietnam time: "08:30". */
export function formatTimeVi(value: string | Date): string {
  const t = typeof value === 'string' ? Date.parse(value) : value.getTime()
  return Number.isNaN(t) ? '—' : vnWallClock(t).slice(11, 16)
}

/** An instant as "08:30 01/06/2025" (Vietnam time); null → "—". */
export function formatDateTimeVi(value: string | null | undefined): string {
  if (!value) return '—'
  return Number.isNaN(Date.parse(value)) ? value : `${formatTimeVi(value)} ${formatDateVi(value)}`
}

/** "01/06/2025" (what a date field shows) → "2025-06-01"; null when it is not a real day. */
export function parseDateVi(text: string): string | null {
  const m = /^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\s*$/.exec(text)
  if (!m) return null
  const [d, mo, y] = [Number(m[1]), Number(m[2]), Number(m[3])]
  const dt = new Date(Date.UTC(y, mo - 1, d))
  if (dt.getUTCFullYear() !== y || dt.getUTCMonth() !== mo - 1 || dt.getUTCDate() !== d) return null
  return `${y}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}`
}

/** A stored phone (84… without +) as people write it: "84912345678" → "0912 345 678"; anything else as is. */
export function formatPhoneVi(phone: string | null | undefined): string {
  if (!phone) return ''
  const m = /^84(\d{3})(\d{3})(\d{3,4})$/.exec(phone)
  return m ? `0${m[1]} ${m[2]} ${m[3]}` : phone
}
