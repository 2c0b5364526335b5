import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { asyncDb, closeDb, createDb, type Db, migrateDb } from '@app/db'
import { buildApp } from '@app/server'
import { systemClock } from '@app/server/lib/clock.ts'
import { seedDemo } from '@app/server/seed.ts'
import { createServices } from '@app/server/services.ts'
import type { FastifyInstance } from 'fastify'
import { TEST_JWT_SECRET, testConfig } from '../../helpers/test-config.js'

export interface RunningServer {
  url: string
  app: FastifyInstance
  db: Db
  close: () => Promise<void>
}

/**
 * A real server on a real socket (random port) over a temporary SQLite file, serving the built web
 * app from web/dist (built once by the e2e global setup). `demo: true` seeds the demo commune.
 */
export async function startServer(opts: { demo?: boolean; env?: Record<string, string> } = {}): Promise<RunningServer> {
  const dir = mkdtempSync(join(tmpdir(), 'hailong-e2e-'))
  const config = testConfig({ DATABASE_PATH: join(dir, 'e2e.db'), LINK_RATE_LIMIT_PER_MIN: '10000', ...opts.env })
  const db = createDb(config.db.path)
  migrateDb(db)
  if (opts.demo) await seedDemo(asyncDb(db), createServices({ db, config, clock: systemClock }))
  const app = await buildApp({ config, db, jwtSecret: TEST_JWT_SECRET, logger: false })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const addr = app.server.address()
  const port = typeof addr === 'object' && addr ? addr.port : 0
  return {
    url: `http://127.0.0.1:${port}`,
    app,
    db,
    close: async () => {
      await app.close()
      closeDb(db)
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
