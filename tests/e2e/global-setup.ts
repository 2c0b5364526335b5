import { execSync } from 'node:child_process'
import { resolve } from 'node:path'
import { ensureChromium } from './helpers/chromium.js'

/** Before the browser tests: Chromium present (installed on a fresh machine), and the web app built once (they run against web/dist). */
export default function setup() {
  ensureChromium()
  // production build (vitest sets NODE_ENV=test, which would make Svelte build in dev mode)
  execSync('pnpm --filter @app/web build', {
    cwd: resolve(import.meta.dirname, '../..'),
    stdio: 'inherit',
    env: { ...process.env, NODE_ENV: 'production' },
  })
}
