import { once } from 'node:events'
import { PassThrough, Readable } from 'node:stream'
import type { Question, RoundTally } from '@app/shared'
import { loadExcelJs } from '../../lib/lazy-deps.js'

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
  ballots: Iterable<ExportBallot>
  tally: RoundTally
  /**
   * Small-group suppression for non-council readers (issue 9): villages with 1 … min−1 valid ballots
   * lose their identity on ballot rows and their counts in the summary. Null: no suppression (council).
   */
  suppressMin: number | null
}

/** Village ids whose breakdown must be withheld for this export. */
export function smallVillages(input: Pick<ExportInput, 'tally' | 'suppressMin'>): Set<string> {
  const min = input.suppressMin
  if (min === null) return new Set()
  return new Set(input.tally.villages.filter((v) => v.valid > 0 && v.valid < min).map((v) => v.unitId))
}

/**
 * Neutralise spreadsheet formula injection (OWASP "CSV injection"): a cell starting with = + - @,
 * a tab or a carriage return gets a leading apostrophe, so no spreadsheet evaluates it.
 */
export function neutralise(s: string): string {
  return /^[=+\-@\t\r]/.test(s) ? `'${s}` : s
}

function csvCell(v: string | number | null): string {
  if (v === null) return ''
  if (typeof v === 'number') return String(v)
  const s = neutralise(v)
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

export function ballotHeader(questions: Question[]): string[] {
  return [
    'ballot_id',
    'village_code',
    'village_name',
    'channel',
    'valid',
    'invalidation_reason',
    ...questions.flatMap((q) => [`${q.key}_satisfied`, `${q.key}_reason`]),
    'comment',
  ]
}

export function ballotRow(
  b: ExportBallot,
  input: Pick<ExportInput, 'questions' | 'villages' | 'suppressMin'>,
  small: Set<string> = new Set(),
): (string | number | null)[] {
  const hidden = small.has(b.villageId)
  const v = input.villages.get(b.villageId)
  return [
    b.id,
    hidden ? '*' : (v?.code ?? ''),
    hidden ? `Thôn/ấp dưới ${input.suppressMin} phiếu (gộp)` : (v?.name ?? ''),
    b.channel,
    b.valid ? 1 : 0,
    b.invalidationReason,
    ...input.questions.flatMap((q) => {
      const a = b.answers[q.key]
      return [a ? (a.satisfied ? 1 : 0) : null, a?.reason ?? null]
    }),
    b.comment,
  ]
}

/**
 * The CSV export as a stream: UTF-8 with BOM, one header line, exactly one CRLF record per ballot.
 * Ballots are pulled page by page as the client reads, so a million never sit in memory.
 */
export function csvStream(input: ExportInput): Readable {
  const small = smallVillages(input)
  function* chunks(): Generator<string> {
    yield `\uFEFF${ballotHeader(input.questions).map(csvCell).join(',')}\r\n`
    let buf: string[] = []
    for (const b of input.ballots) {
      buf.push(`${ballotRow(b, input, small).map(csvCell).join(',')}\r\n`)
      if (buf.length >= 1000) {
        yield buf.join('')
        buf = []
      }
    }
    if (buf.length) yield buf.join('')
  }
  return Readable.from(chunks(), { objectMode: false })
}

const cellValue = (v: string | number | null) => (typeof v === 'string' ? neutralise(v) : v)

/**
 * The XLSX export through exceljs's streaming writer: "Tổng hợp" (village tallies and the commune
 * totals), "Câu hỏi" (per question) and "Phiếu" (one row per ballot, like the CSV). Rows are
 * committed as they are written; the writer pauses when the client is slow. A failure mid-way
 * destroys the stream (the client sees a truncated download, never a valid-looking partial file).
 */
export function xlsxStream(input: ExportInput): Readable {
  const out = new PassThrough()
  const small = smallVillages(input)
  ;(async () => {
    const ExcelJS = await loadExcelJs()
    const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false })
    const sum = wb.addWorksheet('Tổng hợp')
    sum.columns = [
      { header: 'Mã', key: 'code', width: 12 },
      { header: 'Ấp/thôn', key: 'name', width: 28 },
      { header: 'Số hộ', key: 'households', width: 10 },
      { header: 'Số hộ tham gia', key: 'participated', width: 14 },
      { header: 'Phiếu hợp lệ', key: 'valid', width: 12 },
      { header: 'Hài lòng', key: 'satisfied', width: 10 },
      { header: 'Không hài lòng', key: 'notSatisfied', width: 14 },
      { header: 'Tỉ lệ hài lòng', key: 'rate', width: 14, style: { numFmt: '0.00%' } },
      { header: 'Tỉ lệ tham gia', key: 'coverage', width: 14, style: { numFmt: '0.00%' } },
      { header: 'Kết luận', key: 'verdict', width: 22 },
    ]
    sum.getRow(1).font = { bold: true }
    const line = (code: string, t: RoundTally['commune']) => ({
      code: cellValue(code),
      name: cellValue(t.name),
      households: t.households,
      participated: t.participated,
      valid: t.valid,
      satisfied: t.satisfied,
      notSatisfied: t.notSatisfied,
      rate: t.rate,
      coverage: t.coverage,
      verdict: t.verdict,
    })
    for (const v of input.tally.villages) {
      if (!small.has(v.unitId)) sum.addRow(line(input.villages.get(v.unitId)?.code ?? '', v)).commit()
      else
        sum
          .addRow({
            code: cellValue(input.villages.get(v.unitId)?.code ?? ''),
            name: cellValue(v.name),
            households: v.households,
            verdict: `dưới ${input.suppressMin} phiếu`,
          })
          .commit()
    }
    const total = sum.addRow(line('', { ...input.tally.commune, name: `Toàn xã ${input.tally.commune.name}` }))
    total.font = { bold: true }
    total.commit()
    sum.commit()

    const qs = wb.addWorksheet('Câu hỏi')
    qs.columns = [
      { header: 'Mã câu', key: 'key', width: 10 },
      { header: 'Nội dung', key: 'text', width: 60 },
      { header: 'Tiêu chí', key: 'criterion', width: 10 },
      { header: 'Câu hỏi chung', key: 'overall', width: 12 },
      { header: 'Phiếu hợp lệ', key: 'valid', width: 12 },
      { header: 'Hài lòng', key: 'satisfied', width: 10 },
      { header: 'Tỉ lệ hài lòng', key: 'rate', width: 14, style: { numFmt: '0.00%' } },
    ]
    qs.getRow(1).font = { bold: true }
    const qt = new Map(input.tally.questions.map((q) => [q.key, q]))
    for (const q of input.questions) {
      const s = qt.get(q.key)
      qs.addRow({
        key: q.key,
        text: cellValue(q.text),
        criterion: q.criterionRef ? cellValue(q.criterionRef) : null,
        overall: q.isOverall ? 1 : 0,
        valid: s?.valid ?? 0,
        satisfied: s?.satisfied ?? 0,
        rate: s?.rate ?? null,
      }).commit()
    }
    qs.commit()

    const sheet = wb.addWorksheet('Phiếu')
    const header = sheet.addRow(ballotHeader(input.questions))
    header.font = { bold: true }
    header.commit()
    let n = 0
    for (const b of input.ballots) {
      sheet.addRow(ballotRow(b, input, small).map(cellValue)).commit()
      if (++n % 2000 === 0) {
        // let the zip stream flush; wait while the client is behind
        await new Promise((r) => setImmediate(r))
        if (out.writableNeedDrain) await once(out, 'drain')
      }
    }
    sheet.commit()
    await wb.commit()
    // a failure after the headers were sent aborts the response; Fastify logs the stream error
  })().catch((err) => out.destroy(err as Error))
  return out
}
