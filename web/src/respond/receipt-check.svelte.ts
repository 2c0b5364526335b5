/** Checking a receipt (thank-you page and /verify): typed code → "included on <day>" or "not found". */
import type { ReceiptCheck } from './api.ts'
import { formatDayVn, normalizeReceipt } from './form.ts'
import { errorMessage } from './messages.ts'

export type LookupStatus = 'idle' | 'checking' | 'found' | 'missing' | 'invalid' | 'error'

export class ReceiptLookup {
  code = $state('')
  status = $state<LookupStatus>('idle')
  /** The Vietnamese result line (aria-live region). */
  message = $state('')

  private readonly check: (receipt: string) => Promise<ReceiptCheck | null>

  constructor(check: (receipt: string) => Promise<ReceiptCheck | null>, code = '') {
    this.check = check
    this.code = code
  }

  async run(): Promise<void> {
    if (this.status === 'checking') return
    const receipt = normalizeReceipt(this.code)
    if (!receipt) {
      this.status = 'invalid'
      this.message = 'Mã biên nhận gồm 12 chữ và số, ví dụ K7Q2-M9XD-3F0A. Vui lòng kiểm tra lại.'
      return
    }
    this.code = receipt
    this.status = 'checking'
    this.message = 'Đang kiểm tra…'
    try {
      const r = await this.check(receipt)
      if (r?.included && r.status === 'pending') {
        // accepted, waiting in the sealed pending store until enough ballots of the village land together
        this.status = 'found'
        this.message = `Phiếu có mã ${receipt} đã nhận, sẽ được kiểm khi đủ phiếu.`
      } else if (r?.included) {
        this.status = 'found'
        this.message = `Phiếu có mã ${receipt} đã kiểm, được tính vào kết quả (ghi nhận ngày ${formatDayVn(r.day)}).`
      } else {
        this.status = 'missing'
        this.message = `Không tìm thấy phiếu có mã ${receipt}. Vui lòng kiểm tra lại mã, hoặc báo Ban công tác Mặt trận ở ấp/thôn.`
      }
    } catch (e) {
      this.status = 'error'
      this.message = errorMessage(e)
    }
  }
}
