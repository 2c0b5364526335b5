/**
 * The export streams themselves (server/src/modules/reports/exports.ts, xlsx-writer.ts): the CSV and
 * the XLSX carry the same cells for every ballot through many chunks, ballots are pulled only as the
 * reader consumes, a client that goes away ends the ballot source, and a failing source fails the
 * download. The HTTP side (auth, sealing, headers) is in exports.test.ts.
 */
import type { Readable } from 'node:stream'
import { pullStream } from '@app/server/lib/pull-stream.ts'
import {
  csvStream,
  type ExportBallot,
  type ExportHeaders,
  type ExportInput,
  neutralise,
  xlsxStream,
} from '@app/server/modules/reports/exports.ts'
import { columnName, xlsxWorkbookStream } from '@app/server/modules/reports/xlsx-writer.ts'
import type { RoundTally } from '@app/shared'
import ExcelJS from 'exceljs'
import { describe, expect, it } from 'vitest'
import { parseCsv } from '../helpers/csv.js'

const QUESTIONS = [
  { key: 'q1', text: 'Đường giao thông?', criterionRef: '2', isOverall: false },
  { key: 'q2', text: '=Điện "sinh hoạt" & nước <sạch>?', criterionRef: null, isOverall: false },
  { key: 'q9', text: 'Hài lòng chung?', isOverall: true },
]
const VILLAGES = new Map([
  ['v1', { code: 'AP-1', name: 'Ấp Một' }],
  ['v2', { code: '+AP-2', name: 'Ấp "Hai", bờ kênh' }],
  ['v3', { code: 'AP-3', name: 'Ấp Ba' }],
])

const tallyLine = (unitId: string, name: string, valid: number) => ({
  unitId,
  name,
  households: 100,
  participated: valid,
  valid,
  satisfied: Math.floor(valid / 2),
  notSatisfied: valid - Math.floor(valid / 2),
  coverage: valid / 100,
  rate: valid ? Math.floor(valid / 2) / valid : null,
  interval: null,
  bounds: null,
  verdict: 'below_threshold' as const,
  robustness: null,
})
const TALLY: RoundTally = {
  roundId: 'r1',
  status: 'sealed',
  thresholdBp: 8000,
  coverageBp: 5000,
  coverageScope: 'commune',
  commune: tallyLine('c1', 'Xã Thử', 60),
  // v3 has 3 valid ballots: under a minimum of 5 it is withheld, and so is v2, the smallest other village (else the
  // commune's 60 minus 30 and 27 would give v3's 3 back)
  villages: [tallyLine('v1', 'Ấp Một', 30), tallyLine('v2', 'Ấp "Hai", bờ kênh', 27), tallyLine('v3', 'Ấp Ba', 3)],
  questions: [
    { key: 'q1', valid: 60, satisfied: 40, rate: 40 / 60 },
    { key: 'q2', valid: 60, satisfied: 30, rate: 0.5 },
    { key: 'q9', valid: 60, satisfied: 31, rate: 31 / 60 },
  ],
  byChannel: { link: 40, paper: 20 },
}

/** Texts that must survive (or be neutralised) in both formats. */
const TEXTS = [
  '=HYPERLINK("http://evil.example","bấm")',
  '@SUM(1,2)',
  '-2+3',
  '\tthụt lề',
  'Dòng 1\r\nDòng 2, có "ngoặc"',
  '  khoảng trắng hai đầu  ',
  'a & b < c > d',
  'điều khiển\u0001\u0008\u000b\u007f ở giữa',
  'emoji 👍 và chữ Hán 漢',
  '',
]

function ballot(i: number): ExportBallot {
  const text = (k: number) => TEXTS[(i + k) % TEXTS.length] as string
  return {
    id: `b${String(i).padStart(6, '0')}`,
    villageId: i % 50 === 0 ? 'v3' : i % 2 ? 'v1' : 'v2',
    channel: i % 3 ? 'link' : 'paper',
    valid: i % 7 !== 0,
    invalidationReason: i % 7 === 0 ? 'entry_error' : null,
    answers: {
      q1: i % 4 ? { satisfied: true } : { satisfied: false, reason: text(0) },
      q2: { satisfied: i % 5 !== 0, ...(i % 5 === 0 ? { reason: text(3) } : {}) },
      ...(i % 11 ? { q9: { satisfied: i % 2 === 0 } } : {}),
    },
    comment: i % 3 === 0 ? text(6) : null,
  }
}

function input(ballots: ExportInput['ballots'], suppressMin: number | null = 5, headers: ExportHeaders = 'codes'): ExportInput {
  return { questions: QUESTIONS, villages: VILLAGES, ballots, tally: TALLY, suppressMin, headers }
}

async function collect(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = []
  for await (const chunk of stream) parts.push(chunk as Buffer)
  return Buffer.concat(parts)
}

/** What a ballot's row must say, cell by cell, before a format encodes it (the export's contract). */
function expectedRow(b: ExportBallot, suppressMin: number | null): (string | number | null)[] {
  const hidden = suppressMin !== null && (b.villageId === 'v3' || b.villageId === 'v2')
  const v = VILLAGES.get(b.villageId)
  const cells: (string | number | null)[] = [
    b.id,
    hidden ? '*' : (v?.code ?? ''),
    hidden ? `Các thôn/ấp gộp (bảo vệ bí mật phiếu, mỗi nhóm từ ${suppressMin} phiếu)` : (v?.name ?? ''),
    b.channel,
    b.valid ? 1 : 0,
    b.invalidationReason,
  ]
  for (const q of QUESTIONS) {
    const a = b.answers[q.key]
    cells.push(a ? (a.satisfied ? 1 : 0) : null, a?.reason ?? null)
  }
  cells.push(b.comment)
  return cells.map((c) => (typeof c === 'string' ? neutralise(c) : c))
}

/** XML 1.0 cannot carry C0 controls (except tab, LF, CR) or DEL; an XML reader turns CRLF into LF. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the characters under test
const asXlsxText = (s: string) => s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '').replace(/\r\n?/g, '\n')

async function readXlsx(buf: Buffer): Promise<ExcelJS.Workbook> {
  const wb = new ExcelJS.Workbook()
  await wb.xlsx.load(buf as unknown as ArrayBuffer)
  return wb
}

const N = 3_000

describe('CSV and XLSX export streams', () => {
  it('speak Vietnamese to people by default: headers, channel, validity, reasons and answers in words', async () => {
    const q: ExportInput['questions'] = [
      { key: 'q1', text: 'Có được thông tin về quy hoạch không?', isOverall: false, answerType: 'yes_no' },
      { key: 'q2', text: 'Có tình trạng ô nhiễm không?', isOverall: false, answerType: 'yes_no', favourable: 'no' },
      { key: 'q9', text: 'Hài lòng chung?', isOverall: true },
    ]
    const b: ExportBallot = {
      id: 'b1',
      villageId: 'v1',
      channel: 'paper',
      valid: false,
      invalidationReason: 'entry_error',
      answers: { q1: { satisfied: true }, q2: { satisfied: true }, q9: { satisfied: false, reason: 'đường xấu' } },
      comment: null,
    }
    const csv = (await collect(csvStream({ ...input([b], null, 'vi'), questions: q }))).toString('utf8')
    const rows = parseCsv(csv.slice(1))
    expect(rows[0]).toEqual([
      'Mã phiếu',
      'Mã thôn/ấp',
      'Thôn/ấp',
      'Hình thức',
      'Hợp lệ',
      'Lý do không hợp lệ',
      'Câu 1: trả lời',
      'Câu 1: lý do',
      'Câu 2: trả lời',
      'Câu 2: lý do',
      'Câu 3: trả lời',
      'Câu 3: lý do',
      'Ý kiến khác',
    ])
    // "không" is the favourable answer to the pollution question: stored as satisfied, read as "Không"
    expect(rows[1]).toEqual([
      'b1',
      'AP-1',
      'Ấp Một',
      'Phiếu giấy',
      'Không',
      'Nhập sai',
      'Có',
      '',
      'Không',
      '',
      'Không hài lòng',
      'đường xấu',
      '',
    ])
    for (const cell of rows.flat()) expect(cell).not.toMatch(/^[a-z]+_[a-z_]+$/)
    const wb = await readXlsx(await collect(xlsxStream({ ...input([b], null, 'vi'), questions: q })))
    const sum = wb.getWorksheet('Tổng hợp') as ExcelJS.Worksheet
    const words: unknown[] = []
    sum.eachRow((row) => words.push(...(row.values as unknown[]).slice(1)))
    expect(words).toContain('Chưa đạt: tỷ lệ hài lòng thấp hơn mức quy định')
    for (const v of words) if (typeof v === 'string') expect(v).not.toMatch(/^[a-z]+_[a-z_]+$/)
    expect(((wb.getWorksheet('Phiếu') as ExcelJS.Worksheet).getRow(1).values as unknown[]).slice(1)).toEqual(rows[0])
  })

  it('carry the same cells for every ballot, through many chunks, formulas neutralised, small villages withheld', async () => {
    const ballots = Array.from({ length: N }, (_, i) => ballot(i))
    for (const suppressMin of [5, null]) {
      const csv = (await collect(csvStream(input(ballots, suppressMin)))).toString('utf8')
      expect(csv.startsWith('\uFEFF')).toBe(true)
      expect(csv.length).toBeGreaterThan(2 * 64 * 1024) // several chunks
      const rows = parseCsv(csv.slice(1))
      expect(rows).toHaveLength(1 + N)
      expect(rows[0]?.slice(0, 8)).toEqual([
        'ballot_id',
        'village_code',
        'village_name',
        'channel',
        'valid',
        'invalidation_reason',
        'q1_satisfied',
        'q1_reason',
      ])
      ballots.forEach((b, i) => {
        expect(rows[i + 1]).toEqual(expectedRow(b, suppressMin).map((c) => (c === null ? '' : String(c))))
      })

      const wb = await readXlsx(await collect(xlsxStream(input(ballots, suppressMin))))
      expect(wb.worksheets.map((s) => s.name)).toEqual(['Tổng hợp', 'Câu hỏi', 'Phiếu'])
      const sheet = wb.getWorksheet('Phiếu') as ExcelJS.Worksheet
      expect(sheet.rowCount).toBe(1 + N)
      expect((sheet.getRow(1).values as unknown[]).slice(1)).toEqual(rows[0])
      ballots.forEach((b, i) => {
        const want = expectedRow(b, suppressMin).map((c) => (typeof c === 'string' ? asXlsxText(c) : c))
        const got = want.map((_, c) => sheet.getRow(i + 2).getCell(c + 1).value ?? null)
        // an empty text is a blank cell
        expect(got).toEqual(want.map((c) => (c === '' ? null : c)))
      })
    }
  })

  it('XLSX: village tallies with the small village withheld, the per-question sheet, bold headers and percent formats', async () => {
    const wb = await readXlsx(await collect(xlsxStream(input([ballot(1)]))))
    const sum = wb.getWorksheet('Tổng hợp') as ExcelJS.Worksheet
    expect(sum.rowCount).toBe(1 + 3 + 1 + 1)
    expect((sum.getRow(1).values as unknown[]).slice(1)).toEqual([
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
    ])
    expect(sum.getRow(1).getCell(1).font?.bold).toBe(true)
    expect((sum.getRow(2).values as unknown[]).slice(1)).toEqual(['AP-1', 'Ấp Một', 100, 30, 30, 15, 15, 0.5, 0.3, 'Chưa đạt'])
    expect(sum.getRow(2).getCell(8).numFmt).toBe('0.00%')
    expect(sum.getRow(2).getCell(9).numFmt).toBe('0.00%')
    expect(sum.getRow(2).getCell(1).font?.bold).not.toBe(true)
    // a village code starting with + is neutralised; Ấp Hai is Ấp Ba's complement: withheld too
    expect(sum.getRow(3).getCell(1).value).toBe("'+AP-2")
    expect((sum.getRow(3).values as unknown[]).slice(5, 9)).toEqual(['—', '—', '—', '—'])
    const small = sum.getRow(4).values as unknown[]
    // coverage stays (public while the round is open); every figure built on the ballots is a dash, never 0
    expect(small.slice(1, 10)).toEqual(['AP-3', 'Ấp Ba', 100, 3, '—', '—', '—', '—', 0.03])
    expect(String((sum.getRow(6).values as unknown[])[2])).toContain('không phải 0')
    const total = sum.getRow(5)
    expect((total.values as unknown[]).slice(1, 8)).toEqual([undefined, 'Toàn xã Xã Thử', 100, 60, 60, 30, 30])
    expect(total.getCell(2).font?.bold).toBe(true)
    expect(total.getCell(8).numFmt).toBe('0.00%')
    expect(total.getCell(8).font?.bold).toBe(true)
    expect(sum.getColumn(2).width).toBe(28)

    const qs = wb.getWorksheet('Câu hỏi') as ExcelJS.Worksheet
    expect(qs.rowCount).toBe(1 + 3)
    expect((qs.getRow(2).values as unknown[]).slice(1)).toEqual(['q1', 'Đường giao thông?', '2', 0, 60, 40, 40 / 60])
    expect((qs.getRow(3).values as unknown[]).slice(1, 4)).toEqual(['q2', `'=Điện "sinh hoạt" & nước <sạch>?`, undefined])
    expect(qs.getRow(4).getCell(4).value).toBe(1)
    expect(qs.getRow(2).getCell(7).numFmt).toBe('0.00%')
  })

  it('without a minimum (the format alone) every village is in the summary', async () => {
    const wb = await readXlsx(await collect(xlsxStream(input([ballot(1)], null))))
    const small = wb.getWorksheet('Tổng hợp')?.getRow(4).values as unknown[]
    expect(small.slice(1, 8)).toEqual(['AP-3', 'Ấp Ba', 100, 3, 3, 1, 2])
  })
})

/**
 * A million ballots made on demand, counting how many were taken and whether the source was closed; `async`: as
 * PostgreSQL's cursor gives them (an async generator awaiting a read now and then).
 */
function meteredSource(failAt?: number, async = false) {
  const meter = { pulled: 0, closed: false }
  function* source(): Generator<ExportBallot> {
    try {
      for (let i = 0; i < 1_000_000; i++) {
        if (i === failAt) throw new Error('disk I/O error')
        meter.pulled++
        yield ballot(i)
      }
    } finally {
      meter.closed = true
    }
  }
  async function* asyncSource(): AsyncGenerator<ExportBallot> {
    try {
      for (let i = 0; i < 1_000_000; i++) {
        if (i % 500 === 0) await new Promise((r) => setImmediate(r))
        if (i === failAt) throw new Error('disk I/O error')
        meter.pulled++
        yield ballot(i)
      }
    } finally {
      meter.closed = true
    }
  }
  return { meter, ballots: async ? { [Symbol.asyncIterator]: asyncSource } : { [Symbol.iterator]: source } }
}

/** The same items, given one at a time by an async generator that yields to the event loop now and then. */
async function* asyncOf<T>(items: Iterable<T>): AsyncGenerator<T> {
  let i = 0
  for (const x of items) {
    if (i++ % 700 === 0) await new Promise((r) => setImmediate(r))
    yield x
  }
}

/** Read until `bytes` have arrived, then stop reading (the for-await exit destroys the stream, as a closed socket does). */
async function readSome(stream: Readable, bytes: number): Promise<number> {
  let got = 0
  for await (const chunk of stream) {
    got += (chunk as Buffer).length
    if (got >= bytes) break
  }
  return got
}

describe('back-pressure and failures', () => {
  for (const [format, make] of [
    ['CSV', csvStream],
    ['XLSX', xlsxStream],
  ] as const)
    for (const async of [false, true]) {
      const kind = async ? 'an async source' : 'a source'
      it(`${format}, ${kind}: ballots are pulled only as the reader consumes; a reader that stops ends the source`, async () => {
        const { meter, ballots } = meteredSource(undefined, async)
        const stream = make(input(ballots))
        // nothing is read from the database before the first read
        await new Promise((r) => setImmediate(r))
        expect(meter.pulled).toBe(0)
        expect(await readSome(stream, 256 * 1024)).toBeGreaterThanOrEqual(256 * 1024)
        expect(meter.pulled).toBeGreaterThan(0)
        // the stream ran a little ahead of the reader (its buffers), nowhere near the whole round
        expect(meter.pulled).toBeLessThan(50_000)
        await new Promise((r) => setImmediate(r))
        expect(stream.destroyed).toBe(true)
        // an async generator runs its finally (a cursor's connection released) once its pending read is back
        await new Promise((r) => setTimeout(r, 20))
        expect(meter.closed).toBe(true)
      })

      it(`${format}, ${kind}: a ballot source that fails mid-way fails the download`, async () => {
        const { meter, ballots } = meteredSource(2_000, async)
        await expect(collect(make(input(ballots)))).rejects.toThrow('disk I/O error')
        expect(meter.pulled).toBe(2_000)
        expect(meter.closed).toBe(true)
      })
    }

  it('an async source gives the same bytes as a synchronous one (CSV) and the same cells (XLSX)', async () => {
    const ballots = Array.from({ length: N }, (_, i) => ballot(i))
    for (const headers of ['codes', 'vi'] as const) {
      const sync = await collect(csvStream(input(ballots, 5, headers), ';'))
      const async = await collect(csvStream(input(asyncOf(ballots), 5, headers), ';'))
      expect(sync.length).toBeGreaterThan(2 * 64 * 1024)
      expect(async.equals(sync)).toBe(true)
    }
    const cells = async (wb: ExcelJS.Workbook) =>
      wb.worksheets.map((s) => {
        const rows: unknown[] = []
        s.eachRow((r) => rows.push(r.values))
        return rows
      })
    const sync = await readXlsx(await collect(xlsxStream(input(ballots))))
    const async = await readXlsx(await collect(xlsxStream(input(asyncOf(ballots)))))
    expect(await cells(async)).toEqual(await cells(sync))
    expect((async.getWorksheet('Phiếu') as ExcelJS.Worksheet).rowCount).toBe(1 + N)
  })
})

describe('xlsx writer', () => {
  it('names columns like a spreadsheet', () => {
    expect([0, 1, 25, 26, 27, 51, 52, 701, 702, 16_383].map(columnName)).toEqual([
      'A',
      'B',
      'Z',
      'AA',
      'AB',
      'AZ',
      'BA',
      'ZZ',
      'AAA',
      'XFD',
    ])
  })

  it('rejects sheet names a spreadsheet would refuse', () => {
    const rows = [{ cells: ['x'] }]
    expect(() => xlsxWorkbookStream([{ name: 'a/b', rows }])).toThrow(/invalid sheet name/)
    expect(() => xlsxWorkbookStream([{ name: 'x'.repeat(32), rows }])).toThrow(/invalid sheet name/)
    expect(() =>
      xlsxWorkbookStream([
        { name: 'Phiếu', rows },
        { name: 'phiếu', rows },
      ]),
    ).toThrow(/duplicate sheet name/)
  })

  it('writes numbers as numbers, skips non-finite ones and escapes sheet names', async () => {
    const wb = await readXlsx(
      await collect(xlsxWorkbookStream([{ name: 'A & <B>', rows: [{ cells: [1.5, -2, Number.NaN, Number.POSITIVE_INFINITY, 0, 'x'] }] }])),
    )
    const s = wb.getWorksheet('A & <B>') as ExcelJS.Worksheet
    expect((s.getRow(1).values as unknown[]).slice(1)).toEqual([1.5, -2, undefined, undefined, 0, 'x'])
  })
})

describe('pullStream', () => {
  it('writes every item whole as UTF-8 across chunk edges, with head and tail, and oversized items alone', async () => {
    const items = Array.from({ length: 5_000 }, (_, i) => (i === 2_500 ? 'Ấ'.repeat(40_000) : `${i}:Ấp Một 👍 ${'đ'.repeat(i % 97)}\n`))
    const chunks: Buffer[] = []
    for await (const c of pullStream({ source: items, encode: (s) => s, head: 'HEAD\n', tail: 'TAIL', chunkBytes: 4096 }))
      chunks.push(c as Buffer)
    expect(chunks.length).toBeGreaterThan(100)
    expect(chunks.every((c) => c.length <= 4096 || c.toString('utf8') === 'Ấ'.repeat(40_000))).toBe(true)
    expect(Buffer.concat(chunks).toString('utf8')).toBe(`HEAD\n${items.join('')}TAIL`)
  })

  it('an empty source gives just the head and tail', async () => {
    expect((await collect(pullStream({ source: [], encode: String, head: 'a', tail: 'b' }))).toString()).toBe('ab')
    expect((await collect(pullStream({ source: [], encode: String }))).length).toBe(0)
  })

  it('lets the event loop run between chunks while a fast reader drains a long stream', async () => {
    const stream = pullStream({ source: Array.from({ length: 20_000 }, (_, i) => i), encode: (i) => `${i},`.padEnd(100, 'x') })
    let received = 0
    let seenByTimer: number | undefined
    setTimeout(() => {
      seenByTimer = received
    }, 0)
    for await (const c of stream) received += (c as Buffer).length
    expect(received).toBe(20_000 * 100)
    // the timer ran while the stream was still flowing, not only after it
    expect(seenByTimer).toBeDefined()
    expect(seenByTimer).toBeLessThan(received)
  })
})
