import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { asyncDb, closeDb, createDb, type Db, migrateDb, pgAppDb, seedData } from '@app/db'
import { closePgDb, createPgDb } from '@app/db/pg'
import { loadConfig } from '@app/server/config.ts'
import { systemClock } from '@app/server/lib/clock.ts'
import type { Actor } from '@app/server/modules/policy.ts'
import { createServices, type Services } from '@app/server/services.ts'
import { makeCommune, makeUser } from '../../helpers/factories.js'
import { syncPgDb } from '../../helpers/pg-sync.js'
import { makeTemplate } from '../../helpers/rounds.js'
import { TEST_JWT_SECRET, TEST_PRIVACY_SECRET } from '../../helpers/test-config.js'

export const ROOT = resolve(import.meta.dirname, '../../..')

export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

/** DATABASE_URL for a postgres:// address, else DATABASE_PATH. */
const databaseEnv = (db: string) => (/^postgres(ql)?:\/\//.test(db) ? { DATABASE_URL: db } : { DATABASE_PATH: db })

/**
 * Env for the real server and the scripts: no demo seed, silent logs, a fixed secret, limits raised. `dbPath` is a
 * SQLite file or a postgres:// URL (every instance on one database gets the same secrets).
 */
export function serverEnv(dbPath: string, port: number, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'production',
    ...databaseEnv(dbPath),
    PORT: String(port),
    HOST: '127.0.0.1',
    SEED_DEMO: 'false',
    JWT_SECRET: TEST_JWT_SECRET,
    PRIVACY_SECRET: TEST_PRIVACY_SECRET,
    LOG_LEVEL: 'warn',
    LINK_RATE_LIMIT_PER_MIN: '1000000',
    // production on a loopback http address, knowingly
    ALLOW_INSECURE: 'true',
    ...extra,
  }
}

const configFor = (db: string) =>
  loadConfig({
    ...databaseEnv(db),
    JWT_SECRET: TEST_JWT_SECRET,
    PRIVACY_SECRET: TEST_PRIVACY_SECRET,
    SEED_DEMO: 'false',
    LOG_LEVEL: 'silent',
  })

/** A round open now (real clock) in a fresh file DB with `households` print links; returns the tokens. */
export async function prepareRound(dbPath: string, households: number) {
  const db = createDb(dbPath)
  migrateDb(db)
  const services: Services = createServices({ db, config: configFor(dbPath), clock: systemClock })
  try {
    return await roundWithLinks(db, services, households)
  } finally {
    closeDb(db)
  }
}

/** The same on a migrated PostgreSQL database (a clone of the test template). */
export async function prepareRoundPg(url: string, households: number) {
  const pool = createPgDb(url, { max: 4 })
  const sync = syncPgDb(url)
  try {
    return await roundWithLinks(sync, createServices({ db: pgAppDb(pool), config: configFor(url), clock: systemClock }), households)
  } finally {
    sync.$client.close()
    await closePgDb(pool)
  }
}

/** A commune of four villages, a round open now with a print link per household; `db` is for the factories. */
async function roundWithLinks(db: Db, services: Services, households: number) {
  const villages = 4
  const w = makeCommune(db, { villages, perVillage: Math.ceil(households / villages) })
  const template = makeTemplate(db)
  const user = await makeUser(db, { username: 'xa', role: 'front_staff', unitId: w.commune.id })
  const actor: Actor = { id: user.id, username: user.username, role: 'front_staff', unitId: w.commune.id }
  const now = Date.now()
  const round = await services.rounds.create(actor, {
    communeId: w.commune.id,
    level: 'xa_ntm',
    templateId: template.id,
    title: 'Crash test',
    opensAt: new Date(now - 86_400_000).toISOString(),
    closesAt: new Date(now + 86_400_000).toISOString(),
  } as Parameters<Services['rounds']['create']>[1])
  await services.rounds.open(actor, round.id)
  const issued = await services.invitations.issue(actor, round.id, { channel: 'print' })
  const tokens = (issued.links ?? []).map((l) => l.url.split('/r/')[1] as string)
  return { roundId: round.id, tokens, communeId: w.commune.id }
}

/** Open the DB file with the API's services (after the server is gone). */
export function openFile(dbPath: string) {
  const db = createDb(dbPath)
  const services = createServices({ db, config: configFor(dbPath), clock: systemClock })
  // adb: the asynchronous API over the same connection, for repositories and services that take a Conn
  return { db, adb: asyncDb(db), services, close: () => closeDb(db) }
}

/** A PostgreSQL database with the API's services, and the synchronous handle for selects (pg-sync.ts). */
export function openPg(url: string) {
  const pool = createPgDb(url, { max: 4 })
  const db = syncPgDb(url)
  const services = createServices({ db: pgAppDb(pool), config: configFor(url), clock: systemClock })
  return {
    db,
    services,
    close: async () => {
      db.$client.close()
      await closePgDb(pool)
    },
  }
}

export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer()
    s.once('error', rej)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number }
      s.close(() => res(port))
    })
  })
}

export interface RunningServer {
  proc: ChildProcess
  base: string
  output: () => string
  /** SIGKILL, then wait for the exit. */
  kill9: () => Promise<void>
  /** SIGTERM (graceful), then wait for the exit. */
  stop: () => Promise<void>
}

/** Spawn the real server (`tsx server/src/server.ts`) and wait until /api/health answers. */
export async function startServer(dbPath: string, extraEnv: Record<string, string> = {}): Promise<RunningServer> {
  const port = await freePort()
  // `node --import tsx`, not the tsx CLI: the CLI runs the server in a child process, and kill -9 must
  // hit the process that holds the database.
  const proc = spawn(process.execPath, ['--import', 'tsx', 'server/src/server.ts'], {
    cwd: ROOT,
    env: serverEnv(dbPath, port, extraEnv),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  proc.stdout?.on('data', (d) => {
    out += d
  })
  proc.stderr?.on('data', (d) => {
    out += d
  })
  const exited = new Promise<void>((res) => proc.once('exit', () => res()))
  const base = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 30_000
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`server exited (${proc.exitCode}):\n${out}`)
    try {
      const r = await fetch(`${base}/api/health`)
      if (r.ok) break
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      proc.kill('SIGKILL')
      throw new Error(`server did not start in 30 s:\n${out}`)
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  return {
    proc,
    base,
    output: () => out,
    kill9: async () => {
      proc.kill('SIGKILL')
      await exited
    },
    stop: async () => {
      proc.kill('SIGTERM')
      await exited
    },
  }
}

/** A seeded PRNG (the demo seed's mulberry32) so a failing trial can be replayed from the printed seed. */
export const rng = seedData.prng
