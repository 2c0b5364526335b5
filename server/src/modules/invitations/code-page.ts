import { escapeHtml } from '../../lib/html.js'
import { shell } from '../requests/page.js'

export interface CodePageState {
  /** What the resident typed, shown back so one wrong symbol can be fixed in place. */
  value?: string
  error?: string
  hotline: string | null
}

const CODE_STYLE = `<style>
#ma{font:600 1.25rem/1.4 ui-monospace,"DejaVu Sans Mono",Menlo,Consolas,monospace;letter-spacing:.06em;text-transform:uppercase;min-height:3rem}
#ma::placeholder{text-transform:none;letter-spacing:0;font-weight:400;font-size:1rem}
.hotline a{font-weight:700;color:#8a1c1c;white-space:nowrap}button{min-height:3rem}</style>`

function hotlineLine(hotline: string | null): string {
  if (!hotline) return ''
  const tel = hotline.replace(/[^0-9+]/g, '')
  return `<p class="hotline">Cần giúp đỡ? Gọi đường dây nóng <a href="tel:${escapeHtml(tel)}">${escapeHtml(hotline)}</a>.</p>`
}

/**
 * "/ma": the printed slip's code typed by hand when the QR code cannot be scanned (an old phone, a
 * torn slip). A plain form that works without JavaScript; a right code goes on to the household's
 * page (/r/…), a wrong one is answered here in Vietnamese.
 */
export function renderCodePage(state: CodePageState): string {
  const invalid = state.error ? ' aria-invalid="true" aria-describedby="ma-err"' : ''
  return shell(
    'Nhập mã phiếu mời',
    `${CODE_STYLE}<h1>Nhập mã trên phiếu mời</h1>
<p>Nếu không quét được mã QR, ông/bà gõ mã in dưới mã QR trên phiếu mời (26 chữ và số, ví dụ <strong>K7QD-9M2X-…</strong>).
Không cần gõ dấu gạch, không phân biệt chữ hoa và chữ thường.</p>
${state.error ? `<p class="err" id="ma-err" role="alert">${escapeHtml(state.error)}</p>` : ''}
<form method="post" action="/ma" novalidate>
<label for="ma">Mã phiếu mời</label>
<input id="ma" name="ma" required maxlength="80" autocomplete="off" autocapitalize="characters" autocorrect="off" spellcheck="false"
 enterkeyhint="go" placeholder="Gõ mã trên phiếu" value="${escapeHtml(state.value ?? '')}"${invalid}>
<button type="submit">Mở phiếu</button>
</form>
${hotlineLine(state.hotline)}
<p><small>Mã là của riêng hộ gia đình, xin đừng đưa cho người khác. Ý kiến được giữ bí mật: phiếu không ghi tên ai.</small></p>`,
  )
}
