import { Readable } from 'node:stream'
import yazl from 'yazl'

const NS = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main'
const REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships'

export type Part = string | Buffer | (() => Readable)

/** A zip of the given parts (deflated), built with yazl: the same writer the server uses for exports. */
export function zipOf(parts: Record<string, Part>): Promise<Buffer> {
  const zip = new yazl.ZipFile()
  for (const [name, body] of Object.entries(parts)) {
    if (typeof body === 'function') zip.addReadStream(body(), name)
    else zip.addBuffer(Buffer.isBuffer(body) ? body : Buffer.from(body), name)
  }
  zip.end()
  const chunks: Buffer[] = []
  return new Promise((res, rej) => {
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c))
    zip.outputStream.on('end', () => res(Buffer.concat(chunks)))
    zip.outputStream.on('error', rej)
  })
}

/** The package parts around a first sheet (and shared strings): what Excel writes, minus styles. */
export function xlsxParts(sheet: Part, sharedStrings?: Part): Record<string, Part> {
  return {
    '[Content_Types].xml':
      '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
    '_rels/.rels': `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
    'xl/workbook.xml': `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="${NS}" xmlns:r="${REL}"><sheets><sheet name="Danh sách hộ" sheetId="1" r:id="rId1"/></sheets></workbook>`,
    'xl/_rels/workbook.xml.rels': `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${REL}/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="${REL}/sharedStrings" Target="sharedStrings.xml"/></Relationships>`,
    'xl/worksheets/sheet1.xml': sheet,
    ...(sharedStrings === undefined ? {} : { 'xl/sharedStrings.xml': sharedStrings }),
  }
}

export const sheetXml = (rows: string) =>
  `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="${NS}"><sheetData>${rows}</sheetData></worksheet>`
export const sstXml = (items: string[]) =>
  `<?xml version="1.0" encoding="UTF-8"?><sst xmlns="${NS}" count="${items.length}" uniqueCount="${items.length}">${items.map((s) => `<si><t>${s}</t></si>`).join('')}</sst>`

/** A stream of `head`, then `size` bytes of `fill`, then `tail`, produced as it is read. */
export function repeated(head: string, fill: string, size: number, tail: string): () => Readable {
  return () => {
    const chunk = Buffer.from(fill.repeat(Math.ceil(65_536 / fill.length)))
    let left = size
    let started = false
    return new Readable({
      read() {
        if (!started) {
          started = true
          this.push(head)
          return
        }
        if (left <= 0) {
          this.push(tail)
          this.push(null)
          return
        }
        const n = Math.min(left, chunk.length)
        left -= n
        this.push(n === chunk.length ? chunk : chunk.subarray(0, n))
      },
    })
  }
}

/**
 * The attack of the report: a small XLSX whose header cell (a shared string) inflates to `size` bytes of "A".
 * 200 MB deflate to about 200 KB.
 */
export function headerBomb(size: number): Promise<Buffer> {
  const sheet = sheetXml('<row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>x</t></is></c></row>')
  const sst = repeated(
    `<?xml version="1.0" encoding="UTF-8"?><sst xmlns="${NS}" count="1" uniqueCount="1"><si><t>`,
    'A',
    size,
    '</t></si></sst>',
  )
  return zipOf(xlsxParts(sheet, sst))
}
