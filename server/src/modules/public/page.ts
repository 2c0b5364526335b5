import type { PublicRoundResult, PublicTally } from '@app/shared'
import { escapeHtml } from '../../lib/html.js'
import {
  bpVi,
  coverageScopeVi,
  dateTimeVi,
  dateVi,
  formatRatioVi,
  intVi,
  verdictSentenceVi,
  villageCoverageVi,
} from '../reports/format-vi.js'

function pct(num: number | null, den: number | null): string {
  return num === null || den === null ? '—' : formatRatioVi(num, den)
}

function row(t: PublicTally, isVillage: boolean): string {
  const verdict = isVillage ? villageCoverageVi(t.verdict) : verdictSentenceVi(t.verdict)
  if (t.suppressed)
    return `<tr><th scope="row">${escapeHtml(t.name)}</th><td>${intVi(t.households)}</td><td colspan="4" class="s">Dưới 5 phiếu hợp lệ — không công bố chi tiết</td><td>${escapeHtml(verdict)}</td></tr>`
  return `<tr><th scope="row">${escapeHtml(t.name)}</th><td>${intVi(t.households)}</td><td>${intVi(t.participated)}</td><td>${intVi(t.valid)}</td><td>${intVi(t.satisfied)}</td><td>${pct(t.satisfied, t.valid)}<br><small>tham gia ${pct(t.participated, t.households)}</small></td><td>${escapeHtml(verdict)}</td></tr>`
}

const STYLE = `body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;padding:12px;color:#111;background:#fafafa;line-height:1.4}
main{max-width:760px;margin:0 auto;background:#fff;padding:14px;border:1px solid #ddd;border-radius:6px}
h1{font-size:1.15rem;margin:.2rem 0 .6rem}h2{font-size:1rem;margin:1rem 0 .4rem}
.big{font-size:1.8rem;font-weight:700}.v{display:inline-block;padding:2px 8px;border-radius:4px;background:#e8f5e9;font-weight:700}
.v.no{background:#fff3e0}table{border-collapse:collapse;width:100%;font-size:.85rem}th,td{border:1px solid #ccc;padding:4px 5px;text-align:right;vertical-align:top}
th[scope=row],thead th{text-align:left}thead th{background:#f0f0f0}.s{text-align:center;color:#555;font-style:italic}
.scroll{overflow-x:auto}code{word-break:break-all;font-size:.8rem}.muted{color:#555;font-size:.85rem}dl{margin:0}dt{font-weight:600}dd{margin:0 0 .4rem}`

/**
 * The public verify page (/v/:roundId): the sealed totals, the per-village breakdown with
 * small-group suppression and the ledger root hash. Plain HTML, no script, every value escaped.
 */
export function renderVerifyPage(p: PublicRoundResult): string {
  const c = p.commune
  const ok = c.verdict === 'meets'
  return `<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Kết quả lấy ý kiến — xã ${escapeHtml(p.communeName)}</title><style>${STYLE}</style></head>
<body><main>
<p class="muted">Kết quả đã niêm phong — kiểm tra công khai</p>
<h1>${escapeHtml(p.title)}</h1>
<dl>
<dt>Xã</dt><dd>${escapeHtml(p.communeName)}</dd>
<dt>Mức đề nghị công nhận</dt><dd>${escapeHtml(p.levelName)}</dd>
<dt>Thời gian lấy ý kiến</dt><dd>${dateVi(p.opensAt)} – ${dateVi(p.closesAt)}</dd>
</dl>
<h2>Kết quả toàn xã</h2>
${
  c.suppressed
    ? '<p>Dưới 5 phiếu hợp lệ — không công bố chi tiết.</p>'
    : `<p><span class="big">${pct(c.satisfied, c.valid)}</span> hài lòng (${intVi(c.satisfied)}/${intVi(c.valid)} phiếu hợp lệ)</p>
<p>Số hộ: ${intVi(c.households)} · Số hộ tham gia: ${intVi(c.participated)} (${pct(c.participated, c.households)}) · Không hài lòng: ${intVi(c.notSatisfied)}</p>`
}
<p>Kết luận: <span class="v${ok ? '' : ' no'}">${escapeHtml(verdictSentenceVi(c.verdict))}</span></p>
<p class="muted">Ngưỡng hài lòng ≥ ${bpVi(p.thresholdBp)} số phiếu hợp lệ; tỷ lệ hộ tham gia tối thiểu ${bpVi(p.coverageBp)} (${escapeHtml(coverageScopeVi(p.coverageScope))}).</p>
<h2>Theo ấp/thôn</h2>
<div class="scroll"><table>
<thead><tr><th>Ấp/thôn</th><th>Số hộ</th><th>Tham gia</th><th>Hợp lệ</th><th>Hài lòng</th><th>Tỉ lệ hài lòng</th><th>Đủ tỉ lệ lấy ý kiến</th></tr></thead>
<tbody>
${p.villages.map((v) => row(v, true)).join('\n')}
</tbody></table></div>
<h2>Mã xác thực sổ phiếu</h2>
<p><code>${escapeHtml(p.ledgerRootHash)}</code></p>
<p class="muted">Niêm phong lúc ${dateTimeVi(p.sealedAt)}. Mã này là giá trị băm cuối của chuỗi phiếu; biên bản giấy in cùng mã này. Trang này không hiển thị ý kiến riêng của bất kỳ hộ nào.</p>
</main></body></html>
`
}

/** What /v/:roundId shows for an unknown or not yet sealed round. */
export function renderNotFoundPage(): string {
  return `<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Không tìm thấy kết quả</title><style>${STYLE}</style></head>
<body><main><h1>Không tìm thấy kết quả</h1><p>Đợt lấy ý kiến này không tồn tại hoặc kết quả chưa được niêm phong.</p></main></body></html>
`
}
