/**
 * Apply the committed SQL migrations to the database at DATABASE_PATH (default ./data/hailong.db).
 * Usage: pnpm db:migrate
 */
import { resolve } from 'node:path'
import { openContext } from './lib-cli.js'

const ctx = openContext(process.env)
const tables = ctx.db.$client.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get() as { n: number }
console.log(`Migrated ${resolve(ctx.config.db.path)} (${tables.n} tables).`)
ctx.close()
