import type { Readable } from 'node:stream'
import { formatPhoneVi } from '@app/shared'
import { type CsvDelimiter, neutralise, neutraliseCsv } from '../reports/exports.js'
import { xlsxWorkbookStream } from '../reports/xlsx-writer.js'

/** One household of the door-to-door list (phone and address only when the reader may see contacts). */
export interface DoorRow {
  code: string
  headName: string
  invited: boolean
  phone?: string | null | undefined
  address?: string | null | undefined
}

export interface DoorList {
  villageName: string
  rows: DoorRow[]
  withContact: boolean
}

/**
 * The columns a collecting team works from, in Vietnamese; the last two are left empty for the team
 * to fill in on paper (visited on, note). Contacts only when the reader may see them.
 */
function header(withContact: boolean): string[] {
  return ['STT', 'Mã hộ', 'Chủ hộ', ...(withContact ? ['Địa chỉ', 'Số điện thoại'] : []), 'Phiếu mời', 'Ngày đến', 'Ghi chú']
}

function cells(r: DoorRow, i: number, withContact: boolean): (string | number)[] {
  return [
    i + 1,
    r.code,
    r.headName,
    ...(withContact ? [r.address ?? '', formatPhoneVi(r.phone ?? '')] : []),
    r.invited ? 'Đã gửi' : 'Chưa',
    '',
    '',
  ]
}

const CSV_QUOTE = /[",;\r\n]/

function csvCell(v: string | number): string {
  if (typeof v === 'number') return String(v)
  const s = neutraliseCsv(v)
  return CSV_QUOTE.test(s) ? `"${s.replaceAll('"', '""')}"` : s
}

/** UTF-8 with BOM (Excel reads the diacritics), CRLF, formulas neutralised like the ballot export. */
export function doorListCsv(list: DoorList, delimiter: CsvDelimiter): string {
  const lines = [header(list.withContact), ...list.rows.map((r, i) => cells(r, i, list.withContact))]
  return `\uFEFF${lines.map((l) => l.map(csvCell).join(delimiter)).join('\r\n')}\r\n`
}

export function doorListXlsx(list: DoorList): Readable {
  const head = header(list.withContact)
  return xlsxWorkbookStream([
    {
      name: 'Hộ chưa tham gia',
      widths: head.map((h) => (h === 'STT' ? 5 : h === 'Chủ hộ' || h === 'Địa chỉ' ? 30 : h === 'Ghi chú' ? 28 : 14)),
      rows: [
        { cells: [`Hộ chưa tham gia — ${neutralise(list.villageName)}`], bold: true },
        { cells: head, bold: true },
        ...list.rows.map((r, i) => ({ cells: cells(r, i, list.withContact).map((c) => (typeof c === 'string' ? neutralise(c) : c)) })),
      ],
    },
  ])
}
