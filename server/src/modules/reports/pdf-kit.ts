import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import type PDFDocument from 'pdfkit'
import { loadPdfKit } from '../../lib/lazy-deps.js'

const require = createRequire(import.meta.url)
// DejaVu renders every Vietnamese diacritic; pdfkit's built-in fonts do not. Serif for the official
// text (documents are usually set in Times), condensed sans for the tables, mono for hashes.
const FONT_DIR = join(dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf')
const FONTS = {
  r: 'DejaVuSerif.ttf',
  b: 'DejaVuSerif-Bold.ttf',
  i: 'DejaVuSerif-Italic.ttf',
  bi: 'DejaVuSerif-BoldItalic.ttf',
  t: 'DejaVuSansCondensed.ttf',
  tb: 'DejaVuSansCondensed-Bold.ttf',
  m: 'DejaVuSansMono.ttf',
} as const
export type FontName = keyof typeof FONTS

export type Doc = InstanceType<typeof PDFDocument>

/** An A4 document with the fonts registered, collected into a Buffer when `finish` is called. */
export async function newDocument(info: { title: string }, margin = 45): Promise<{ doc: Doc; finish: () => Promise<Buffer> }> {
  const PDF = await loadPdfKit()
  const doc = new PDF({
    size: 'A4',
    margins: { top: margin, bottom: margin + 10, left: margin, right: margin },
    bufferPages: true,
    info: { Title: info.title, Author: 'Hài Lòng', Creator: 'Hài Lòng' },
  })
  for (const [name, file] of Object.entries(FONTS)) doc.registerFont(name, join(FONT_DIR, file))
  doc.font('r')
  const chunks: Buffer[] = []
  doc.on('data', (c: Buffer) => chunks.push(c))
  const done = new Promise<Buffer>((res, rej) => {
    doc.on('end', () => res(Buffer.concat(chunks)))
    doc.on('error', rej)
  })
  return {
    doc,
    finish: () => {
      doc.end()
      return done
    },
  }
}

export const left = (doc: Doc) => doc.page.margins.left
export const contentWidth = (doc: Doc) => doc.page.width - doc.page.margins.left - doc.page.margins.right
export const bottom = (doc: Doc) => doc.page.height - doc.page.margins.bottom

/** Start a new page unless `height` points still fit above the bottom margin. */
export function ensureSpace(doc: Doc, height: number): void {
  if (doc.y + height > bottom(doc)) {
    doc.addPage()
    doc.y = doc.page.margins.top
  }
  doc.x = left(doc)
}

export interface Column {
  header: string
  width: number
  align?: 'left' | 'right' | 'center'
}
export interface Row {
  cells: string[]
  bold?: boolean
  fill?: string
}

/**
 * Draw a bordered table at the current y: cells wrap within their column, a row never splits, and
 * the header repeats at the top of every new page. Leaves doc.y under the table.
 */
export function drawTable(doc: Doc, columns: Column[], rows: (Row | string[])[], opts: { fontSize?: number; padding?: number } = {}): void {
  const fontSize = opts.fontSize ?? 8.5
  const pad = opts.padding ?? 3
  const x0 = left(doc)
  const heightOf = (cells: string[], font: FontName) => {
    doc.font(font).fontSize(fontSize)
    return Math.max(...cells.map((c, i) => doc.heightOfString(c || ' ', { width: (columns[i]?.width ?? 40) - 2 * pad }))) + 2 * pad
  }
  const drawRow = (cells: string[], y: number, h: number, font: FontName, fill?: string) => {
    let x = x0
    if (fill)
      doc
        .save()
        .rect(
          x0,
          y,
          columns.reduce((a, c) => a + c.width, 0),
          h,
        )
        .fill(fill)
        .restore()
    doc.font(font).fontSize(fontSize).fillColor('#000')
    columns.forEach((col, i) => {
      doc.save().lineWidth(0.5).strokeColor('#555').rect(x, y, col.width, h).stroke().restore()
      doc.text(cells[i] ?? '', x + pad, y + pad, { width: col.width - 2 * pad, align: col.align ?? 'left', lineBreak: true })
      x += col.width
    })
  }
  const headers = columns.map((c) => c.header)
  const headerH = heightOf(headers, 'tb')
  let y = doc.y
  const header = () => {
    drawRow(headers, y, headerH, 'tb', '#e6e6e6')
    y += headerH
  }
  if (y + headerH + 20 > bottom(doc)) {
    doc.addPage()
    y = doc.page.margins.top
  }
  header()
  for (const raw of rows) {
    const row: Row = Array.isArray(raw) ? { cells: raw } : raw
    const font: FontName = row.bold ? 'tb' : 't'
    const h = heightOf(row.cells, font)
    if (y + h > bottom(doc)) {
      doc.addPage()
      y = doc.page.margins.top
      header()
    }
    drawRow(row.cells, y, h, font, row.fill)
    y += h
  }
  doc.x = x0
  doc.y = y + 6
}

/** Text at the left margin across the content width (keeps doc.x sane after tables and images). */
export function para(
  doc: Doc,
  text: string,
  opts: { font?: FontName; size?: number; align?: 'left' | 'center' | 'right' | 'justify'; gap?: number; indent?: number } = {},
): void {
  doc
    .font(opts.font ?? 'r')
    .fontSize(opts.size ?? 10)
    .fillColor('#000')
  const indent = opts.indent ?? 0
  ensureSpace(doc, doc.currentLineHeight(true) + 2)
  // a no-break space keeps "80,00 %" on one line
  doc.text(text.replace(/ %/g, '\u00a0%'), left(doc) + indent, doc.y, { width: contentWidth(doc) - indent, align: opts.align ?? 'left' })
  if (opts.gap) doc.y += opts.gap
}

/**
 * The heading of a Vietnamese official document: the issuing body on the left, the national motto
 * on the right (CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM / Độc lập – Tự do – Hạnh phúc), then the place and date.
 */
export function nationalHeading(doc: Doc, issuer: string[], placeDate: string | null, docNo?: string): void {
  const x = left(doc)
  const w = contentWidth(doc)
  const top = doc.y
  const lw = w * 0.42
  const rw = w - lw
  doc.font('b').fontSize(10)
  let ly = top
  for (const line of issuer) {
    doc.text(line, x, ly, { width: lw, align: 'center' })
    ly = doc.y
  }
  doc
    .moveTo(x + lw / 2 - 30, ly + 2)
    .lineTo(x + lw / 2 + 30, ly + 2)
    .lineWidth(0.6)
    .stroke()
  ly += 6
  if (docNo) {
    doc.font('r').fontSize(10).text(docNo, x, ly, { width: lw, align: 'center' })
    ly = doc.y
  }
  doc
    .font('b')
    .fontSize(10)
    .text('CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM', x + lw, top, { width: rw, align: 'center' })
  doc
    .font('b')
    .fontSize(11)
    .text('Độc lập – Tự do – Hạnh phúc', x + lw, doc.y + 1, { width: rw, align: 'center' })
  const mottoW = doc.widthOfString('Độc lập – Tự do – Hạnh phúc')
  let ry = doc.y + 2
  doc
    .moveTo(x + lw + (rw - mottoW) / 2, ry)
    .lineTo(x + lw + (rw + mottoW) / 2, ry)
    .lineWidth(0.6)
    .stroke()
  ry += 8
  if (placeDate) {
    doc
      .font('i')
      .fontSize(10)
      .text(placeDate, x + lw, ry, { width: rw, align: 'center' })
    ry = doc.y
  }
  doc.x = x
  doc.y = Math.max(ly, ry) + 14
}

/** "Trang i/n" (and an optional note) in the bottom margin of every page. */
export function pageFooters(doc: Doc, note: string): void {
  const range = doc.bufferedPageRange()
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i)
    const saved = doc.page.margins.bottom
    doc.page.margins.bottom = 0
    doc
      .font('t')
      .fontSize(7.5)
      .fillColor('#444')
      .text(`${note}    Trang ${i + 1}/${range.count}`, left(doc), doc.page.height - saved + 14, {
        width: contentWidth(doc),
        align: 'right',
        lineBreak: false,
      })
    doc.page.margins.bottom = saved
  }
  doc.fillColor('#000')
}
