/**
 * Restore a backup into a fresh directory and verify it:
 *   pnpm restore <backup.db> <dest-dir>
 * Copies with SQLite's backup API, then checks every round's ledger and prints the root hashes,
 * to compare with the ones printed when the backup was made. Exit 0: restored and identical; 1: a difference or a
 * broken ledger; 2: usage, or the destination exists. With DATABASE_URL (PostgreSQL) it does nothing but print the
 * pg_restore commands to use, and exits 3.
 */
import { existsSync, mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fingerprintRounds } from './lib/open.js'
import { PG_GUIDANCE_EXIT, restoreGuidance } from './lib/pg-guidance.js'
import { cliConfig, openSqliteContext } from './lib-cli.js'

const [from, toDir] = process.argv.slice(2)
const config = cliConfig(process.env)
if (config.db.url) {
  console.error(restoreGuidance(config.db.url, from))
  process.exit(PG_GUIDANCE_EXIT)
}
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
const src = await openSqliteContext({ ...process.env, DATABASE_PATH: resolve(from) }, { migrate: false })
await src.db.$client.backup(dest)
const before = await fingerprintRounds(src.services)
await src.close()
const restored = await openSqliteContext({ ...process.env, DATABASE_PATH: dest })
const after = await fingerprintRounds(restored.services)
await restored.close()
for (const r of after) console.log(`${r.ledgerOk ? 'ok    ' : 'BROKEN'}  ${r.roundId}  root ${r.rootHash ?? '-'}`)
const same = JSON.stringify(before) === JSON.stringify(after)
console.log(`restored to ${dest}: ${same ? 'identical' : 'DIFFERENT'} ledger roots and tallies`)
process.exit(same && after.every((r) => r.ledgerOk) ? 0 : 1)
