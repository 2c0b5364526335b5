import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

/** Issue 6: all JS + CSS of the resident page, gzip, at most 25 KB (Formbricks' widget is 190 KB). */
const BUDGET = 25 * 1024
const web = resolve(import.meta.dirname, '../../web')
let dist = ''

// Measure what production serves. The global setup's build inherits vitest's NODE_ENV=test, which
// makes Vite and Svelte build in development mode (~5 KB more); so build once more, as production,
// into a temporary directory.
beforeAll(() => {
  dist = mkdtempSync(join(tmpdir(), 'hailong-respond-budget-'))
  execFileSync('pnpm', ['exec', 'vite', 'build', '--outDir', dist, '--logLevel', 'warn'], {
    cwd: web,
    env: { ...process.env, NODE_ENV: 'production' },
    stdio: 'inherit',
  })
})
afterAll(() => rmSync(dist, { recursive: true, force: true }))

/** Every asset respond.html pulls in: its scripts, stylesheets and modulepreloads, then whatever those JS files import. */
function respondAssets(): string[] {
  const html = readFileSync(join(dist, 'respond.html'), 'utf8')
  const queue = [...html.matchAll(/<(?:script|link)\b[^>]*?\b(?:src|href)="([^"]+\.(?:js|css))"/g)].map((m) => join(dist, m[1] ?? ''))
  const seen = new Set<string>()
  while (queue.length) {
    const file = queue.shift() ?? ''
    if (seen.has(file)) continue
    seen.add(file)
    if (!file.endsWith('.js')) continue
    const code = readFileSync(file, 'utf8')
    // Static `import … from "./x.js"`, bare `import "./x.js"`, dynamic `import("./x.js")`, and
    // Vite's preload map (`"assets/x.js"`) — counted even if lazy: the budget is for the whole page.
    for (const m of code.matchAll(/(?:from|import)\s*\(?\s*["'`]([^"'`]+\.(?:js|css))["'`]|["'`](assets\/[^"'`]+\.(?:js|css))["'`]/g)) {
      const spec = m[1] ?? `/${m[2]}`
      queue.push(spec.startsWith('/') ? join(dist, spec) : resolve(dirname(file), spec))
    }
  }
  return [...seen]
}

describe('resident page budget', () => {
  it('ships at most 25 KB of gzip JS + CSS', () => {
    expect(existsSync(join(dist, 'respond.html'))).toBe(true)
    const files = respondAssets()
    const rows = files.map((f) => ({ file: f.slice(dist.length + 1), gzip: gzipSync(readFileSync(f), { level: 9 }).length }))
    const total = rows.reduce((s, r) => s + r.gzip, 0)
    for (const r of rows) console.log(`respond budget: ${r.file} ${(r.gzip / 1024).toFixed(2)} KB gzip`)
    console.log(`respond budget: total ${(total / 1024).toFixed(2)} KB gzip of ${(BUDGET / 1024).toFixed(0)} KB (${files.length} files)`)
    expect(rows.some((r) => r.file.endsWith('.css'))).toBe(true)
    expect(rows.filter((r) => r.file.endsWith('.js')).length).toBeGreaterThan(0)
    expect(total).toBeLessThanOrEqual(BUDGET)
  })

  it('does not ship zod, Chart.js or web fonts', () => {
    for (const f of respondAssets()) {
      const code = readFileSync(f, 'utf8')
      expect(code, f).not.toMatch(/_zod|captureStackTrace|Chart\.js|@font-face/)
    }
  })
})
