/**
 * Online backup of the SQLite database with SQLite's backup API (safe while the server runs):
 *   pnpm backup [dest-file]            → ./data/backups/hailong-<timestamp>.db by default
 * Then verifies the copy: every round's ledger root hash and tally must be identical to the source.
 * Exit 0: identical; 1: they differ, or an error. With DATABASE_URL (PostgreSQL) it does nothing but print the
 * pg_dump command to use, and exits 3.
 */
import { mkdirSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fingerprintRounds } from './lib/open.js'
import { backupGuidance, PG_GUIDANCE_EXIT } from './lib/pg-guidance.js'
import { cliConfig, openSqliteContext } from './lib-cli.js'

const stamp = new Date().toISOString().replace(/[:.]/g, '-')
const config = cliConfig(process.env)
if (config.db.url) {
  console.error(backupGuidance(config.db.url, process.argv[2], stamp))
  process.exit(PG_GUIDANCE_EXIT)
}
const src = await openSqliteContext(process.env, { migrate: false })
const dest = resolve(process.argv[2] ?? join(dirname(resolve(src.config.db.path)), 'backups', `hailong-${stamp}.db`))
mkdirSync(dirname(dest), { recursive: true })
// One read snapshot for both the fingerprint and the copy: with the server still writing, a fingerprint
// taken after the copy saw newer ballots and reported DIFFER. Inside an open read transaction
// (WAL), the backup reads that same snapshot, so the copy must match it exactly.
const raw = src.db.$client
raw.exec('BEGIN')
raw.prepare('SELECT count(*) FROM sqlite_master').get()
let before: Awaited<ReturnType<typeof fingerprintRounds>>
try {
  before = await fingerprintRounds(src.services)
  await raw.backup(dest)
} finally {
  raw.exec('COMMIT')
}
await src.close()

const copy = await openSqliteContext({ ...process.env, DATABASE_PATH: dest }, { migrate: false })
const after = await fingerprintRounds(copy.services)
await copy.close()
const same = JSON.stringify(before) === JSON.stringify(after)
console.log(`backup written to ${dest}`)
console.log(`${after.length} rounds; ledger roots and tallies ${same ? 'identical' : 'DIFFER'} between source and copy`)
process.exit(same ? 0 : 1)
