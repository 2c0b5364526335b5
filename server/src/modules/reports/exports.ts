import type { Readable } from 'node:stream'
import {
  answerWordsVi,
  BALLOT_CHANNELS,
  ballotChannelVi,
  EXPORT_COLUMN_VI,
  hiddenVillages,
  invalidationVi,
  mergedVillagesLabelVi,
  type Question,
  questionColumnVi,
  type RoundTally,
  SUPPRESSED_MARK_VI,
  suppressCells,
  suppressedLegendVi,
  suppressRoundTally,
  verdictSentenceVi,
  villageCoverageVi,
} from '@app/shared'
import { pullStream } from '../../lib/pull-stream.js'
import { type XlsxRow, type XlsxSheet, xlsxWorkbookStream } from './xlsx-writer.js'

/** The fields of a ballot an export may carry: never the household (ballots have no household id anyway). */
export interface ExportBallot {
  id: string
  villageId: string
  channel: string
  valid: boolean
  invalidationReason: string | null
  answers: Record<string, { satisfied: boolean; reason?: string }>
  comment: string | null
}

export interface ExportInput {
  questions: Question[]
  villages: Map<string, { code: string; name: string }>
  /** Read as the stream is consumed: SQLite's paged walk (synchronous) or PostgreSQL's cursor (asynchronous). */
  ballots: Iterable<ExportBallot> | AsyncIterable<ExportBallot>
  tally: RoundTally
  /**
   * Small-group suppression (PRIVACY_MIN_CELL, for every reader): withheld villages (1 … min−1 valid ballots and
   * their complements) lose their identity on ballot rows, merged into one group, and their counts in the summary;
   * a channel used by too few ballots of a village (or of the merged group) is not named on those rows. Null: none
   * (only for tests of the formats).
   */
  suppressMin: number | null
  /** Ballots per village and channel (participations; all landed once the round is closed). */
  villageChannels?: ReadonlyMap<string, Readonly<Record<string, number>>>
  /**
   * `vi` (default): Vietnamese headers and values for people ("Hình thức: Phiếu giấy", "Hài lòng");
   * `codes`: the machine columns (`ballot_id`, `q1_satisfied` = 1/0, `channel` = `paper`).
   */
  headers?: ExportHeaders
}
export type ExportHeaders = 'vi' | 'codes'

/** Village ids whose breakdown must be withheld for this export (small ones and their complements). */
export function smallVillages(input: Pick<ExportInput, 'tally' | 'suppressMin'>): Set<string> {
  const min = input.suppressMin
  if (min === null) return new Set()
  return hiddenVillages(input.tally, min)
}

const MERGED = '*'
const CHANNELS = BALLOT_CHANNELS

/**
 * `${village or *}|${channel}` cells of the ballot rows whose channel must not be named: the rows are a village ×
 * channel table whose village totals (coverage) and channel totals are known, so small cells and their
 * complements go (shared/src/domain/suppression.ts), withheld villages counted as their merged group.
 */
export function hiddenChannelCells(input: Pick<ExportInput, 'tally' | 'suppressMin' | 'villageChannels'>, small: Set<string>): Set<string> {
  const min = input.suppressMin
  if (min === null || !input.villageChannels) return new Set()
  const groups = new Map<string, number[]>()
  for (const v of input.tally.villages) {
    const g = small.has(v.unitId) ? MERGED : v.unitId
    const row = groups.get(g) ?? CHANNELS.map(() => 0)
    const c = input.villageChannels.get(v.unitId)
    CHANNELS.forEach((ch, i) => {
      row[i] = (row[i] ?? 0) + (c?.[ch] ?? 0)
    })
    groups.set(g, row)
  }
  const keys = [...groups.keys()]
  const p = suppressCells({ counts: keys.map((k) => groups.get(k) ?? []), rowTotals: true, colTotals: true }, min)
  const out = new Set<string>()
  keys.forEach((k, r) => {
    CHANNELS.forEach((ch, c) => {
      if (p.hidden[r]?.[c]) out.add(`${k}|${ch}`)
    })
  })
  return out
}

/**
 * Neutralise spreadsheet formula injection (OWASP "CSV injection") in an XLSX string cell: one starting
 * with = + - @, a tab or a carriage return gets a leading apostrophe, so no spreadsheet evaluates it.
 */
export function neutralise(s: string): string {
  return FORMULA_START.test(s) ? `'${s}` : s
}
const FORMULA_START = /^[=+\-@\t\r]/

/**
 * The CSV form: a CSV may be split by a program that does not honour our quoting (Vietnamese Excel lists
 * with `;` and cuts a comma file's quoted field there; line-based tools cut at a line break), so a
 * trigger gets an apostrophe not only at the start but wherever a cell could start: after , ; a quote
 * or a line break. The text stays readable and nothing is dropped.
 */
export function neutraliseCsv(s: string): string {
  return CSV_TRIGGER.test(s) ? s.replace(CSV_TRIGGER_ALL, "$1'") : s
}
const CSV_TRIGGER = /(?:^|[,;"\r\n])[=+\-@\t\r]/
const CSV_TRIGGER_ALL = /(^|[,;"\r\n])(?=[=+\-@\t\r])/g
/** Both separators are quoted whichever is used, so a file opened with the other one still keeps its columns where it can. */
const CSV_QUOTE = /[",;\r\n]/

export type CsvDelimiter = ',' | ';'

type Cell = string | number | null

function csvCell(v: Cell): string {
  if (v === null) return ''
  if (typeof v === 'number') return String(v)
  const s = neutraliseCsv(v)
  return CSV_QUOTE.test(s) ? `"${s.replaceAll('"', '""')}"` : s
}

/** One CSV record, CRLF-terminated (the cells are encoded in place). */
function csvRecord(cells: Cell[], delimiter: CsvDelimiter): string {
  const last = cells.length - 1
  for (let i = 0; i < last; i++) cells[i] = csvCell(cells[i] ?? null)
  cells[last] = `${csvCell(cells[last] ?? null)}\r\n`
  return cells.join(delimiter)
}

const FIXED_COLUMNS = ['ballot_id', 'village_code', 'village_name', 'channel', 'valid', 'invalidation_reason'] as const

export function ballotHeader(questions: Question[], headers: ExportHeaders = 'vi'): string[] {
  if (headers === 'codes') return [...FIXED_COLUMNS, ...questions.flatMap((q) => [`${q.key}_satisfied`, `${q.key}_reason`]), 'comment']
  return [
    ...FIXED_COLUMNS.map((c) => EXPORT_COLUMN_VI[c] ?? c),
    ...questions.flatMap((_, i) => [questionColumnVi(i + 1, 'answer'), questionColumnVi(i + 1, 'reason')]),
    EXPORT_COLUMN_VI.comment ?? 'comment',
  ]
}

/** The answer cell: 1/0 for machines, the question type's Vietnamese words for people. */
function answerCell(q: Question, satisfied: boolean, vi: boolean): Cell {
  if (!vi) return satisfied ? 1 : 0
  return answerWordsVi(q, satisfied)
}

/**
 * The cells of one ballot's row (the same for CSV and XLSX, before formula neutralisation), as a
 * function built once per export: the village cells, suppressed or not, are worked out once per village.
 */
export function ballotRows(
  input: Pick<ExportInput, 'questions' | 'villages' | 'suppressMin' | 'headers'>,
  small: Set<string> = new Set(),
  hiddenChannels: Set<string> = new Set(),
): (b: ExportBallot) => Cell[] {
  const vi = (input.headers ?? 'vi') === 'vi'
  const qs = input.questions
  const keys = qs.map((q) => q.key)
  const hiddenName = mergedVillagesLabelVi(input.suppressMin ?? 0)
  const villageCells = new Map<string, readonly [string, string]>()
  const villageOf = (id: string) => {
    let cells = villageCells.get(id)
    if (!cells) {
      const v = input.villages.get(id)
      cells = small.has(id) ? [MERGED, hiddenName] : [v?.code ?? '', v?.name ?? '']
      villageCells.set(id, cells)
    }
    return cells
  }
  const width = 7 + 2 * keys.length
  return (b) => {
    const row: Cell[] = new Array(width)
    const [code, name] = villageOf(b.villageId)
    row[0] = b.id
    row[1] = code
    row[2] = name
    row[3] = hiddenChannels.has(`${small.has(b.villageId) ? MERGED : b.villageId}|${b.channel}`)
      ? vi
        ? SUPPRESSED_MARK_VI
        : MERGED
      : vi
        ? ballotChannelVi(b.channel)
        : b.channel
    row[4] = vi ? (b.valid ? 'Có' : 'Không') : b.valid ? 1 : 0
    row[5] = vi && b.invalidationReason ? invalidationVi(b.invalidationReason) : b.invalidationReason
    let i = 6
    for (let k = 0; k < keys.length; k++) {
      const a = b.answers[keys[k] as string]
      row[i++] = a ? answerCell(qs[k] as Question, a.satisfied, vi) : null
      row[i++] = a?.reason ?? null
    }
    row[i] = b.comment
    return row
  }
}

/**
 * The CSV export as a stream: UTF-8 with BOM, one header line, exactly one CRLF record per ballot.
 * Comma-separated by default (the contract); `;` for Excel in Vietnamese, whose list separator it is
 * (no `sep=` line: Excel ignores the BOM after one). Ballots are pulled from the database only as the
 * client reads (back-pressure), so a million never sit in memory.
 */
export function csvStream(input: ExportInput, delimiter: CsvDelimiter = ','): Readable {
  const small = smallVillages(input)
  const row = ballotRows(input, small, hiddenChannelCells(input, small))
  return pullStream({
    source: input.ballots,
    encode: (b) => csvRecord(row(b), delimiter),
    head: `\uFEFF${csvRecord(ballotHeader(input.questions, input.headers), delimiter)}`,
  })
}

const cellValue = (v: Cell) => (typeof v === 'string' ? neutralise(v) : v)

const SUMMARY_HEADER = [
  'Mã',
  'Ấp/thôn',
  'Số hộ',
  'Số hộ tham gia',
  'Phiếu hợp lệ',
  'Hài lòng',
  'Không hài lòng',
  'Tỷ lệ hài lòng',
  'Tỷ lệ tham gia',
  'Kết luận',
]
const QUESTIONS_HEADER = ['Mã câu', 'Nội dung', 'Tiêu chí', 'Câu hỏi chung', 'Phiếu hợp lệ', 'Hài lòng', 'Tỷ lệ hài lòng']

/**
 * The XLSX export: "Tổng hợp" (village tallies and the commune totals), "Câu hỏi" (per question) and
 * "Phiếu" (one row per ballot, like the CSV), written by the streaming writer in xlsx-writer.ts: ballot
 * rows are read from the database only as the zip stream consumes them. A failure mid-way destroys the
 * stream (the client sees a truncated download, never a valid-looking partial file).
 */
export function xlsxStream(input: ExportInput): Readable {
  const small = smallVillages(input)
  const min = input.suppressMin
  const shown = min === null ? null : suppressRoundTally(input.tally, min)
  const code = (villageId: string) => neutralise(input.villages.get(villageId)?.code ?? '')
  const dash = (n: number | null) => (n === null ? SUPPRESSED_MARK_VI : n)
  const line = (c: Cell, t: RoundTally['commune']): Cell[] => [
    c,
    cellValue(t.name),
    t.households,
    t.participated,
    t.valid,
    t.satisfied,
    t.notSatisfied,
    t.rate,
    t.coverage,
    t === input.tally.commune || t.unitId === input.tally.commune.unitId ? verdictSentenceVi(t.verdict) : villageCoverageVi(t.verdict),
  ]
  const summary: XlsxRow[] = [{ cells: SUMMARY_HEADER, bold: true }]
  for (const v of input.tally.villages)
    summary.push({
      cells: small.has(v.unitId)
        ? [
            code(v.unitId),
            cellValue(v.name),
            v.households,
            v.participated,
            SUPPRESSED_MARK_VI,
            SUPPRESSED_MARK_VI,
            SUPPRESSED_MARK_VI,
            SUPPRESSED_MARK_VI,
            v.coverage,
            villageCoverageVi(v.verdict),
          ]
        : line(code(v.unitId), v),
    })
  if (shown?.commune.suppressed)
    summary.push({
      cells: [
        '',
        cellValue(`Toàn xã ${input.tally.commune.name}`),
        input.tally.commune.households,
        input.tally.commune.participated,
        SUPPRESSED_MARK_VI,
        SUPPRESSED_MARK_VI,
        SUPPRESSED_MARK_VI,
        SUPPRESSED_MARK_VI,
        input.tally.commune.coverage,
        verdictSentenceVi(input.tally.commune.verdict),
      ],
      bold: true,
    })
  else summary.push({ cells: line('', { ...input.tally.commune, name: `Toàn xã ${input.tally.commune.name}` }), bold: true })
  if (min !== null && (small.size > 0 || shown?.commune.suppressed)) summary.push({ cells: [null, suppressedLegendVi(min)] })

  const qt = new Map<string, { valid: number | null; satisfied: number | null; rate: number | null }>(
    (shown ?? input.tally).questions.map((q) => [q.key, q]),
  )
  const questions: XlsxRow[] = [{ cells: QUESTIONS_HEADER, bold: true }]
  for (const q of input.questions) {
    const s = qt.get(q.key)
    questions.push({
      cells: [
        q.key,
        cellValue(q.text),
        q.criterionRef ? cellValue(q.criterionRef) : null,
        q.isOverall ? 1 : 0,
        s ? dash(s.valid) : 0,
        s ? dash(s.satisfied) : 0,
        s && s.valid === null ? SUPPRESSED_MARK_VI : (s?.rate ?? null),
      ],
    })
  }

  const row = ballotRows(input, small, hiddenChannelCells(input, small))
  const header: XlsxRow = { cells: ballotHeader(input.questions, input.headers), bold: true }
  const ballotRow = (b: ExportBallot): XlsxRow => {
    const cells = row(b)
    for (let i = 0; i < cells.length; i++) cells[i] = cellValue(cells[i] as Cell)
    return { cells }
  }
  const source = input.ballots
  function* ballotSheet(ballots: Iterable<ExportBallot>): Generator<XlsxRow> {
    yield header
    for (const b of ballots) yield ballotRow(b)
  }
  async function* ballotSheetAsync(ballots: AsyncIterable<ExportBallot>): AsyncGenerator<XlsxRow> {
    yield header
    for await (const b of ballots) yield ballotRow(b)
  }

  const sheets: XlsxSheet[] = [
    { name: 'Tổng hợp', widths: [12, 28, 10, 14, 12, 10, 14, 14, 14, 22], percentColumns: [7, 8], rows: summary },
    { name: 'Câu hỏi', widths: [10, 60, 10, 12, 12, 10, 14], percentColumns: [6], rows: questions },
    { name: 'Phiếu', rows: Symbol.iterator in source ? ballotSheet(source) : ballotSheetAsync(source) },
  ]
  return xlsxWorkbookStream(sheets)
}
