/**
 * Seed the demo data (tỉnh Cà Mau and Vĩnh Long after the 2025 mergers, the old tree, demo users, reference data) into the database
 * at DATABASE_PATH, or at DATABASE_URL on PostgreSQL. Refuses on a database that already holds units: seeding is for
 * a fresh database only, so it can never mix demo households into real data.
 * Usage: pnpm db:seed
 */
import { resolve } from 'node:path'
import { seedData } from '@app/db'
import { isEmpty, seedDemo } from '@app/server/seed.ts'
import { seedDemoRounds } from '@app/server/seed-rounds.ts'
import { fail, openContext, shownTarget } from './lib-cli.js'

const ctx = await openContext(process.env)
const target = shownTarget(ctx, resolve)
if (!(await isEmpty(ctx.services))) {
  await ctx.close()
  fail(
    `Refusing to seed: ${target} already holds data. Seed only a fresh database (point ${ctx.engine === 'postgres' ? 'DATABASE_URL at a new database' : 'DATABASE_PATH at a new file'}).`,
  )
}
const summary = await seedDemo(ctx.adb, ctx.services)
await seedDemoRounds(ctx.adb, ctx.services)
await ctx.close()
console.log(`Seeded ${target}: ${summary.units} units, ${summary.households} households.`)
console.log(`Demo logins (password "${seedData.DEMO_PASSWORD}"): ${summary.users.join(', ')}`)
