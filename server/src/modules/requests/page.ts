import { formatDateVi, type PublicRequestPage } from '@app/shared'
import { escapeHtml } from '../../lib/html.js'

const STYLE = `
*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1b1b;background:#f6f6f3}
main{max-width:34rem;margin:0 auto;padding:1rem}h1{font-size:1.35rem;line-height:1.3;margin:.5rem 0 1rem;color:#8a1c1c}
p{margin:.5rem 0}label{display:block;font-weight:600;margin:1rem 0 .25rem}.hint{font-weight:400;color:#555;font-size:.9rem}
input,select,textarea{width:100%;font:inherit;padding:.6rem;border:1px solid #888;border-radius:.4rem;background:#fff}
textarea{min-height:5rem}.err{color:#b00020;font-size:.95rem;margin:.25rem 0 0}[aria-invalid=true]{border-color:#b00020;border-width:2px}
button{margin-top:1.25rem;width:100%;font:inherit;font-weight:700;padding:.8rem;border:0;border-radius:.4rem;background:#8a1c1c;color:#fff}
.box{background:#fff;border:1px solid #ddd;border-radius:.5rem;padding:1rem;margin:1rem 0}small{color:#555}`

/** The plain page frame of the server-rendered resident pages (/hoi, /ma): no script, styles inline. */
export function shell(title: string, body: string): string {
  return `<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title><meta name="robots" content="noindex"><style>${STYLE}</style></head>
<body><main>${body}</main></body></html>`
}

export interface FormState {
  values?: Record<string, string>
  errors?: Record<string, string>
  /** The help line (HOTLINE), for a household that would rather call. */
  hotline?: string | null
}

/** "Hộ tôi chưa được hỏi ý kiến": a plain HTML form (works without JavaScript), posting to the same address. */
export function renderRequestPage(data: PublicRequestPage, state: FormState = {}): string {
  const title = `Hộ tôi chưa được hỏi ý kiến — xã ${data.commune.name}`
  if (data.rounds.length === 0) return renderClosedPage(data.commune.name)
  const v = state.values ?? {}
  const e = state.errors ?? {}
  const field = (name: string) => (e[name] ? ` aria-invalid="true" aria-describedby="${name}-err"` : '')
  const err = (name: string) => (e[name] ? `<p class="err" id="${name}-err">${escapeHtml(e[name] as string)}</p>` : '')
  const options = data.villages
    .map((vl) => `<option value="${escapeHtml(vl.id)}"${v.villageId === vl.id ? ' selected' : ''}>${escapeHtml(vl.name)}</option>`)
    .join('')
  const closes = data.rounds.map((r) => escapeHtml(formatDateVi(r.closesAt)))
  return shell(
    title,
    `<h1>Hộ tôi chưa được hỏi ý kiến</h1>
<p>Xã <strong>${escapeHtml(data.commune.name)}</strong> đang lấy ý kiến sự hài lòng của người dân (đến hết ngày ${closes[0] ?? ''}).
Nếu hộ của ông/bà chưa nhận được phiếu hoặc đường dẫn, xin để lại thông tin; Mặt trận Tổ quốc xã sẽ liên hệ.</p>
${e.form ? `<p class="err" role="alert">${escapeHtml(e.form)}</p>` : ''}
<form method="post" novalidate>
<label for="villageId">Thôn / ấp <span class="hint">(nếu biết)</span></label>
<select id="villageId" name="villageId"${field('villageId')}><option value="">— Chọn thôn / ấp —</option>${options}</select>${err('villageId')}
<label for="headName">Họ tên chủ hộ</label>
<input id="headName" name="headName" autocomplete="name" required maxlength="100" value="${escapeHtml(v.headName ?? '')}"${field('headName')}>${err('headName')}
<label for="phone">Số điện thoại <span class="hint">(không bắt buộc)</span></label>
<input id="phone" name="phone" type="tel" inputmode="tel" autocomplete="tel" maxlength="20" value="${escapeHtml(v.phone ?? '')}"${field('phone')}>${err('phone')}
<label for="note">Ghi chú <span class="hint">(không bắt buộc, ví dụ địa chỉ)</span></label>
<textarea id="note" name="note" maxlength="500"${field('note')}>${escapeHtml(v.note ?? '')}</textarea>${err('note')}
<button type="submit">Gửi yêu cầu</button>
</form>
${state.hotline ? `<p>Hoặc gọi đường dây nóng <a href="tel:${escapeHtml(state.hotline.replace(/[^0-9+]/g, ''))}"><strong>${escapeHtml(state.hotline)}</strong></a>.</p>` : ''}
<p><small>Thông tin chỉ dùng để Mặt trận xã liên hệ với hộ gia đình. Trang này không cho biết hộ nào đã trả lời phiếu.</small></p>`,
  )
}

export function renderReceivedPage(communeName: string, message: string): string {
  return shell(
    'Đã nhận yêu cầu',
    `<h1>Đã nhận yêu cầu</h1><div class="box" role="status"><p>${escapeHtml(message)}</p></div><p><small>Xã ${escapeHtml(communeName)}</small></p>`,
  )
}

export function renderClosedPage(communeName: string): string {
  return shell(
    'Không có đợt lấy ý kiến đang mở',
    `<h1>Không có đợt lấy ý kiến đang mở</h1><p>Hiện xã ${escapeHtml(communeName)} không có đợt lấy ý kiến nào đang mở. Xin cảm ơn ông/bà.</p>`,
  )
}

export function renderNotFound(): string {
  return shell(
    'Không tìm thấy',
    '<h1>Không tìm thấy trang</h1><p>Đường dẫn không đúng. Vui lòng quét lại mã QR trên thông báo của thôn.</p>',
  )
}
