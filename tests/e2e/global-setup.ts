import { execSync } from 'node:child_process'
import { resolve } from 'node:path'

/** Build the web app once before the browser tests (they run against web/dist). */
export default function setup() {
  execSync('pnpm --filter @app/web build', { cwd: resolve(import.meta.dirname, '../..'), stdio: 'inherit' })
}
