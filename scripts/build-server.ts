/**
 * Build the production server: server/src/server.ts, the workspace TypeScript it imports (@app/db, @app/shared)
 * and its npm dependencies, bundled by esbuild into server/dist/server.mjs. The test fakes of Zalo and SMS
 * (tools/fake-zalo) are not in it: demo mode runs them as a child process from their own bundle,
 * tools/fake-zalo/dist/fake-zalo.mjs, built here too.
 * `node server/dist/server.mjs` then starts without transpiling TypeScript or resolving some 400 modules one
 * by one (`pnpm start`; cold start on the 1 M-ballot benchmark DB went from ~1.2 s to ~0.45 s). Usage: pnpm build:server
 *
 * - External, loaded from node_modules at run time: better-sqlite3 (native) and pdfkit (imported on
 *   first use by lib/lazy-deps.ts). They must be resolvable from server/dist, i.e. dependencies of @app/server:
 *   the build checks that.
 * - Dynamic imports become chunks beside server.mjs.
 * - Each bundled file keeps its own location: `import.meta.url` in our TypeScript and `__dirname` /
 *   `__filename` in npm packages are rewritten relative to the output file, so the paths built from them
 *   (db/drizzle migrations, web/dist, the fonts, @fastify/swagger-ui's static files) resolve as they do
 *   under tsx, wherever the checkout lives.
 * - Not minified: it starts no faster here (V8 parses lazily) and stack traces stay readable. No keepNames
 *   either (~30 ms at start-up): our plugins name themselves in fastify-plugin's options.
 */
import { existsSync, rmSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { builtinModules } from 'node:module'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build, type Plugin } from 'esbuild'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
export const SERVER_ENTRY = join(ROOT, 'server/src/server.ts')
export const SERVER_OUT_DIR = join(ROOT, 'server/dist')
/** What `pnpm start` runs with `node`. */
export const SERVER_BUNDLE = join(SERVER_OUT_DIR, 'server.mjs')

export const FAKE_ZALO_ENTRY = join(ROOT, 'tools/fake-zalo/src/main.ts')
export const FAKE_ZALO_OUT_DIR = join(ROOT, 'tools/fake-zalo/dist')

export const EXTERNAL_PACKAGES = ['better-sqlite3', 'pdfkit']

/** At the top of every output file: `require` for bundled CommonJS code, and output-relative paths made absolute. */
const BANNER = [
  "import { createRequire as __bundleCreateRequire } from 'node:module';",
  "import { fileURLToPath as __bundleFileURLToPath } from 'node:url';",
  'const require = __bundleCreateRequire(import.meta.url);',
  'const __bundlePath = (rel) => __bundleFileURLToPath(new URL(rel, import.meta.url));',
].join('\n')

const USE_STRICT = /^(?:\s|\/\/[^\n]*\n|\/\*[\s\S]*?\*\/)*(['"])use strict\1;?/

/** Rewrites import.meta.url / __dirname / __filename of each bundled file (all output files sit in `outDir`). */
function ownLocation(outDir: string): Plugin {
  const fromOutDir = (path: string) => relative(outDir, path).split(sep).join('/')
  return {
    name: 'own-location',
    setup(b) {
      b.onLoad({ filter: /\.[cm]?[jt]s$/ }, async (args) => {
        const source = await readFile(args.path, 'utf8')
        const loader = /\.[cm]?ts$/.test(args.path) ? 'ts' : 'js'
        if (!args.path.includes(`${sep}node_modules${sep}`)) {
          if (!source.includes('import.meta.url')) return undefined
          const url = `new URL(${JSON.stringify(fromOutDir(args.path))}, import.meta.url).href`
          return { contents: source.replace(/\bimport\.meta\.url\b/g, url), loader }
        }
        if (!/\b__(dirname|filename)\b/.test(source)) return undefined
        const file = JSON.stringify(fromOutDir(args.path))
        const dir = JSON.stringify(fromOutDir(dirname(args.path)))
        const head = `var __filename = __bundlePath(${file}), __dirname = __bundlePath(${dir});`
        // after a 'use strict' directive, which must stay first to keep the module strict
        const at = USE_STRICT.exec(source)?.[0].length ?? 0
        return { contents: `${source.slice(0, at)}\n${head}\n${source.slice(at)}`, loader }
      })
    },
  }
}

const builtins = new Set(builtinModules)

function packageName(specifier: string): string {
  const parts = specifier.split('/')
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] as string)
}

/** node_modules/<pkg> reachable from `dir` the way Node's resolver walks up. */
function resolvableFrom(dir: string, pkg: string): boolean {
  for (let d = dir; ; d = dirname(d)) {
    if (existsSync(join(d, 'node_modules', pkg, 'package.json'))) return true
    if (dirname(d) === d) return false
  }
}

export interface BundleResult {
  /** Output files (source maps left out), relative to the working directory. */
  outputs: string[]
  /** Packages left to node_modules: EXTERNAL_PACKAGES that the code imports, plus optional require()s esbuild could not resolve. */
  externals: string[]
  ms: number
}

/**
 * Bundle one entry point for Node into `outDir/<name>.mjs` (+ chunks), with the server's settings; `outDir`
 * is emptied first. Also used by the cold-start bench to build its bare-Fastify baseline the same way.
 */
export async function bundleForNode(opts: { entry: string; outDir: string; name: string }): Promise<BundleResult> {
  const t0 = performance.now()
  rmSync(opts.outDir, { recursive: true, force: true })
  const result = await build({
    entryPoints: { [opts.name]: opts.entry },
    outdir: opts.outDir,
    outExtension: { '.js': '.mjs' },
    chunkNames: '[name]-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: 'linked',
    metafile: true,
    logLevel: 'warning',
    external: EXTERNAL_PACKAGES,
    banner: { js: BANNER },
    // lets code tell "running from the bundle" from "running from source" (server/src/lib/fake-messaging.ts)
    define: { __SERVER_BUNDLE__: 'true' },
    plugins: [ownLocation(opts.outDir)],
  })
  const externals = new Set<string>()
  for (const out of Object.values(result.metafile.outputs))
    for (const imp of out.imports)
      if (imp.external && !imp.path.startsWith('node:') && !builtins.has(imp.path)) externals.add(packageName(imp.path))
  const missing = EXTERNAL_PACKAGES.filter((p) => externals.has(p) && !resolvableFrom(opts.outDir, p))
  if (missing.length > 0)
    throw new Error(`${opts.outDir} cannot resolve ${missing.join(', ')}: list them in server/package.json dependencies`)
  return {
    outputs: Object.keys(result.metafile.outputs).filter((f) => !f.endsWith('.map')),
    externals: [...externals].sort(),
    ms: performance.now() - t0,
  }
}

/** Build server/dist/server.mjs, and the fakes' dev entry that demo mode starts beside it. */
export async function buildServer(): Promise<BundleResult> {
  const [server] = await Promise.all([
    bundleForNode({ entry: SERVER_ENTRY, outDir: SERVER_OUT_DIR, name: 'server' }),
    bundleForNode({ entry: FAKE_ZALO_ENTRY, outDir: FAKE_ZALO_OUT_DIR, name: 'fake-zalo' }),
  ])
  return server
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const r = await buildServer()
  console.log(`built ${r.outputs.join(', ')} in ${r.ms.toFixed(0)} ms (left in node_modules: ${r.externals.join(', ')})`)
}
