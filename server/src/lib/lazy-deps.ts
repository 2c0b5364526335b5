/**
 * Heavy document libraries (pdfkit, exceljs: ~0.7 s to import) load on first use, not at start-up,
 * so a restart answers /api/health quickly; server.ts warms pdfkit once it is listening.
 *
 * exceljs is no longer warmed: the XLSX export writes its sheets itself (reports/xlsx-writer.ts), and
 * only the household import reads .xlsx files: the memory exceljs holds (10–15 MB resident) and its
 * load time are paid by the first import instead of by every server process.
 */
import type ExcelJSModule from 'exceljs'
import type PDFDocumentClass from 'pdfkit'

let pdfkit: typeof PDFDocumentClass | undefined
let exceljs: typeof ExcelJSModule | undefined

export async function loadPdfKit(): Promise<typeof PDFDocumentClass> {
  pdfkit ??= (await import('pdfkit')).default
  return pdfkit
}

export async function loadExcelJs(): Promise<typeof ExcelJSModule> {
  exceljs ??= (await import('exceljs')).default
  return exceljs
}

/** Import pdfkit in the background (after listen) so the first minutes or notices PDF is not slow either. */
export function warmDocumentLibraries(): Promise<void> {
  return loadPdfKit().then(() => undefined)
}
