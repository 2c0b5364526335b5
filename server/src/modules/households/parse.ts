import type { HouseholdRow } from '@app/shared'
import { foldVi } from '@app/shared'
import { excerpt, type ImportLimits, importError, readCsv, readXlsx } from './reader.js'

export type FileKind = 'csv' | 'xlsx'

export interface ParsedRow extends HouseholdRow {
  /** 1-based row number as a spreadsheet shows it (the header is row 1). */
  row: number
}

type Field = keyof HouseholdRow

/** Header names accepted for each field, folded (lowercase, no diacritics, spaces → _). */
const HEADER_ALIASES: Record<Field, string[]> = {
  villageCode: ['village_code', 'ma_ap', 'ma_thon', 'ma_thon_ap', 'ma_ap_thon', 'ap', 'thon', 'ma_khu_dan_cu'],
  householdCode: ['household_code', 'ma_ho', 'ma_ho_gia_dinh', 'so_ho'],
  headName: ['head_name', 'chu_ho', 'ten_chu_ho', 'ho_ten_chu_ho', 'ho_va_ten_chu_ho'],
  phone: ['phone', 'so_dien_thoai', 'sdt', 'dien_thoai', 'so_dt'],
  address: ['address', 'dia_chi'],
}
const REQUIRED: Field[] = ['villageCode', 'householdCode', 'headName']
const FIELD_VI: Record<Field, string> = {
  villageCode: 'mã thôn/ấp',
  householdCode: 'mã hộ',
  headName: 'tên chủ hộ',
  phone: 'số điện thoại',
  address: 'địa chỉ',
}

function foldHeader(h: string): string {
  return foldVi(h)
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_|_$/g, '')
}

function mapHeader(header: string[]): Record<Field, number> {
  const folded = header.map(foldHeader)
  const idx = {} as Record<Field, number>
  for (const [field, aliases] of Object.entries(HEADER_ALIASES) as [Field, string[]][]) {
    idx[field] = folded.findIndex((h) => aliases.includes(h))
  }
  const missingFields = REQUIRED.filter((f) => idx[f] < 0)
  const missing = missingFields.map((f) => HEADER_ALIASES[f][0])
  if (missing.length > 0) {
    // what was found, cut to 100 characters in all: the header may be anything
    const found = excerpt(header.filter((h) => h.trim() !== '').join(' | '))
    throw importError(
      'missing_header',
      `Dòng tiêu đề phải có cột mã thôn/ấp (village_code hoặc ma_ap), mã hộ (household_code hoặc ma_ho) và tên chủ hộ (head_name hoặc chu_ho); thiếu cột ${missingFields.map((f) => FIELD_VI[f]).join(', ')}.`,
      { missing, found },
    )
  }
  return idx
}

/** Collects rows from a reader: the first non-blank row is the header, then at most maxRows non-blank rows. */
function collector(maxRows: number) {
  let idx: Record<Field, number> | null = null
  const out: ParsedRow[] = []
  const cell = (r: string[], i: number) => (i >= 0 ? (r[i] ?? '').trim() : '')
  return {
    rows: out,
    get sawHeader() {
      return idx !== null
    },
    onRow(row: number, r: string[]) {
      if (r.every((c) => (c ?? '').trim() === '')) return
      if (!idx) {
        idx = mapHeader(r)
        return
      }
      if (out.length >= maxRows)
        throw importError('too_many_rows', `Tệp có quá nhiều dòng: tối đa ${maxRows} hộ mỗi lần nhập.`, { maxRows })
      out.push({
        row,
        villageCode: cell(r, idx.villageCode).normalize('NFC'),
        householdCode: cell(r, idx.householdCode).normalize('NFC'),
        headName: cell(r, idx.headName).normalize('NFC'),
        phone: cell(r, idx.phone),
        address: cell(r, idx.address).normalize('NFC'),
      })
    },
  }
}

/** Decide the kind from the content type, sniffing octet-stream uploads (XLSX is a ZIP: "PK\x03\x04"). */
export function detectKind(contentType: string | undefined, buf: Buffer): FileKind {
  const ct = (contentType ?? '').split(';')[0]?.trim().toLowerCase()
  const isZip = buf.length >= 4 && buf.readUInt32BE(0) === 0x504b0304
  if (ct === 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet') {
    if (!isZip) throw importError('not_xlsx', 'Tệp không phải sổ tính XLSX hợp lệ.')
    return 'xlsx'
  }
  // A ZIP is never a CSV: some browsers and tools label an .xlsx upload text/csv or octet-stream.
  return isZip ? 'xlsx' : 'csv'
}

/**
 * Parse a household file (CSV UTF-8 or XLSX) with the streaming readers (reader.ts), every limit enforced
 * while reading. A malformed or oversized file throws `invalid_file` / `payload_too_large` with a reason;
 * nothing is written.
 */
export async function parseHouseholdFile(buf: Buffer, kind: FileKind, limits: ImportLimits): Promise<ParsedRow[]> {
  if (buf.length === 0) throw importError('empty', 'Tệp rỗng.')
  const c = collector(limits.maxRows)
  await (kind === 'csv' ? readCsv : readXlsx)(buf, limits, c.onRow)
  if (!c.sawHeader) throw importError('empty', 'Tệp không có dòng nào (cần dòng tiêu đề và các hộ).')
  return c.rows
}
