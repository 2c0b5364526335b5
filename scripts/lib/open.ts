import { closeDb, createDb, type Db, migrateDb } from '@app/db'
import { type Config, loadConfig } from '@app/server/config.ts'
import { systemClock } from '@app/server/lib/clock.ts'
import { createServices, type Services } from '@app/server/services.ts'

/** Open the configured database (or `path`) with the same services the API uses. */
export function openServices(opts: { path?: string; migrate?: boolean } = {}): {
  db: Db
  services: Services
  config: Config
  close: () => void
} {
  const config = loadConfig(opts.path ? { ...process.env, DATABASE_PATH: opts.path } : process.env)
  const db = createDb(config.db.path)
  if (opts.migrate !== false) migrateDb(db)
  const services = createServices({ db, config, clock: systemClock })
  return { db, services, config, close: () => closeDb(db) }
}

/** Per round: ledger root hash and the canonical tally — what a restore must reproduce exactly. */
export function fingerprintRounds(services: Services): { roundId: string; ledgerOk: boolean; rootHash: string | null; tally: string }[] {
  return services.rounds.repo.list({}).map((r) => {
    const check = services.ballots.verifyLedger(r.id)
    return {
      roundId: r.id,
      ledgerOk: check.ok,
      rootHash: check.ok ? check.rootHash : null,
      tally: JSON.stringify(services.tally.fromBallots(r)),
    }
  })
}
