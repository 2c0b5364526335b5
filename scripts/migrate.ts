/**
 * Apply the committed SQL migrations to the database: the SQLite file at DATABASE_PATH (default ./data/hailong.db),
 * or the PostgreSQL database at DATABASE_URL (under the advisory lock the servers take when they start).
 * Usage: pnpm db:migrate
 */
import { resolve } from 'node:path'
import { openContext, shownTarget } from './lib-cli.js'

const ctx = await openContext(process.env)
console.log(`Migrated ${shownTarget(ctx, resolve)}.`)
await ctx.close()
