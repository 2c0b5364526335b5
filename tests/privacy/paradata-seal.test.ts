/**
 * Paradata that cannot outlive the round (TRUST.md §2.4): device fingerprints are deleted at seal, after the
 * integrity signals built on them are frozen into the sealed record. Attacked as the database holder (the real
 * file and its WAL after sealing) and as staff over HTTP (the integrity panel before and after, unseal, reseal).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createDb, type Db, migrateDb } from '@app/db'
import { buildApp } from '@app/server'
import { fixedClock } from '@app/server/lib/clock.ts'
import type { FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { allSatisfied, makeWorld, openRoundWithLinks } from '../helpers/rounds.js'
import { testConfig } from '../helpers/test-config.js'
import { stealCopy } from './linkage-helpers.js'

const open: { app: FastifyInstance; db: Db; dir: string }[] = []
afterEach(async () => {
  for (const o of open.splice(0)) {
    await o.app.close()
    o.db.$client.close()
    rmSync(o.dir, { recursive: true, force: true })
  }
})

async function onFile() {
  const dir = mkdtempSync(join(tmpdir(), 'hailong-paradata-'))
  const path = join(dir, 'hailong.db')
  const db = createDb(path)
  migrateDb(db)
  const app = await buildApp({
    config: testConfig({ LINK_RATE_LIMIT_PER_MIN: '1000000' }),
    db,
    clock: fixedClock('2025-06-01T08:00:00Z'),
    logger: false,
  })
  await app.ready()
  open.push({ app, db, dir })
  return { app, db, path }
}

const PHONE = 'Mozilla/5.0 (Linux; Android 13; SM-A515F) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Mobile Safari/537.36'
const IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1'

describe('device fingerprints at seal', () => {
  it('are gone from the file and the WAL once sealed; the integrity panel shows exactly the signals of just before; unseal and reseal keep them', async () => {
    const { app, db, path } = await onFile()
    const w = await makeWorld(app, db, { perVillage: 12 })
    const { round, tokens } = await openRoundWithLinks(app, w)
    // 20 link ballots, 16 of them from one device (a helper's phone at the cultural house): the shared-device signal fires
    for (const [i, token] of tokens.slice(0, 20).entries()) {
      const shared = i < 16
      const res = await app.inject({
        method: 'POST',
        url: `/api/ballots/${token}`,
        payload: { answers: allSatisfied, clientId: `client-${String(i).padStart(4, '0')}` },
        headers: { 'user-agent': shared ? PHONE : IPHONE },
        remoteAddress: shared ? '203.0.113.7' : `198.51.${i}.20`,
      })
      expect(res.statusCode, res.body).toBe(201)
    }
    const close = await app.inject({ method: 'POST', url: `/api/rounds/${round.id}/close`, headers: w.auth.xa, payload: {} })
    expect(close.statusCode, close.body).toBe(200)
    // the results are read once (the disclosure): from then on the panel also shows the signals built on answers,
    // which the sealed record must keep exactly
    const tally = await app.inject({ method: 'GET', url: `/api/rounds/${round.id}/tally`, headers: w.auth.xa })
    expect(tally.statusCode, tally.body).toBe(200)

    const fingerprints = (
      db.$client
        .prepare('SELECT DISTINCT device_fingerprint AS f FROM ballots WHERE round_id = ? AND device_fingerprint IS NOT NULL')
        .all(round.id) as {
        f: string
      }[]
    ).map((r) => r.f)
    expect(fingerprints.length).toBeGreaterThanOrEqual(2)

    const panel = async () => {
      const res = await app.inject({ method: 'GET', url: `/api/rounds/${round.id}/integrity`, headers: w.auth.tinh })
      expect(res.statusCode, res.body).toBe(200)
      return res.json().signals as { key: string; triggered: boolean; label?: string }[]
    }
    const before = await panel()
    expect(before.find((s) => s.key === 'shared_device' && s.triggered)).toBeDefined()

    const seal = await app.inject({ method: 'POST', url: `/api/rounds/${round.id}/seal`, headers: w.auth.xa })
    expect(seal.statusCode, seal.body).toBe(200)

    // the database holder: no fingerprint in any row, nor anywhere in the bytes of the file and its WAL
    expect(db.$client.prepare('SELECT count(*) AS n FROM ballots WHERE device_fingerprint IS NOT NULL').get()).toEqual({ n: 0 })
    const copy = stealCopy(path)
    try {
      for (const f of fingerprints) {
        expect(copy.bytes.includes(Buffer.from(f)), 'fingerprint in the file').toBe(false)
        // nor a piece of one (the panel used to name a device by its first 8 characters)
        expect(copy.bytes.includes(Buffer.from(f.slice(0, 8))), 'fingerprint prefix in the file').toBe(false)
      }
      expect(copy.db.prepare('SELECT count(*) AS n FROM ballots WHERE device_fingerprint IS NOT NULL').get()).toEqual({ n: 0 })
    } finally {
      copy.dispose()
    }
    // staff: the sealed round's panel reads the frozen signals, identical to just before the seal
    expect(await panel()).toEqual(before)
    const frozenAt = db.$client.prepare('SELECT frozen_at AS at, signals_json AS j FROM sealed_integrity WHERE round_id = ?').get(round.id)

    // unseal and reseal: the signals stay as first frozen (recomputed now, they would have lost the shared device)
    const unseal = await app.inject({
      method: 'POST',
      url: `/api/rounds/${round.id}/unseal`,
      headers: w.auth.admin,
      payload: { reason: 'Nhập lại biên bản' },
    })
    expect(unseal.statusCode, unseal.body).toBe(200)
    expect(await panel()).toEqual(before)
    const reseal = await app.inject({ method: 'POST', url: `/api/rounds/${round.id}/seal`, headers: w.auth.xa })
    expect(reseal.statusCode, reseal.body).toBe(200)
    expect(await panel()).toEqual(before)
    expect(db.$client.prepare('SELECT frozen_at AS at, signals_json AS j FROM sealed_integrity WHERE round_id = ?').get(round.id)).toEqual(
      frozenAt,
    )
    const verify = await app.inject({ method: 'GET', url: `/api/rounds/${round.id}/ledger/verify`, headers: w.auth.xa })
    expect(verify.statusCode, verify.body).toBe(200)
    expect(verify.json().ok).toBe(true)
  })
})
