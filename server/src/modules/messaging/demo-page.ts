/**
 * GET /demo/zalo (fake mode only): what each fake phone "received" by Zalo ZNS and SMS, with the
 * survey links clickable, so a newcomer can send invitations from the staff app and answer as a resident.
 * Everything shown is escaped; only http(s) links become anchors.
 */
import { request } from 'undici'
import { escapeHtml } from '../../lib/html.js'

export interface InboxItem {
  phone: string
  channel: 'Zalo' | 'SMS'
  at: number
  name: string | null
  title: string | null
  text: string | null
  url: string | null
  delivered: boolean | null
}

async function getJson(url: string): Promise<unknown> {
  try {
    const res = await request(url, { method: 'GET', signal: AbortSignal.timeout(3_000) })
    const text = await res.body.text()
    return res.statusCode === 200 ? JSON.parse(text) : null
  } catch {
    return null
  }
}

const s = (v: unknown) => (typeof v === 'string' ? v : null)

/** Read both fakes' inboxes over their control planes (`/__fake/messages`). */
export async function loadInbox(znsBaseUrl: string, smsBaseUrl: string | null): Promise<{ items: InboxItem[]; reachable: boolean }> {
  const zalo = await getJson(`${znsBaseUrl}/__fake/messages`)
  const sms = smsBaseUrl ? await getJson(`${smsBaseUrl}/__fake/messages`) : []
  const items: InboxItem[] = []
  for (const m of Array.isArray(zalo) ? zalo : []) {
    const td = (m?.templateData ?? {}) as Record<string, unknown>
    items.push({
      phone: String(m?.phone ?? ''),
      channel: 'Zalo',
      at: Number(m?.sentTime ?? 0),
      name: s(td.customer_name),
      title: s(td.round_name),
      text: null,
      url: s(td.survey_url),
      delivered: m?.status === 1,
    })
  }
  for (const m of Array.isArray(sms) ? sms : []) {
    const text = s(m?.content) ?? ''
    items.push({
      phone: String(m?.phone84 ?? m?.phone ?? ''),
      channel: 'SMS',
      at: Number(m?.at ?? 0),
      name: null,
      title: null,
      text,
      url: /(https?:\/\/\S+)/.exec(text)?.[1] ?? null,
      delivered: null,
    })
  }
  return { items, reachable: Array.isArray(zalo) }
}

function fmt(ms: number): string {
  const d = new Date(ms + 7 * 3_600_000)
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} (giờ VN)`
}

export function renderInboxPage(inbox: { items: InboxItem[]; reachable: boolean }, staffUrl: string): string {
  const byPhone = new Map<string, InboxItem[]>()
  for (const it of [...inbox.items].sort((a, b) => b.at - a.at)) {
    const list = byPhone.get(it.phone) ?? []
    list.push(it)
    byPhone.set(it.phone, list)
  }
  const sections = [...byPhone.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([phone, list]) => {
      const rows = list
        .map((it) => {
          const link = it.url && /^https?:\/\//i.test(it.url) ? `<a href="${escapeHtml(it.url)}">${escapeHtml(it.url)}</a>` : ''
          const body = it.text !== null ? escapeHtml(it.text) : `${escapeHtml(it.name ?? '')} — ${escapeHtml(it.title ?? '')}`
          const state = it.delivered === null ? '' : it.delivered ? ' · đã nhận' : ' · chưa nhận'
          return `<li><strong>${it.channel}</strong> · ${escapeHtml(fmt(it.at))}${state}<br>${body}<br>${link}</li>`
        })
        .join('\n')
      return `<section><h2>${escapeHtml(phone)}</h2><ul>${rows}</ul></section>`
    })
    .join('\n')
  const empty = inbox.reachable
    ? '<p>Chưa có tin nào. Đăng nhập trang cán bộ, mở một đợt và gửi lời mời qua Zalo; tin sẽ hiện ở đây sau vài giây (chỉ gửi 07:00–21:00 giờ VN, xem ZALO_SEND_HOURS).</p>'
    : '<p>Không đọc được máy chủ Zalo giả lập.</p>'
  return `<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Hộp thư Zalo giả lập — Hài Lòng</title></head>
<body>
<h1>Hộp thư Zalo / SMS giả lập</h1>
<p>Chế độ thử (ZALO_MODE=fake): không tin nào được gửi thật. Mỗi mục là một số điện thoại giả; bấm đường dẫn để trả lời như người dân. <a href="${escapeHtml(staffUrl)}">Trang cán bộ</a> · <a href="/demo/zalo">Tải lại</a></p>
${byPhone.size === 0 ? empty : sections}
</body></html>`
}
