import { defineConfig } from 'drizzle-kit'

// The PostgreSQL twin of drizzle.config.ts: its tables are built from schema.ts (src/schema-pg.ts), so both
// dialects' migrations come from the one schema. Paths are from the repository root, where pnpm db:generate runs.
export default defineConfig({
  dialect: 'postgresql',
  schema: './db/src/schema-pg.ts',
  out: './db/drizzle-pg',
})
