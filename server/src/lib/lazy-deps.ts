/**
 * Heavy document libraries (pdfkit, exceljs: ~0.7 s to import) load on first use, not at start-up,
 * so a restart answers /api/health quickly; server.ts warms them once it is listening.
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

/** Import both in the background (after listen) so the first document is not slow either. */
export function warmDocumentLibraries(): Promise<void> {
  return Promise.all([loadPdfKit(), loadExcelJs()]).then(() => undefined)
}
