import type { HouseholdRow } from '@app/shared'
import { foldVi } from '@app/shared'
import { parse as parseCsv } from 'csv-parse/sync'
import { AppError } from '../../lib/app-error.js'
import { loadExcelJs } from '../../lib/lazy-deps.js'

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

const invalidFile = (message: string, details?: Record<string, unknown>) => new AppError('invalid_file', message, 400, details)

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
  const missing = REQUIRED.filter((f) => idx[f] < 0).map((f) => HEADER_ALIASES[f][0])
  if (missing.length > 0) {
    throw invalidFile(
      `the header must contain village_code, household_code, head_name (phone, address optional); missing: ${missing.join(', ')}`,
      {
        missing,
        found: header.slice(0, 20),
      },
    )
  }
  return idx
}

function toRows(records: string[][], firstRowNumber: number, maxRows: number): ParsedRow[] {
  const [header, ...body] = records
  if (!header) throw invalidFile('the file is empty')
  const idx = mapHeader(header)
  const isBlank = (r: string[]) => r.every((c) => (c ?? '').trim() === '')
  const filled = body.reduce((n, r) => (isBlank(r) ? n : n + 1), 0)
  if (filled > maxRows) throw invalidFile(`the file has ${filled} rows; at most ${maxRows} are accepted per import`, { maxRows })
  const cell = (r: string[], i: number) => (i >= 0 ? (r[i] ?? '').trim() : '')
  const out: ParsedRow[] = []
  body.forEach((r, i) => {
    if (isBlank(r)) return
    out.push({
      row: firstRowNumber + 1 + i,
      villageCode: cell(r, idx.villageCode),
      householdCode: cell(r, idx.householdCode),
      headName: cell(r, idx.headName).normalize('NFC'),
      phone: cell(r, idx.phone),
      address: cell(r, idx.address).normalize('NFC'),
    })
  })
  return out
}

/** Decide the kind from the content type, sniffing octet-stream uploads (XLSX is a ZIP: "PK\x03\x04"). */
export function detectKind(contentType: string | undefined, buf: Buffer): FileKind {
  const ct = (contentType ?? '').split(';')[0]?.trim().toLowerCase()
  const isZip = buf.length >= 4 && buf.readUInt32BE(0) === 0x504b0304
  if (ct === 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet') {
    if (!isZip) throw invalidFile('the file is not a valid XLSX workbook')
    return 'xlsx'
  }
  // A ZIP is never a CSV: some browsers and tools label an .xlsx upload text/csv or octet-stream.
  return isZip ? 'xlsx' : 'csv'
}

/** Parse a household file (CSV UTF-8 or XLSX). A malformed file throws `invalid_file`; nothing is written. */
export async function parseHouseholdFile(buf: Buffer, kind: FileKind, maxRows: number): Promise<ParsedRow[]> {
  if (buf.length === 0) throw invalidFile('the file is empty')
  if (kind === 'csv') {
    let text: string
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(buf)
    } catch {
      throw invalidFile('the CSV file is not UTF-8 text (save it as "CSV UTF-8")')
    }
    if (text.includes('\u0000')) throw invalidFile('the file is not a CSV text file')
    text = text.replace(/^\uFEFF/, '')
    const firstLine = text.slice(0, text.search(/\r?\n|$/))
    const delimiter = (firstLine.match(/;/g)?.length ?? 0) > (firstLine.match(/,/g)?.length ?? 0) ? ';' : ','
    let records: string[][]
    try {
      // Blank lines are kept (and skipped in toRows) so row numbers match what a spreadsheet shows;
      // the body size limit bounds the work, toRows enforces the row limit.
      records = parseCsv(text, { delimiter, relax_column_count: true, skip_empty_lines: false }) as string[][]
    } catch (e) {
      throw invalidFile(`the CSV file could not be read: ${(e as Error).message.slice(0, 200)}`)
    }
    // a blank first line before the header is tolerated
    let first = 0
    while (first < records.length && (records[first] ?? []).every((c) => c.trim() === '')) first++
    return toRows(records.slice(first), first + 1, maxRows)
  }
  const ExcelJS = await loadExcelJs()
  const wb = new ExcelJS.Workbook()
  try {
    await wb.xlsx.load(buf as unknown as ArrayBuffer)
  } catch {
    throw invalidFile('the file is not a valid XLSX workbook')
  }
  const ws = wb.worksheets[0]
  if (!ws) throw invalidFile('the workbook has no sheet')
  if (ws.actualRowCount > maxRows + 1)
    throw invalidFile(`the file has more than ${maxRows} rows; at most ${maxRows} are accepted per import`, { maxRows })
  const records: string[][] = []
  let firstRow = 0
  ws.eachRow({ includeEmpty: true }, (row, n) => {
    if (records.length === 0) {
      if (row.cellCount === 0) return
      firstRow = n
    }
    const vals: string[] = []
    for (let c = 1; c <= Math.max(row.cellCount, 5); c++) vals.push(row.getCell(c).text ?? '')
    records.push(vals)
  })
  return toRows(records, firstRow || 1, maxRows)
}
