import { execSync } from 'node:child_process'
import { resolve } from 'node:path'

/** Build the web app once before the browser tests (they run against web/dist). */
export default function setup() {
  // production build (vitest sets NODE_ENV=test, which would make Svelte build in dev mode)
  execSync('pnpm --filter @app/web build', {
    cwd: resolve(import.meta.dirname, '../..'),
    stdio: 'inherit',
    env: { ...process.env, NODE_ENV: 'production' },
  })
}
