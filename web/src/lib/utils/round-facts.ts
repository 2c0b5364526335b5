import type { Round, Tally } from '@app/shared'
import type { ConfirmFact } from '../components/confirm-dialog.svelte'
import { bpToPercentVi, formatDateTimeVi, formatInt, formatRatioVi } from './format.js'

const DAY = 86_400_000

/** "còn 3 ngày (đến 08:00 ngày 15/06/2025)", or that the announced window is over. */
export function windowFact(round: Pick<Round, 'closesAt'>, now: number): ConfirmFact {
  const left = new Date(round.closesAt).getTime() - now
  if (left <= 0) return { label: 'Thời gian theo kế hoạch', value: `đã hết (${formatDateTimeVi(round.closesAt)})`, tone: 'ok' }
  const days = Math.floor(left / DAY)
  const hours = Math.ceil((left % DAY) / 3_600_000)
  const span = days > 0 ? `${formatInt(days)} ngày${hours > 0 && days < 3 ? ` ${hours} giờ` : ''}` : `${hours} giờ`
  return { label: 'Còn lại theo kế hoạch đã thông báo', value: `${span} (đến ${formatDateTimeVi(round.closesAt)})`, tone: 'warn' }
}

/** Coverage of the commune now, and the villages under the round's coverage floor (by name, the first few). */
export function coverageFacts(
  round: Pick<Round, 'coverageBp'>,
  tally: {
    commune: Pick<Tally, 'participated' | 'households'>
    villages: Pick<Tally, 'name' | 'households' | 'participated'>[]
  } | null,
): ConfirmFact[] {
  if (!tally) return []
  const c = tally.commune
  const under = tally.villages.filter((v) => v.households > 0 && v.participated * 10_000 < round.coverageBp * v.households)
  const names = under.slice(0, 4).map((v) => `${v.name} ${formatRatioVi(v.participated, v.households)}`)
  return [
    {
      label: 'Độ bao phủ toàn xã hiện tại',
      value: `${formatRatioVi(c.participated, c.households)} (${formatInt(c.participated)}/${formatInt(c.households)} hộ)`,
    },
    {
      label: `Thôn/ấp dưới mức tối thiểu ${bpToPercentVi(round.coverageBp)}`,
      value:
        under.length === 0
          ? 'không có'
          : `${formatInt(under.length)}/${formatInt(tally.villages.length)}: ${names.join('; ')}${under.length > names.length ? '; …' : ''}`,
      tone: under.length ? 'warn' : 'ok',
    },
  ]
}
