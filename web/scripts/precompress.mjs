// Write .br and .gz next to every text asset of dist/ so the server can send them pre-compressed
// (@fastify/static preCompressed): the resident page is ~3× smaller on the wire on weak 3G.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { brotliCompressSync, constants, gzipSync } from 'node:zlib'

const dist = new URL('../dist/', import.meta.url).pathname
const TEXT = /\.(js|css|html|svg|json|txt|map)$/
let n = 0
function walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name)
    if (statSync(p).isDirectory()) walk(p)
    else if (TEXT.test(name) && statSync(p).size > 512) {
      const buf = readFileSync(p)
      writeFileSync(`${p}.gz`, gzipSync(buf, { level: 9 }))
      writeFileSync(`${p}.br`, brotliCompressSync(buf, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }))
      n++
    }
  }
}
walk(dist)
console.log(`precompressed ${n} files in dist/`)
