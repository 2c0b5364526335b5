/**
 * Restore a backup into a fresh directory and verify it:
 *   pnpm restore <backup.db> <dest-dir>
 * Copies with SQLite's backup API, then checks every round's ledger and prints the root hashes,
 * to compare with the ones printed when the backup was made.
 */
import { existsSync, mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fingerprintRounds } from './lib/open.js'
import { openContext } from './lib-cli.js'

const [from, toDir] = process.argv.slice(2)
if (!from || !toDir) {
  console.error('usage: pnpm restore <backup.db> <dest-dir>')
  process.exit(2)
}
const dest = join(resolve(toDir), 'hailong.db')
if (existsSync(dest)) {
  console.error(`${dest} exists; restore only into a fresh directory`)
  process.exit(2)
}
mkdirSync(resolve(toDir), { recursive: true })
const src = openContext({ ...process.env, DATABASE_PATH: resolve(from) }, { migrate: false })
await src.db.$client.backup(dest)
const before = await fingerprintRounds(src.services)
src.close()
const restored = openContext({ ...process.env, DATABASE_PATH: dest })
const after = await fingerprintRounds(restored.services)
restored.close()
for (const r of after) console.log(`${r.ledgerOk ? 'ok    ' : 'BROKEN'}  ${r.roundId}  root ${r.rootHash ?? '-'}`)
const same = JSON.stringify(before) === JSON.stringify(after)
console.log(`restored to ${dest}: ${same ? 'identical' : 'DIFFERENT'} ledger roots and tallies`)
process.exit(same && after.every((r) => r.ledgerOk) ? 0 : 1)
