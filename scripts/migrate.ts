/**
 * Apply the committed SQL migrations to the database at DATABASE_PATH (default ./data/hailong.db).
 * Usage: pnpm db:migrate
 */
import { resolve } from 'node:path'
import { openContext } from './lib-cli.js'

const ctx = openContext(process.env)
console.log(`Migrated ${resolve(ctx.config.db.path)}.`)
ctx.close()
