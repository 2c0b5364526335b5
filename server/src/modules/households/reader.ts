/**
 * Streaming readers for household files, with hard limits enforced while reading (a 200 KB XLSX
 * that inflates to 200 MB took the server to 1.4 GB through exceljs, which inflates and holds the whole
 * workbook). An XLSX is read with yauzl (random access to the zip we already hold, one entry inflated at a
 * time as a stream) and htmlparser2's streaming XML tokenizer over the shared strings and the first sheet;
 * nothing but the current cell, the row being built and the shared-strings table is kept. Every inflated
 * byte is counted against `maxInflatedBytes`, and rows, columns and cell length are checked as they go by,
 * so a rejection stops the inflation at once. CSV goes through csv-parse's streaming parser in 64 KB slices.
 *
 * Errors carry a `reason` for machines and a Vietnamese message for people, and never quote more than
 * 100 characters of the file.
 */
import { Readable } from 'node:stream'
import { parse as csvParse } from 'csv-parse'
import { Parser } from 'htmlparser2'
import yauzl from 'yauzl'
import { AppError } from '../../lib/app-error.js'

export interface ImportLimits {
  /** Compressed size (the upload); checked by the routes' body limit, again here. */
  maxBytes: number
  /** Bytes inflated from the zip, all entries together. */
  maxInflatedBytes: number
  /** Non-blank data rows. */
  maxRows: number
  maxColumns: number
  maxCellChars: number
}

export type ImportReason =
  | 'empty'
  | 'not_utf8'
  | 'not_text'
  | 'not_xlsx'
  | 'no_sheet'
  | 'malformed'
  | 'too_large'
  | 'inflated_too_large'
  | 'too_many_rows'
  | 'too_many_columns'
  | 'cell_too_long'
  | 'missing_header'
  | 'no_file'

/** At most 100 characters of anything taken from the file, so an error never echoes the file back. */
export function excerpt(s: string, max = 100): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s
}

export function importError(reason: ImportReason, message: string, details: Record<string, unknown> = {}): AppError {
  const tooLarge = reason === 'too_large' || reason === 'inflated_too_large'
  return new AppError(tooLarge ? 'payload_too_large' : 'invalid_file', message, tooLarge ? 413 : 400, { reason, ...details })
}

const colName = (i: number) => {
  let s = ''
  for (let n = i + 1; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s
  return s
}

/** Cell-level checks shared by both readers. */
function checks(limits: ImportLimits) {
  return {
    column(index: number) {
      if (index >= limits.maxColumns)
        throw importError('too_many_columns', `Tệp có quá nhiều cột: tối đa ${limits.maxColumns} cột.`, { maxColumns: limits.maxColumns })
    },
    cell(length: number, row: number, col: number) {
      if (length > limits.maxCellChars)
        throw importError('cell_too_long', `Ô ${colName(col)}${row} quá dài: tối đa ${limits.maxCellChars} ký tự một ô.`, {
          row,
          column: colName(col),
          maxCellChars: limits.maxCellChars,
        })
    },
  }
}

export type RowSink = (row: number, cells: string[]) => void

// ── CSV ─────────────────────────────────────────────────────────────────────────────

const SLICE = 64 * 1024

/** Read a UTF-8 CSV (`,` or `;`, detected on the first line) row by row. */
export async function readCsv(buf: Buffer, limits: ImportLimits, onRow: RowSink): Promise<void> {
  if (buf.length > limits.maxBytes) throw importError('too_large', `Tệp quá lớn: tối đa ${limits.maxBytes} byte.`)
  const decoder = new TextDecoder('utf-8', { fatal: true })
  const head = buf
    .subarray(0, Math.min(buf.length, SLICE))
    .toString('utf8')
    .replace(/^\uFEFF/, '')
  const firstLine = head.slice(0, Math.max(0, head.search(/\r?\n|$/)))
  const delimiter = (firstLine.match(/;/g)?.length ?? 0) > (firstLine.match(/,/g)?.length ?? 0) ? ';' : ','
  function* text() {
    for (let i = 0; i < buf.length; i += SLICE) {
      let s: string
      try {
        s = decoder.decode(buf.subarray(i, i + SLICE), { stream: i + SLICE < buf.length })
      } catch {
        throw importError('not_utf8', 'Tệp CSV không phải văn bản UTF-8 (hãy lưu bằng "CSV UTF-8").')
      }
      if (s.includes('\u0000')) throw importError('not_text', 'Tệp không phải tệp văn bản CSV.')
      yield s
    }
  }
  const check = checks(limits)
  const parser = csvParse({
    delimiter,
    bom: true,
    relax_column_count: true,
    skip_empty_lines: false,
    // one record can never need more than every column at full length
    max_record_size: limits.maxColumns * (limits.maxCellChars + 1),
  })
  const source = Readable.from(text())
  source.on('error', (e) => parser.destroy(e))
  source.pipe(parser)
  try {
    let row = 0
    for await (const cells of parser as AsyncIterable<string[]>) {
      // records, not lines: a quoted line break stays in its row, as a spreadsheet shows it
      row++
      if (cells.length > limits.maxColumns) check.column(cells.length - 1)
      for (let c = 0; c < cells.length; c++) check.cell((cells[c] as string).length, row, c)
      onRow(row, cells)
    }
  } catch (e) {
    if (e instanceof AppError) throw e
    const code = (e as { code?: string }).code
    if (code === 'CSV_MAX_RECORD_SIZE')
      throw importError('cell_too_long', `Tệp có dòng quá dài: tối đa ${limits.maxCellChars} ký tự một ô.`, {
        maxCellChars: limits.maxCellChars,
      })
    const line = (e as { lines?: number }).lines
    throw importError(
      'malformed',
      `Tệp CSV sai định dạng${line ? ` ở dòng ${line}` : ''} (dấu ngoặc kép không khớp?).`,
      line ? { row: line } : {},
    )
  } finally {
    source.destroy()
    parser.destroy()
  }
}

// ── XLSX ────────────────────────────────────────────────────────────────────────────

const notXlsx = () => importError('not_xlsx', 'Tệp không phải sổ tính XLSX hợp lệ (hoặc bị hỏng).')
/** Package parts other than the sheet and shared strings (workbook, relationships) are tiny. */
const SMALL_PART_MAX = 1024 * 1024
/** An archive with more entries than this is not a household list. */
const MAX_ENTRIES = 10_000

function openZip(buf: Buffer): Promise<Map<string, yauzl.Entry> & { zip: yauzl.ZipFile }> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(buf, { lazyEntries: true, validateEntrySizes: true, strictFileNames: false }, (err, zip) => {
      if (err || !zip) return reject(notXlsx())
      const entries = new Map<string, yauzl.Entry>() as Map<string, yauzl.Entry> & { zip: yauzl.ZipFile }
      entries.zip = zip
      if (zip.entryCount > MAX_ENTRIES) {
        zip.close()
        return reject(notXlsx())
      }
      zip.on('entry', (e: yauzl.Entry) => {
        entries.set(e.fileName.replace(/^\/+/, ''), e)
        zip.readEntry()
      })
      zip.on('end', () => resolve(entries))
      zip.on('error', () => reject(notXlsx()))
      zip.readEntry()
    })
  })
}

/** Budget of inflated bytes shared by every entry read. */
class Inflation {
  used = 0
  constructor(readonly max: number) {}
  take(n: number) {
    this.used += n
    if (this.used > this.max) throw this.error()
  }
  error() {
    return importError(
      'inflated_too_large',
      `Tệp XLSX giải nén ra quá lớn: tối đa ${Math.round(this.max / (1024 * 1024))} MB sau khi giải nén.`,
      { maxInflatedBytes: this.max },
    )
  }
}

/**
 * Inflate one entry as a stream into `onChunk`; any throw there (a limit) destroys the inflation at once.
 * The entry's declared size is checked first, the actual bytes as they come (a header may lie).
 */
function inflate(zip: yauzl.ZipFile, entry: yauzl.Entry, budget: Inflation, onChunk: (b: Buffer) => void): Promise<void> {
  if (entry.uncompressedSize > budget.max - budget.used) return Promise.reject(budget.error())
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (err, stream) => {
      if (err || !stream) return reject(notXlsx())
      let failed = false
      stream.on('data', (b: Buffer) => {
        if (failed) return
        try {
          budget.take(b.length)
          onChunk(b)
        } catch (e) {
          failed = true
          stream.destroy()
          reject(e)
        }
      })
      stream.on('error', () => {
        if (!failed) reject(notXlsx())
        failed = true
      })
      stream.on('end', () => {
        if (!failed) resolve()
      })
    })
  })
}

/**
 * Feed an entry to an XML parser. `sinceEvent` guards the parser's own buffers: a tag, an attribute or any
 * construct that runs on for more than `guard` bytes without an event is refused, whatever the parser
 * would otherwise accumulate.
 */
async function parseXml(
  zip: yauzl.ZipFile,
  entry: yauzl.Entry,
  budget: Inflation,
  guard: number,
  handlers: {
    open?: (name: string, attrs: Record<string, string>) => void
    close?: (name: string) => void
    text?: (t: string) => void
  },
): Promise<void> {
  let sinceEvent = 0
  let failure: unknown = null
  const local = (name: string) => name.slice(name.indexOf(':') + 1)
  const guarded =
    <A extends unknown[]>(f: ((...a: A) => void) | undefined) =>
    (...a: A) => {
      sinceEvent = 0
      if (failure || !f) return
      try {
        f(...a)
      } catch (e) {
        failure = e
      }
    }
  const open = guarded(handlers.open)
  const close = guarded(handlers.close)
  const parser = new Parser(
    {
      onopentag: (name, attrs) => open(local(name), attrs),
      onclosetag: (name) => close(local(name)),
      ontext: guarded(handlers.text),
      onerror: (e) => {
        failure ??= e
      },
    },
    { xmlMode: true, decodeEntities: true },
  )
  await inflate(zip, entry, budget, (chunk) => {
    sinceEvent += chunk.length
    parser.write(chunk.toString('utf8'))
    if (failure) throw failure
    if (sinceEvent > guard) throw importError('malformed', 'Tệp XLSX có nội dung XML bất thường (một thẻ quá dài).')
  })
  parser.end()
  if (failure) throw failure
}

/**
 * The shared strings, packed: UTF-8 bytes in one buffer plus offsets, so a table of a million short strings
 * costs a few MB rather than a million JS strings. Capped in bytes (IMPORT_MAX_BYTES) and in count.
 */
class StringTable {
  private bytes = Buffer.alloc(64 * 1024)
  private used = 0
  private ends = new Uint32Array(1024)
  count = 0
  constructor(
    private readonly maxBytes: number,
    private readonly maxCount: number,
  ) {}
  push(s: string) {
    const n = Buffer.byteLength(s)
    if (this.used + n > this.maxBytes || this.count >= this.maxCount)
      throw importError('inflated_too_large', 'Bảng chuỗi của tệp XLSX quá lớn so với một danh sách hộ.', { maxBytes: this.maxBytes })
    if (this.used + n > this.bytes.length) {
      const next = Buffer.alloc(Math.min(this.maxBytes, Math.max(this.bytes.length * 2, this.used + n)))
      this.bytes.copy(next, 0, 0, this.used)
      this.bytes = next
    }
    this.bytes.write(s, this.used)
    this.used += n
    if (this.count >= this.ends.length) {
      const next = new Uint32Array(Math.min(this.maxCount, this.ends.length * 2))
      next.set(this.ends)
      this.ends = next
    }
    this.ends[this.count++] = this.used
  }
  get(i: number): string | undefined {
    if (!Number.isInteger(i) || i < 0 || i >= this.count) return undefined
    return this.bytes.toString('utf8', i === 0 ? 0 : (this.ends[i - 1] as number), this.ends[i] as number)
  }
}

/** "BC12" → column index 54 (0-based); null when there are no letters. */
function columnOf(ref: string | undefined): number | null {
  if (!ref) return null
  let n = 0
  let i = 0
  for (; i < ref.length && i < 4; i++) {
    const c = ref.charCodeAt(i) & ~32
    if (c < 65 || c > 90) break
    n = n * 26 + (c - 64)
  }
  return i === 0 ? null : n - 1
}

function resolvePart(base: string, target: string): string {
  if (target.startsWith('/')) return target.slice(1)
  const parts = base.split('/').slice(0, -1)
  for (const seg of target.split('/')) {
    if (seg === '..') parts.pop()
    else if (seg !== '.' && seg !== '') parts.push(seg)
  }
  return parts.join('/')
}

/** Relationship id → target of a small .rels part. */
async function readRels(zip: yauzl.ZipFile, entry: yauzl.Entry | undefined, budget: Inflation) {
  const rels = new Map<string, { target: string; type: string }>()
  if (!entry) return rels
  if (entry.uncompressedSize > SMALL_PART_MAX) throw notXlsx()
  await parseXml(zip, entry, budget, SMALL_PART_MAX, {
    open: (name, a) => {
      if (name === 'Relationship' && a.Id && a.Target) rels.set(a.Id, { target: a.Target, type: a.Type ?? '' })
    },
  })
  return rels
}

/** Read the first worksheet of an XLSX row by row, with every limit enforced while inflating. */
export async function readXlsx(buf: Buffer, limits: ImportLimits, onRow: RowSink): Promise<void> {
  if (buf.length > limits.maxBytes) throw importError('too_large', `Tệp quá lớn: tối đa ${limits.maxBytes} byte.`)
  const entries = await openZip(buf)
  const zip = entries.zip
  try {
    const budget = new Inflation(limits.maxInflatedBytes)
    const guard = limits.maxCellChars * 8 + 256 * 1024
    const check = checks(limits)

    // the workbook: from the package relationships, else where every writer puts it
    const pkg = await readRels(zip, entries.get('_rels/.rels'), budget)
    const wbPath = [...pkg.values()].find((r) => r.type.endsWith('/officeDocument'))?.target.replace(/^\/+/, '') ?? 'xl/workbook.xml'
    const wbEntry = entries.get(wbPath)
    if (!wbEntry || wbEntry.uncompressedSize > SMALL_PART_MAX) throw notXlsx()
    let firstSheetRel: string | undefined
    await parseXml(zip, wbEntry, budget, SMALL_PART_MAX, {
      open: (name, a) => {
        if (name === 'sheet' && firstSheetRel === undefined)
          firstSheetRel = a['r:id'] ?? Object.entries(a).find(([k]) => k.endsWith(':id'))?.[1]
      },
    })
    const wbRels = await readRels(zip, entries.get(resolvePart(wbPath, `_rels/${wbPath.split('/').pop()}.rels`)), budget)
    const sheetTarget = firstSheetRel ? wbRels.get(firstSheetRel)?.target : undefined
    const sheetEntry = entries.get(sheetTarget ? resolvePart(wbPath, sheetTarget) : 'xl/worksheets/sheet1.xml')
    if (!sheetEntry) throw importError('no_sheet', 'Sổ tính XLSX không có trang tính nào.')

    // shared strings (any size up to the limits), packed
    const sst = new StringTable(limits.maxBytes, (limits.maxRows + 1) * limits.maxColumns)
    const sstTarget = [...wbRels.values()].find((r) => r.type.endsWith('/sharedStrings'))?.target
    const sstEntry = entries.get(sstTarget ? resolvePart(wbPath, sstTarget) : 'xl/sharedStrings.xml')
    if (sstEntry) {
      let inSi = false
      let inT = false
      let phonetic = 0
      let parts: string[] = []
      let len = 0
      await parseXml(zip, sstEntry, budget, guard, {
        open: (name) => {
          if (name === 'si') {
            inSi = true
            parts = []
            len = 0
          } else if (name === 'rPh') phonetic++
          else if (name === 't' && inSi && phonetic === 0) inT = true
        },
        text: (t) => {
          if (!inT) return
          len += t.length
          // a shared string longer than a cell may be is refused before it is stored
          if (len > limits.maxCellChars)
            throw importError('cell_too_long', `Tệp có ô quá dài: tối đa ${limits.maxCellChars} ký tự một ô.`, {
              maxCellChars: limits.maxCellChars,
            })
          parts.push(t)
        },
        close: (name) => {
          if (name === 't') inT = false
          else if (name === 'rPh') phonetic--
          else if (name === 'si') {
            sst.push(parts.join(''))
            inSi = false
          }
        },
      })
    }

    // the sheet
    let rowNum = 0
    let cells: string[] = []
    let col = -1
    let cursor = 0
    let type = ''
    let inValue = false
    let inInline = false
    let phonetic = 0
    let parts: string[] = []
    let len = 0
    await parseXml(zip, sheetEntry, budget, guard, {
      open: (name, a) => {
        if (name === 'row') {
          const r = Number(a.r)
          rowNum = Number.isInteger(r) && r > rowNum ? r : rowNum + 1
          cells = []
          cursor = 0
        } else if (name === 'c') {
          col = columnOf(a.r) ?? cursor
          check.column(col)
          type = a.t ?? 'n'
          parts = []
          len = 0
        } else if (name === 'v' && col >= 0) inValue = true
        else if (name === 'rPh') phonetic++
        else if (name === 't' && col >= 0 && phonetic === 0) inInline = true
      },
      text: (t) => {
        if (!inValue && !inInline) return
        len += t.length
        check.cell(len, rowNum, col)
        parts.push(t)
      },
      close: (name) => {
        if (name === 'v') inValue = false
        else if (name === 't') inInline = false
        else if (name === 'rPh') phonetic--
        else if (name === 'c' && col >= 0) {
          const raw = parts.join('')
          let value = raw
          if (type === 's') {
            const s = sst.get(Number(raw))
            if (s === undefined) throw notXlsx()
            value = s
          } else if (type === 'b') value = raw === '1' ? 'TRUE' : raw === '0' ? 'FALSE' : raw
          check.cell(value.length, rowNum, col)
          cells[col] = value
          cursor = col + 1
          col = -1
        } else if (name === 'row') {
          for (let i = 0; i < cells.length; i++) cells[i] ??= ''
          onRow(rowNum, cells)
        }
      },
    })
  } finally {
    zip.close()
  }
}
