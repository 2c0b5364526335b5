/**
 * What `pnpm backup` and `pnpm restore` print when DATABASE_URL selects PostgreSQL: they copy SQLite files with
 * SQLite's backup API, which has no PostgreSQL counterpart here, so they do nothing and give the PostgreSQL tools'
 * commands instead (deploy/README.md, "Backups" and "Restore drill"). The password never appears: the tools ask for
 * it, or read PGPASSWORD or ~/.pgpass.
 */
import { shownUrl } from '../lib-cli.js'

/** The exit code of backup and restore on PostgreSQL: nothing done, guidance printed (1 and 2 mean other things). */
export const PG_GUIDANCE_EXIT = 3

const sh = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`

function parts(url: string) {
  const u = new URL(url)
  const database = decodeURIComponent(u.pathname.replace(/^\//, '')) || decodeURIComponent(u.username) || 'postgres'
  return { u, database, user: decodeURIComponent(u.username) }
}

/** The same server and credentials (password left out), another database. */
function withDatabase(url: string, database: string): string {
  const u = new URL(url)
  u.pathname = `/${encodeURIComponent(database)}`
  return shownUrl(u.toString())
}

export function backupGuidance(url: string, dest: string | undefined, stamp: string): string {
  const { database } = parts(url)
  const file = dest ?? `${database}-${stamp}.dump`
  return [
    `pnpm backup: DATABASE_URL is set (PostgreSQL, ${shownUrl(url)}); SQLite's backup API does not apply. Nothing was done.`,
    'Back up with pg_dump, consistent while the instances serve (custom format, for pg_restore):',
    `  pg_dump -Fc -d ${sh(shownUrl(url))} -f ${sh(file)}`,
    'The password is left out: give it by PGPASSWORD or ~/.pgpass (or type it when pg_dump asks).',
    'Copy the dump off the machine, and check it restores: `pnpm restore` with DATABASE_URL set prints the commands.',
    'Point-in-time recovery (base backups with WAL archiving), a standby and the restore drill: deploy/README.md, "Backups".',
  ].join('\n')
}

export function restoreGuidance(url: string, backup: string | undefined): string {
  const { u, database, user } = parts(url)
  const drill = `${database}_drill`
  const host = u.hostname ? ` -h ${sh(u.hostname)}` : ''
  const port = u.port ? ` -p ${u.port}` : ''
  const owner = user ? ` -O ${sh(user)}` : ''
  return [
    `pnpm restore: DATABASE_URL is set (PostgreSQL, ${shownUrl(url)}); SQLite's backup API does not apply. Nothing was done.`,
    'Restore a pg_dump into a fresh database beside the live one, then verify it (createdb as a role that may create databases):',
    `  createdb${host}${port}${owner} ${sh(drill)}`,
    `  pg_restore --no-owner${user ? ` --role=${sh(user)}` : ''} -d ${sh(withDatabase(url, drill))} ${sh(backup ?? '<backup.dump>')}`,
    `  DATABASE_URL=${sh(withDatabase(url, drill))} pnpm verify-ledger`,
    'The password is left out: give it by PGPASSWORD or ~/.pgpass (pg_restore also asks for it).',
    `Compare the counts with the live database, note how long the restore took, then \`dropdb ${sh(drill)}\`. See deploy/README.md, "Restore drill".`,
  ].join('\n')
}
