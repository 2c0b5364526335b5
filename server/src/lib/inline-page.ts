import { createHash } from 'node:crypto'
import { constants, crc32, deflateRawSync } from 'node:zlib'

/**
 * A built HTML page with its own script and stylesheet inlined, ready to take one per-response JSON
 * island before `</body>`. Built once from web/dist (see plugins/respond-page.ts): on a weak 3G line
 * every request costs a full round trip, so the resident page arrives as one response.
 */
export interface InlinedPage {
  /** CSP sources allowing the inlined scripts (`'sha256-…'`), for the response's CSP header. */
  readonly scriptHashes: readonly string[]
  /** The page with `state` (any JSON value, or null for none) embedded as `<script type="application/json" id="initial-state">`. */
  html(state: unknown): string
  /** The same bytes as `html(state)`, gzip-encoded without recompressing the static part. */
  gzip(state: unknown): Buffer
}

const sha256Source = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`

/**
 * Add `sources` to one directive of a CSP policy string. A missing directive falls back to
 * default-src in browsers, so it is created from default-src's sources (or left out when neither exists).
 */
export function addCspSources(policy: string, directive: string, sources: readonly string[]): string {
  if (sources.length === 0) return policy
  const parts = policy
    .split(';')
    .map((p) => p.trim())
    .filter(Boolean)
  const name = (p: string) => p.split(/\s+/)[0]?.toLowerCase()
  const i = parts.findIndex((p) => name(p) === directive)
  if (i >= 0) parts[i] = `${parts[i]} ${sources.join(' ')}`
  else {
    const def = parts.find((p) => name(p) === 'default-src')
    if (!def) return policy
    parts.push(`${directive} ${def.split(/\s+/).slice(1).join(' ')} ${sources.join(' ')}`.replace(/\s+/g, ' '))
  }
  return parts.join('; ')
}

/** JSON for an HTML `<script type="application/json">`: `<` escaped so no `</script>` or `<!--` can appear. */
export function jsonIsland(id: string, value: unknown): string {
  return `<script type="application/json" id="${id}">${JSON.stringify(value).replace(/</g, '\\u003c')}</script>`
}

const SCRIPT_TAG = /<script\b(?=[^>]*\btype="module")[^>]*\bsrc="(\/assets\/[^"]+\.js)"[^>]*><\/script>/g
const STYLE_TAG = /<link\b(?=[^>]*\brel="stylesheet")[^>]*\bhref="(\/assets\/[^"]+\.css)"[^>]*>/g
const META_CSP = /(<meta\s+http-equiv="Content-Security-Policy"\s+content=")([^"]*)(")/i

/**
 * Inline the page's same-origin module scripts and stylesheets (`/assets/…`), and allow them in the
 * page's own `<meta>` CSP by hash (never 'unsafe-inline' for scripts). An asset that cannot be read,
 * or whose text would end its element early (`</script`, `<script`, `</style`), keeps its tag.
 * The module must not resolve URLs against its own location (Vite's single-file resident entry does
 * not: no dynamic import, no import.meta): inlined, its base URL becomes the page's.
 */
export function inlinePage(source: string, readAsset: (urlPath: string) => string | null, islandId: string): InlinedPage {
  const scriptHashes: string[] = []
  const styleHashes: string[] = []
  let html = source.replace(SCRIPT_TAG, (tag, path: string) => {
    const code = readAsset(path)
    if (code === null || /<\/?script/i.test(code) || /\bimport\s*\(|\bimport\.meta\b/.test(code)) return tag
    scriptHashes.push(sha256Source(code))
    return `<script type="module">${code}</script>`
  })
  html = html.replace(STYLE_TAG, (tag, path: string) => {
    const css = readAsset(path)
    if (css === null || /<\/style/i.test(css)) return tag
    styleHashes.push(sha256Source(css))
    return `<style>${css}</style>`
  })
  html = html.replace(META_CSP, (_m, open: string, policy: string, close: string) => {
    const patched = addCspSources(addCspSources(policy.replace(/\s+/g, ' ').trim(), 'script-src', scriptHashes), 'style-src', styleHashes)
    return `${open}${patched}${close}`
  })
  const at = html.lastIndexOf('</body>')
  const head = at >= 0 ? html.slice(0, at) : html
  const tail = at >= 0 ? html.slice(at) : ''
  const gz = splicedGzip(head)
  const rest = (state: unknown) => (state === null || state === undefined ? '' : jsonIsland(islandId, state)) + tail
  return {
    scriptHashes,
    html: (state) => head + rest(state),
    gzip: (state) => gz(rest(state)),
  }
}

/**
 * gzip of `prefix + rest` where the prefix is compressed once (level 9) and only `rest` per call.
 * A deflate stream is a series of blocks: the prefix ends with a sync flush (byte-aligned, not
 * final), so a fresh raw deflate of `rest` can follow it; the rest never refers back into the prefix
 * (slightly worse ratio on a few hundred bytes, no per-response cost for ~60 KB). The trailer's CRC-32
 * continues from the prefix's (RFC 1952).
 */
export function splicedGzip(prefix: string): (rest: string) => Buffer {
  const pre = Buffer.from(prefix, 'utf8')
  const body = deflateRawSync(pre, { level: 9, finishFlush: constants.Z_SYNC_FLUSH })
  const preCrc = crc32(pre)
  const header = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff])
  return (rest) => {
    const tail = Buffer.from(rest, 'utf8')
    const trailer = Buffer.alloc(8)
    trailer.writeUInt32LE(crc32(tail, preCrc) >>> 0, 0)
    trailer.writeUInt32LE((pre.length + tail.length) >>> 0, 4)
    return Buffer.concat([header, body, deflateRawSync(tail, { level: 6 }), trailer])
  }
}
