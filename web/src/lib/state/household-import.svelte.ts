import type { ImportResult } from '@app/shared'
import { type ApiClient, api } from '../api/client.js'
import { ApiError } from '../api/errors.js'
import { handleError } from '../utils/handle-error.js'

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'

/** The content type the import endpoint expects for a chosen file (by extension; browsers are inconsistent). */
export function importContentType(file: { name: string; type: string }): string | null {
  const name = file.name.toLowerCase()
  if (name.endsWith('.csv') || file.type === 'text/csv') return 'text/csv'
  if (name.endsWith('.xlsx') || file.type === XLSX) return XLSX
  return null
}

/** Upload a household file for a commune and keep the per-row rejection report; re-upload replaces it. */
export class HouseholdImport {
  communeId = $state('')
  file = $state<File | null>(null)
  status = $state<'idle' | 'uploading' | 'done' | 'error'>('idle')
  result = $state<ImportResult | null>(null)
  fileError = $state<string | null>(null)
  uploads = $state(0)
  /** The server asked for a reason: the file adds households to a village whose round is open (frame frozen). */
  needsReason = $state(false)
  reason = $state('')

  constructor(private readonly client: ApiClient = api) {}

  choose = (file: File | null): void => {
    this.file = file
    this.fileError = file && !importContentType(file) ? 'Chỉ nhận tệp .csv (UTF-8) hoặc .xlsx.' : null
  }

  get canUpload(): boolean {
    return this.communeId !== '' && this.file !== null && this.fileError === null && this.status !== 'uploading'
  }

  upload = async (): Promise<ImportResult | null> => {
    const file = this.file
    const type = file ? importContentType(file) : null
    if (!file || !type || !this.communeId) return null
    this.status = 'uploading'
    try {
      const reason = this.reason.trim()
      this.result = await this.client.importHouseholds(this.communeId, file, type, reason.length >= 3 ? reason : undefined)
      this.status = 'done'
      this.uploads++
      return this.result
    } catch (err) {
      this.status = 'error'
      if (err instanceof ApiError && err.code === 'reason_required') this.needsReason = true
      handleError(err, 'Nhập danh sách hộ')
      return null
    }
  }
}
