import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { closeDb, createDb, migrateDb } from '@app/db'
import { migrate } from 'drizzle-orm/better-sqlite3/migrator'
import { afterAll, describe, expect, it } from 'vitest'

/**
 * The migration that puts council decisions on seals (0007) on a database written before it: a decision
 * recorded on the seal in force attaches to it; one recorded before an unseal and reseal (the old code kept it
 * attached to the new result) belongs to no seal and is voided, so it never stands for the new result.
 */
const FOLDER = resolve(dirname(fileURLToPath(import.meta.url)), '../../db/drizzle')
const tmp = mkdtempSync(join(tmpdir(), 'hailong-mig-council-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

describe('migration 0007_council_decision_versions on older data', () => {
  it('attaches a decision to the seal it was made on and voids one that predates a reseal', () => {
    // the migrations before this one
    const before = join(tmp, 'drizzle')
    cpSync(FOLDER, before, { recursive: true })
    const journalPath = join(before, 'meta/_journal.json')
    const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: { tag: string }[] }
    const at = journal.entries.findIndex((e) => e.tag === '0007_council_decision_versions')
    expect(at).toBeGreaterThan(0)
    journal.entries = journal.entries.slice(0, at)
    writeFileSync(journalPath, JSON.stringify(journal))

    const db = createDb(join(tmp, 'old.db'))
    try {
      migrate(db, { migrationsFolder: before })
      const raw = db.$client
      raw.exec(`
        INSERT INTO units (id, kind, name, code) VALUES ('p', 'province', 'Tỉnh', '96');
        INSERT INTO units (id, kind, name, code, parent_id) VALUES ('c', 'commune', 'Xã', 'BB', 'p');
        INSERT INTO users (id, username, password_hash, role, unit_id) VALUES ('u', 'hoidong', 'x', 'council', 'p');
        INSERT INTO questionnaire_templates (id, code, name, questions) VALUES ('t', 'T', 'Mẫu', '[]');
      `)
      const round = raw.prepare(
        `INSERT INTO rounds (id, commune_id, level, title, template_id, threshold_bp, coverage_bp, opens_at, closes_at, status)
         VALUES (?, 'c', 'xa_ntm', 'Đợt', 't', 9000, 7000, '2025-05-01T00:00:00Z', '2025-05-20T00:00:00Z', 'sealed')`,
      )
      const sealed = raw.prepare(
        `INSERT INTO sealed_results (round_id, tally_json, method_version, config_json, ledger_root_hash, sealed_by, sealed_at)
         VALUES (?, '{}', 'hailong-tally/1', '{}', ?, 'u', ?)`,
      )
      const decision = raw.prepare(
        `INSERT INTO council_decisions (id, round_id, votes_for, votes_against, votes_abstain, decision, decided_at, recorded_by, created_at)
         VALUES (?, ?, 20, 0, 0, 'recognise', '2025-06-10', 'u', ?)`,
      )
      // kept: sealed on 1 June, decided on 10 June
      round.run('kept')
      sealed.run('kept', 'a'.repeat(64), '2025-06-01T08:00:00.000Z')
      decision.run('d-kept', 'kept', '2025-06-10T08:00:00.000Z')
      // resealed: decided on 10 June, unsealed and sealed again on 15 June (the old decision stayed attached)
      round.run('resealed')
      sealed.run('resealed', 'b'.repeat(64), '2025-06-15T08:00:00.000Z')
      decision.run('d-old', 'resealed', '2025-06-10T08:00:00.000Z')
    } finally {
      closeDb(db)
    }

    const db2 = createDb(join(tmp, 'old.db'))
    try {
      migrateDb(db2)
      const raw = db2.$client
      const seals = raw.prepare('SELECT round_id AS roundId, seal_id AS sealId FROM sealed_results ORDER BY round_id').all() as {
        roundId: string
        sealId: string
      }[]
      expect(seals.map((s) => s.sealId)).toEqual([expect.stringMatching(/^[0-9a-f]{32}$/), expect.stringMatching(/^[0-9a-f]{32}$/)])
      expect(seals[0]?.sealId).not.toBe(seals[1]?.sealId)
      const rows = raw
        .prepare(
          'SELECT id, seal_id AS sealId, version, voided_at AS voidedAt, void_reason AS voidReason FROM council_decisions ORDER BY id',
        )
        .all() as { id: string; sealId: string | null; version: number; voidedAt: string | null; voidReason: string | null }[]
      const kept = rows.find((r) => r.id === 'd-kept')
      const old = rows.find((r) => r.id === 'd-old')
      expect(kept).toMatchObject({ sealId: seals.find((s) => s.roundId === 'kept')?.sealId, version: 1, voidedAt: null })
      expect(old).toMatchObject({ sealId: null, version: 1, voidedAt: '2025-06-10T08:00:00.000Z' })
      expect(old?.voidReason).toContain('niêm phong lại')
    } finally {
      closeDb(db2)
    }
  })
})
