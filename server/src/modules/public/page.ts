import { DECISION_VI, type PublicRoundResult, type PublicTally, RECORD_EVENT_VI, type RecordEvent } from '@app/shared'
import { escapeHtml } from '../../lib/html.js'
import {
  bpVi,
  coverageScopeVi,
  dateTimeVi,
  dateVi,
  formatRatioVi,
  hexGroupsVi,
  intVi,
  verdictSentenceVi,
  villageCoverageVi,
  villageSubjectVi,
} from '../reports/format-vi.js'

function pct(num: number | null, den: number | null): string {
  return num === null || den === null ? '—' : formatRatioVi(num, den)
}

function row(t: PublicTally, isVillage: boolean, min: number): string {
  const verdict = isVillage ? villageCoverageVi(t.verdict) : verdictSentenceVi(t.verdict)
  if (t.suppressed)
    return `<tr><th scope="row">${escapeHtml(t.name)}</th><td>${intVi(t.households)}</td><td colspan="4" class="s">— dưới ${min} phiếu hoặc gộp để bảo vệ bí mật phiếu</td><td>${escapeHtml(verdict)}</td></tr>`
  return `<tr><th scope="row">${escapeHtml(t.name)}</th><td>${intVi(t.households)}</td><td>${intVi(t.participated)}</td><td>${intVi(t.valid)}</td><td>${intVi(t.satisfied)}</td><td>${pct(t.satisfied, t.valid)}<br><small>tham gia ${pct(t.participated, t.households)}</small></td><td>${escapeHtml(verdict)}</td></tr>`
}

const STYLE = `body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;padding:12px;color:#111;background:#fafafa;line-height:1.4}
main{max-width:760px;margin:0 auto;background:#fff;padding:14px;border:1px solid #ddd;border-radius:6px}
h1{font-size:1.15rem;margin:.2rem 0 .6rem}h2{font-size:1rem;margin:1rem 0 .4rem}
.big{font-size:1.8rem;font-weight:700}.v{display:inline-block;padding:2px 8px;border-radius:4px;background:#e8f5e9;font-weight:700}
.v.no{background:#fff3e0}table{border-collapse:collapse;width:100%;font-size:.85rem}th,td{border:1px solid #ccc;padding:4px 5px;text-align:right;vertical-align:top}
th[scope=row],thead th{text-align:left}thead th{background:#f0f0f0}.s{text-align:center;color:#555;font-style:italic}
.scroll{overflow-x:auto}code{word-break:break-all;font-size:.8rem}.muted{color:#555;font-size:.85rem}dl{margin:0}dt{font-weight:600}dd{margin:0 0 .4rem}
.root{font-family:ui-monospace,"DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:1rem;letter-spacing:.04em;line-height:1.6;word-spacing:.3em}
.check{padding:8px 10px;border-radius:4px;margin:.6rem 0;border:1px solid}.check.ok{background:#e8f5e9;border-color:#66bb6a}
.check.bad{background:#ffebee;border-color:#e53935}.check.warn{background:#fff3e0;border-color:#fb8c00}
.rootbox{display:flex;flex-wrap:wrap;gap:12px;align-items:center}.qr{margin:0;width:160px}.qr svg{width:160px;height:160px;display:block}
.qr figcaption{font-size:.75rem}td.l,th.l{text-align:left}.hist td{text-align:left}.hist td:first-child{white-space:nowrap}.hist .root{font-size:.75rem}`

/**
 * The public verify page (/v/:roundId): the sealed totals, the per-village breakdown with
 * small-group suppression and the ledger root hash. Plain HTML, no script, every value escaped.
 */
export function renderVerifyPage(p: PublicRoundResult, qr?: { qrSvg: string; url: string }): string {
  const c = p.commune
  const ok = c.verdict === 'meets'
  // a one-village round (ấp/thôn kiểu mẫu) is about that ấp, in its commune
  const ap = p.villageName ? villageSubjectVi(p.villageName) : null
  return `<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><link rel="icon" href="data:,">
<title>Kết quả lấy ý kiến — ${ap ? `${escapeHtml(ap)}, ` : ''}xã ${escapeHtml(p.communeName)}</title><style>${STYLE}</style></head>
<body><main>
<p class="muted">Kết quả đã niêm phong — kiểm tra công khai</p>
<h1>${escapeHtml(p.title)}</h1>
<dl>
${
  ap
    ? `<dt>Ấp/thôn</dt><dd>${escapeHtml(p.villageName ?? '')}</dd>
`
    : ''
}<dt>Xã</dt><dd>${escapeHtml(p.communeName)}</dd>
<dt>Mức đề nghị công nhận</dt><dd>${escapeHtml(p.levelName)}</dd>
<dt>Thời gian lấy ý kiến</dt><dd>${dateVi(p.opensAt)} – ${dateVi(p.closesAt)}</dd>
</dl>
<h2>${ap ? `Kết quả của ${escapeHtml(ap)}` : 'Kết quả toàn xã'}</h2>
${
  c.suppressed
    ? `<p>— Dưới ${p.minCell} phiếu hợp lệ: không công bố chi tiết để bảo vệ bí mật phiếu.</p>`
    : `<p><span class="big">${pct(c.satisfied, c.valid)}</span> hài lòng (${intVi(c.satisfied)}/${intVi(c.valid)} phiếu hợp lệ)</p>
<p>Số hộ: ${intVi(c.households)} · Số hộ tham gia: ${intVi(c.participated)} (${pct(c.participated, c.households)}) · Không hài lòng: ${intVi(c.notSatisfied)}</p>`
}
<p>Kết luận: <span class="v${ok ? '' : ' no'}">${escapeHtml(verdictSentenceVi(c.verdict))}</span></p>
<p class="muted">Ngưỡng hài lòng ≥ ${bpVi(p.thresholdBp)} số phiếu hợp lệ; tỷ lệ hộ tham gia tối thiểu ${bpVi(p.coverageBp)} (${escapeHtml(coverageScopeVi(p.coverageScope))}).</p>
<h2>Theo ấp/thôn</h2>
<div class="scroll"><table>
<thead><tr><th>Ấp/thôn</th><th>Số hộ</th><th>Tham gia</th><th>Hợp lệ</th><th>Hài lòng</th><th>Tỷ lệ hài lòng</th><th>Đủ tỷ lệ lấy ý kiến</th></tr></thead>
<tbody>
${p.villages.map((v) => row(v, true, p.minCell)).join('\n')}
</tbody></table></div>
${p.villages.some((v) => v.suppressed) ? `<p class="muted">— : ấp/thôn có dưới ${p.minCell} phiếu hợp lệ, và ấp/thôn nhỏ nhất kế tiếp, không công bố chi tiết để không ai suy ra được phiếu của hộ nào (lấy tổng trừ đi các ấp khác). Các phiếu vẫn được tính vào kết quả chung của xã.</p>` : ''}
<h2>Quyết định của hội đồng thẩm định</h2>
${p.decision ? `<p>${decisionVi(p.decision)}</p>${p.decision.reason ? `<p>Lý do: ${escapeHtml(p.decision.reason)}</p>` : ''}` : '<p class="muted">Hội đồng chưa ghi quyết định cho kết quả này.</p>'}
<h2 id="ma-niem-phong">Mã niêm phong kết quả</h2>
${rootCheckHtml(p.rootCheck)}
<div class="rootbox"><p class="root">${rootHtml(p.ledgerRootHash)}</p>${
    qr
      ? `<figure class="qr">${qr.qrSvg}<figcaption class="muted">Mã QR của trang này kèm mã niêm phong, giống mã QR trên biên bản</figcaption></figure>`
      : ''
  }</div>
<p class="muted">Niêm phong lúc ${dateTimeVi(p.sealedAt)}. Mã này là giá trị băm cuối của chuỗi phiếu; biên bản giấy in cùng mã này và mã QR trên biên bản dẫn tới <a href="/v/${escapeHtml(p.roundId)}?root=${escapeHtml(p.ledgerRootHash)}">trang này kèm mã</a> để đối chiếu. Nếu mã trên giấy khác mã ở đây, kết quả đã bị thay đổi sau khi niêm phong. Trang này không hiển thị ý kiến riêng của bất kỳ hộ nào.</p>
${historyHtml(p.history)}
</main></body></html>
`
}

/** 64 hex digits as on paper: groups of 8, four to a line. */
function rootHtml(root: string): string {
  return hexGroupsVi(root)
    .split('\n')
    .map((l) => escapeHtml(l))
    .join('<br>')
}

function votesVi(e: RecordEvent): string {
  return e.votes
    ? `biểu quyết ${intVi(e.votes.for)} tán thành / ${intVi(e.votes.against)} không tán thành / ${intVi(e.votes.abstain)} không biểu quyết`
    : ''
}

/** "Đề nghị công nhận — biểu quyết 20 tán thành / …, họp ngày 20/06/2025 (khác với kết luận theo quy định)". */
function decisionVi(e: RecordEvent): string {
  const parts = [
    `<strong>${escapeHtml(DECISION_VI[e.decision ?? ''] ?? e.decision ?? '')}</strong>`,
    votesVi(e),
    e.decidedAt ? `họp ngày ${dateVi(e.decidedAt)}` : '',
    e.version && e.version > 1 ? `bản sửa đổi lần ${e.version - 1}` : '',
  ].filter(Boolean)
  return `${parts.join(', ')}${e.againstVerdict ? ' — <strong>khác với kết luận theo quy định</strong>' : ''}.`
}

function eventDetailHtml(e: RecordEvent): string {
  const out: string[] = []
  if (e.kind === 'decision' || e.kind === 'amendment') out.push(decisionVi(e))
  if ((e.kind === 'seal' || e.kind === 'reseal' || e.kind === 'unseal') && e.ledgerRootHash)
    out.push(`Mã niêm phong: <span class="root">${rootHtml(e.ledgerRootHash)}</span>`)
  if (e.reason) out.push(`Lý do: ${escapeHtml(e.reason)}`)
  return out.join('<br>')
}

/** The record of the result, oldest first: seal, unseal, reopen, reseal, decisions with their reasons and dates. */
function historyHtml(history: RecordEvent[]): string {
  if (history.length === 0) return ''
  return `<h2>Quá trình niêm phong và quyết định</h2>
<div class="scroll"><table class="hist">
<thead><tr><th class="l">Ngày</th><th class="l">Việc</th><th class="l">Chi tiết</th></tr></thead>
<tbody>
${history.map((e) => `<tr><td>${dateVi(e.at)}</td><td>${escapeHtml(RECORD_EVENT_VI[e.kind] ?? e.kind)}</td><td>${eventDetailHtml(e)}</td></tr>`).join('\n')}
</tbody></table></div>`
}

/** What the page says about the root printed on paper (the QR code's `?root=`). */
function rootCheckHtml(c: PublicRoundResult['rootCheck']): string {
  if (!c) return ''
  switch (c.result) {
    case 'current':
      return '<p class="check ok" role="status"><strong>Khớp.</strong> Mã in trên giấy trùng với mã niêm phong đang lưu trong hệ thống.</p>'
    case 'earlier':
      return '<p class="check warn" role="status"><strong>Mã trên giấy thuộc một lần niêm phong trước.</strong> Kết quả đó đã được mở niêm phong (xem lý do ở bảng quá trình bên dưới); biên bản đang cầm không còn là kết quả hiện hành.</p>'
    case 'malformed':
      return '<p class="check warn" role="status">Mã trong địa chỉ không đúng định dạng (cần 64 ký tự 0–9, a–f). Hãy quét lại mã QR hoặc so mã bằng mắt.</p>'
    default:
      return `<p class="check bad" role="alert"><strong>KHÔNG KHỚP.</strong> Mã in trên giấy (<span class="root">${rootHtml(c.paperRoot)}</span>) khác mã niêm phong đang lưu trong hệ thống. Kết quả trong hệ thống đã bị thay đổi sau khi in biên bản này; hãy báo ngay cho Ban Thường trực Ủy ban MTTQ Việt Nam cấp tỉnh.</p>`
  }
}

/** /v/:roundId for a round sealed once and not sealed now: the record, no figure. */
export function renderRecordPage(p: {
  roundId: string
  title: string
  communeName: string
  levelName: string
  history: RecordEvent[]
  rootCheck: PublicRoundResult['rootCheck']
}): string {
  return `<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><link rel="icon" href="data:,">
<title>Kết quả đã mở niêm phong — xã ${escapeHtml(p.communeName)}</title><style>${STYLE}</style></head>
<body><main>
<p class="muted">Kiểm tra công khai</p>
<h1>${escapeHtml(p.title)}</h1>
<dl><dt>Xã</dt><dd>${escapeHtml(p.communeName)}</dd><dt>Mức đề nghị công nhận</dt><dd>${escapeHtml(p.levelName)}</dd></dl>
<p class="check warn" role="status"><strong>Kết quả của đợt này đã được mở niêm phong và chưa niêm phong lại.</strong> Kết quả niêm phong trước đây không còn hiệu lực; lý do ở bảng dưới.</p>
${p.rootCheck && p.rootCheck.result !== 'earlier' ? rootCheckHtml(p.rootCheck) : ''}
${historyHtml(p.history)}
</main></body></html>
`
}

/** What /v/:roundId shows for an unknown or not yet sealed round. */
export function renderNotFoundPage(): string {
  return `<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><link rel="icon" href="data:,">
<title>Không tìm thấy kết quả</title><style>${STYLE}</style></head>
<body><main><h1>Không tìm thấy kết quả</h1><p>Đợt lấy ý kiến này không tồn tại hoặc kết quả chưa được niêm phong.</p></main></body></html>
`
}
