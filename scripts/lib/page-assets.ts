import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'

/**
 * Every JS and CSS file a built page of web/dist pulls in: its scripts, stylesheets and modulepreloads,
 * then whatever those JS files import — static `import … from "./x.js"`, bare `import "./x.js"`, dynamic
 * `import("./x.js")` and Vite's preload map (`"assets/x.js"`), lazy chunks included: a weight budget is
 * for the whole page. Used by the form-weight test and the form benchmark.
 */
export function pageAssets(dist: string, page = 'respond.html'): string[] {
  const html = readFileSync(join(dist, page), 'utf8')
  const queue = [...html.matchAll(/<(?:script|link)\b[^>]*?\b(?:src|href)="([^"]+\.(?:js|css))"/g)].map((m) => join(dist, m[1] ?? ''))
  const seen = new Set<string>()
  while (queue.length) {
    const file = queue.shift() as string
    if (seen.has(file) || !existsSync(file)) continue
    seen.add(file)
    if (!file.endsWith('.js')) continue
    const code = readFileSync(file, 'utf8')
    for (const m of code.matchAll(/(?:from|import)\s*\(?\s*["'`]([^"'`]+\.(?:js|css))["'`]|["'`](assets\/[^"'`]+\.(?:js|css))["'`]/g)) {
      const spec = m[1] ?? `/${m[2]}`
      queue.push(spec.startsWith('/') ? join(dist, spec) : resolve(dirname(file), spec))
    }
  }
  return [...seen]
}
