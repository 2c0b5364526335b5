/**
 * Storage without order (TRUST.md §2.1, §2.3): tables keyed by random ids or by (round, household) carry no
 * rowid, deleted rows are overwritten, and a database written before these rules migrates in place: used links
 * forget their open time, durations are bucketed, sealed chains and roots stay as they were and receipts
 * already handed out still answer.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createDb, type Db, MIGRATIONS_FOLDER, migrateDb, newId } from '@app/db'
import { buildApp } from '@app/server'
import { canonicalJson, GENESIS_HASH } from '@app/server/lib/hash.ts'
import { ballotDigest, entryHash, type LedgerEntry, receiptFromHash } from '@app/server/lib/ledger.ts'
import { migrate } from 'drizzle-orm/better-sqlite3/migrator'
import { afterEach, describe, expect, it } from 'vitest'
import { makeCommune, makeUser } from '../helpers/factories.js'
import { makeTemplate } from '../helpers/rounds.js'
import { testConfig } from '../helpers/test-config.js'

const UNORDERED = [
  'invitations',
  'participations',
  'ballots',
  'feedback',
  'outbox',
  'paper_entries',
  'household_requests',
  'ledger',
  'pending_ballots',
  'link_open_counts',
]

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})
function tempFile(name: string): string {
  const d = mkdtempSync(join(tmpdir(), 'hailong-storage-'))
  dirs.push(d)
  return join(d, name)
}

describe('tables without rowid, secure delete', () => {
  it('every table keyed by random ids or (round, household) is WITHOUT ROWID, and secure_delete is on', () => {
    const db = createDb(tempFile('fresh.db'))
    migrateDb(db)
    const list = db.$client.prepare("SELECT name, wr FROM pragma_table_list WHERE schema = 'main'").all() as { name: string; wr: number }[]
    const wr = Object.fromEntries(list.map((t) => [t.name, t.wr]))
    for (const t of UNORDERED) expect(wr[t], t).toBe(1)
    expect(db.$client.pragma('secure_delete', { simple: true })).toBe(1)
    db.$client.close()
  })
})

/** The migrations as they stood before this change (all before privacy_storage), in a folder of their own. */
function oldMigrations(): string {
  const dir = mkdtempSync(join(tmpdir(), 'hailong-old-migrations-'))
  dirs.push(dir)
  cpSync(MIGRATIONS_FOLDER, dir, { recursive: true })
  const journalPath = join(dir, 'meta', '_journal.json')
  const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: { idx: number; tag: string }[] }
  const privacy = journal.entries.find((e) => e.tag.endsWith('_privacy_storage'))?.idx ?? Number.POSITIVE_INFINITY
  journal.entries = journal.entries.filter((e) => e.idx < privacy)
  writeFileSync(journalPath, JSON.stringify(journal))
  return dir
}

/** The statements of the migrations after privacy_storage (each only adds tables, columns or indexes). */
function laterMigrationStatements(): string[] {
  const journal = JSON.parse(readFileSync(join(MIGRATIONS_FOLDER, 'meta', '_journal.json'), 'utf8')) as {
    entries: { idx: number; tag: string }[]
  }
  const privacy = journal.entries.find((e) => e.tag.endsWith('_privacy_storage'))?.idx ?? Number.POSITIVE_INFINITY
  return journal.entries
    .filter((e) => e.idx > privacy)
    .flatMap((e) => readFileSync(join(MIGRATIONS_FOLDER, `${e.tag}.sql`), 'utf8').split('--> statement-breakpoint'))
    .filter((sql) => sql.trim() !== '')
}

/** Count one ballot the way the code before this change did: v1 entry, receipt derived from the entry hash, at once. */
function oldBallot(db: Db, roundId: string, villageId: string, householdId: string, seq: number, prev: string, satisfied: boolean) {
  const q = db.$client
  const id = newId()
  const day = '2025-06-02'
  const answers = { q1: { satisfied }, q2: { satisfied: true }, q9: { satisfied } }
  const digest = ballotDigest({ id, roundId, villageId, channel: 'link', answers, comment: null, day })
  const entry: LedgerEntry = { v: 1, kind: 'ballot', roundId, seq, ballotId: id, digest, day }
  const hash = entryHash(prev, entry)
  const receipt = receiptFromHash(hash)
  q.prepare('INSERT INTO participations (round_id, household_id, village_id, channel, day) VALUES (?, ?, ?, ?, ?)').run(
    roundId,
    householdId,
    villageId,
    'link',
    day,
  )
  q.prepare('INSERT INTO ledger (round_id, seq, kind, entry, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?)').run(
    roundId,
    seq,
    'ballot',
    canonicalJson(entry),
    prev,
    hash,
  )
  q.prepare(
    `INSERT INTO ballots (id, round_id, village_id, channel, answers, overall_satisfied, comment, content_hash, seconds_to_complete,
       day, receipt, ledger_seq) VALUES (?, ?, ?, 'link', ?, ?, NULL, 'x', ?, ?, ?, ?)`,
  ).run(id, roundId, villageId, JSON.stringify(answers), satisfied ? 1 : 0, 137 + seq, day, receipt, seq)
  q.prepare(
    `INSERT INTO invitations (id, round_id, household_id, village_id, token_hash, channel, status, first_opened_at)
     VALUES (?, ?, ?, ?, ?, 'print', 'used', ?)`,
  ).run(newId(), roundId, householdId, villageId, newId(), `2025-06-02T08:${String(seq).padStart(2, '0')}:13.000Z`)
  return { hash, receipt }
}

describe('migrating a database written before these rules', () => {
  it('keeps sealed chains and receipts, forgets used links’ open times, buckets durations, and verifies before and after', async () => {
    const path = tempFile('old.db')
    const db = createDb(path)
    migrate(db, { migrationsFolder: oldMigrations() })
    const world = makeCommune(db, { perVillage: 6 })
    const template = makeTemplate(db)
    const staff = await makeUser(db, { username: 'xa', role: 'front_staff', unitId: world.commune.id })
    const village = world.villages[0] as { id: string }
    const hh = world.households.filter((h) => h.villageId === village.id)
    const receipts: string[] = []
    const roots: Record<string, string> = {}
    for (const status of ['sealed', 'open'] as const) {
      const roundId = newId()
      db.$client
        .prepare(
          `INSERT INTO rounds (id, commune_id, level, title, template_id, questionnaire_snapshot, frame_snapshot, threshold_bp, coverage_bp,
             opens_at, closes_at, status, created_by) VALUES (?, ?, 'xa_ntm', ?, ?, ?, ?, 9000, 7000, '2025-06-01T00:00:00Z', '2030-06-15T00:00:00Z', ?, ?)`,
        )
        .run(
          roundId,
          world.commune.id,
          `Đợt ${status}`,
          template.id,
          JSON.stringify(template.questions),
          JSON.stringify({ [village.id]: hh.length }),
          status,
          staff.id,
        )
      let prev = GENESIS_HASH
      for (const [i, h] of hh.slice(0, 4).entries()) {
        const b = oldBallot(db, roundId, village.id, h.id, i + 1, prev, i % 2 === 0)
        prev = b.hash
        receipts.push(b.receipt)
      }
      roots[roundId] = prev
    }
    db.$client.close()

    // before: the old data (not rewritten by privacy_storage) verifies with today's verifier. Today's code reads
    // columns that later, unrelated migrations added, so those (additive) ones are applied to a copy first.
    const beforePath = tempFile('old-copy.db')
    cpSync(path, beforePath)
    const before = createDb(beforePath)
    for (const statement of laterMigrationStatements()) before.$client.exec(statement)
    const verifyAll = async (d: Db) => {
      const app = await buildApp({ config: testConfig(), db: d, logger: false })
      await app.ready()
      const out = await Promise.all(Object.keys(roots).map((id) => app.services.ballots.verifyLedger(id)))
      const checks = await Promise.all(receipts.map((r) => app.inject({ method: 'GET', url: `/api/receipts/${r}` })))
      await app.close()
      return { out, checks }
    }
    const old = await verifyAll(before)
    expect(old.out.every((r) => r.ok)).toBe(true)
    before.$client.close()

    const after = createDb(path)
    migrateDb(after)
    const q = after.$client
    const wr = Object.fromEntries(
      (q.prepare("SELECT name, wr FROM pragma_table_list WHERE schema = 'main'").all() as { name: string; wr: number }[]).map((t) => [
        t.name,
        t.wr,
      ]),
    )
    for (const t of UNORDERED) expect(wr[t], t).toBe(1)
    expect(q.prepare('SELECT count(*) FROM invitations WHERE first_opened_at IS NOT NULL').pluck().get()).toBe(0)
    // the burst signal keeps its input as per-village counts per minute
    expect(q.prepare('SELECT sum(n) FROM link_open_counts').pluck().get()).toBe(8)
    const durations = q.prepare('SELECT DISTINCT seconds_to_complete FROM ballots').pluck().all() as number[]
    for (const s of durations) expect(s % 60, `bucketed: ${s}`).toBe(0)
    const res = await verifyAll(after)
    res.out.forEach((r, i) => {
      expect(r.ok).toBe(true)
      if (r.ok) expect(r.rootHash).toBe(Object.values(roots)[i])
    })
    for (const c of res.checks) {
      expect(c.statusCode, c.body).toBe(200)
      expect(c.json()).toMatchObject({ included: true, status: 'counted' })
    }
    after.$client.close()
  })
})
