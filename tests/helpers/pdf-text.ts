import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
// The legacy build is pdf.js's Node entry: the modern one assumes browser globals newer than Node 20 has.
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs'

/** Items whose baselines differ by less than this (PDF points) sit on one line, like a table row. */
const SAME_LINE = 2
/** A horizontal gap wider than this (points) between two items is a column or word break, printed as a space. */
const GAP = 0.5

interface Placed {
  str: string
  x: number
  y: number
  width: number
}

/**
 * The text of each page of a PDF, in reading order, one string per page.
 *
 * Lines are rebuilt from where pdf.js places the text items (same baseline → same line, left to right), so a table
 * row reads as one line with its cells separated by spaces — what the assertions about rows rely on. Written in
 * JavaScript so the suite needs no system PDF tool. `HL_KEEP_PDF=<dir>` keeps a copy of the file for looking at.
 */
export async function pdfPages(pdf: Uint8Array, name = 'doc'): Promise<string[]> {
  if (process.env.HL_KEEP_PDF) writeFileSync(join(process.env.HL_KEEP_PDF, `${name}.pdf`), pdf)
  // pdf.js takes ownership of (detaches) the buffer it is given: hand it a copy.
  const doc = await getDocument({ data: new Uint8Array(pdf), useSystemFonts: false, isEvalSupported: false }).promise
  try {
    const pages: string[] = []
    for (let n = 1; n <= doc.numPages; n++) {
      const page = await doc.getPage(n)
      const content = await page.getTextContent()
      const items: Placed[] = []
      for (const item of content.items) {
        if (!('str' in item) || item.str === '') continue
        items.push({ str: item.str, x: item.transform[4], y: item.transform[5], width: item.width })
      }
      pages.push(layoutLines(items).join('\n'))
      page.cleanup()
    }
    return pages
  } finally {
    await doc.destroy()
  }
}

/** All pages' text, pages separated by a blank line. */
export async function pdfText(pdf: Uint8Array, name?: string): Promise<string> {
  return (await pdfPages(pdf, name)).join('\n\n')
}

function layoutLines(items: Placed[]): string[] {
  // PDF y grows upwards: top of the page first, then left to right.
  const sorted = [...items].sort((a, b) => b.y - a.y || a.x - b.x)
  const lines: Placed[][] = []
  for (const item of sorted) {
    const line = lines.at(-1)
    if (line && Math.abs((line[0] as Placed).y - item.y) < SAME_LINE) line.push(item)
    else lines.push([item])
  }
  return lines.map((line) => {
    line.sort((a, b) => a.x - b.x)
    let text = ''
    let end = Number.NEGATIVE_INFINITY
    for (const item of line) {
      if (text && item.x - end > GAP && !text.endsWith(' ') && !item.str.startsWith(' ')) text += ' '
      text += item.str
      end = item.x + item.width
    }
    return text.trimEnd()
  })
}
