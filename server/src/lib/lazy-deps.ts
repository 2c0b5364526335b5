/**
 * Heavy document libraries (pdfkit: ~0.5 s to import) load on first use, not at start-up, so a restart
 * answers /api/health quickly; server.ts warms pdfkit once it is listening. (exceljs is gone from the
 * server: exports write their sheet XML themselves, imports read with a streaming reader.)
 */
import type PDFDocumentClass from 'pdfkit'

let pdfkit: typeof PDFDocumentClass | undefined

export async function loadPdfKit(): Promise<typeof PDFDocumentClass> {
  pdfkit ??= (await import('pdfkit')).default
  return pdfkit
}

/** Import pdfkit in the background (after listen) so the first minutes or notices PDF is not slow either. */
export function warmDocumentLibraries(): Promise<void> {
  return loadPdfKit().then(() => undefined)
}
