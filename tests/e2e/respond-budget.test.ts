import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pageAssets } from '../../scripts/lib/page-assets.js'

/** Weak 3G phones: all JS + CSS of the resident page, gzip, at most 25 KB (Formbricks' widget is 190 KB). */
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

const respondAssets = () => pageAssets(dist)

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
