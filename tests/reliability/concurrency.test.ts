import { auditLog, households, sealedResults } from '@app/db'
import { eq, inArray } from 'drizzle-orm'
import { afterAll, describe, expect, it } from 'vitest'
import { buildTestApp } from '../helpers/build-test-app.js'
import { TEST_PASSWORD } from '../helpers/factories.js'
import { allSatisfied, makeWorld, openRoundWithLinks } from '../helpers/rounds.js'
import { openFile, prepareRound, type RunningServer, startServer, tempDir } from './helpers/server.js'

/**
 * Staff racing each other. The 50-way token race and link-vs-paper live in
 * tests/server/concurrency.test.ts. Here: two seals, two imports of one file — over a real socket in
 * one process, and across two server processes sharing one SQLite file (real lock contention).
 */

const csv = (villageCodes: string[], n: number) =>
  [
    'village_code,household_code,head_name,phone,address',
    ...Array.from(
      { length: n },
      (_, i) =>
        `${villageCodes[i % villageCodes.length]},NK${String(i).padStart(4, '0')},Hộ Nhập ${i},8491${String(1_000_000 + i)},Số ${i}`,
    ),
  ].join('\n')

type ImportRes = { created: number; updated: number; unchanged: number; rejected: unknown[] }

describe('two staff at once, one process', () => {
  it('two seals of one closed round: exactly one 200, the other 409; one frozen result', async () => {
    const { app, db } = await buildTestApp({ env: { LINK_RATE_LIMIT_PER_MIN: '100000' } })
    const w = await makeWorld(app, db)
    const { round, tokens } = await openRoundWithLinks(app, w)
    for (const t of tokens.slice(0, 4)) await app.inject({ method: 'POST', url: `/api/ballots/${t}`, payload: { answers: allSatisfied } })
    expect((await app.inject({ method: 'POST', url: `/api/rounds/${round.id}/close`, headers: w.auth.xa, payload: {} })).statusCode).toBe(
      200,
    )
    await app.listen({ port: 0, host: '127.0.0.1' })
    const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`
    const results = await Promise.all(
      [w.auth.xa, w.auth.tinh].map((h) =>
        fetch(`${base}/api/rounds/${round.id}/seal`, { method: 'POST', headers: h }).then(async (r) => ({
          status: r.status,
          body: (await r.json()) as { status?: string; error?: { code: string } },
        })),
      ),
    )
    expect(results.map((r) => r.status).sort()).toEqual([200, 409])
    expect(results.find((r) => r.status === 409)?.body.error?.code).toBe('invalid_transition')
    expect(db.select().from(sealedResults).where(eq(sealedResults.roundId, round.id)).all()).toHaveLength(1)
    expect(db.select().from(auditLog).where(eq(auditLog.action, 'round.seal')).all()).toHaveLength(1)
  })

  it('two imports of the same CSV: no duplicate households, counts add up', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db, { perVillage: 0 })
    const file = csv(
      w.villages.map((v) => v.code),
      300,
    )
    await app.listen({ port: 0, host: '127.0.0.1' })
    const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`
    const results = await Promise.all(
      [w.auth.xa, w.auth.tinh].map((h) =>
        fetch(`${base}/api/units/${w.commune.id}/households/import`, {
          method: 'POST',
          headers: { ...h, 'content-type': 'text/csv' },
          body: file,
        }).then(async (r) => ({ status: r.status, body: (await r.json()) as ImportRes })),
      ),
    )
    expect(results.map((r) => r.status)).toEqual([200, 200])
    for (const r of results) expect(r.body.created + r.body.updated + r.body.unchanged).toBe(300)
    expect(results.reduce((s, r) => s + r.body.created, 0)).toBe(300)
    const rows = db
      .select()
      .from(households)
      .where(
        inArray(
          households.villageId,
          w.villages.map((v) => v.id),
        ),
      )
      .all()
    expect(rows).toHaveLength(300)
    expect(new Set(rows.map((h) => `${h.villageId}/${h.code}`)).size).toBe(300)
  })
})

describe('staff adding the same household at once', () => {
  // On PostgreSQL each request has its own connection: both read "code free" unless the read-then-write
  // transaction waits its turn (SQLite's IMMEDIATE, engine-pg.ts); the loser then hit the unique key as a 500.
  it('eight requests for one household code: one 201, seven 409 already_exists naming the household, one row', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db, { perVillage: 0 })
    const village = w.villages[0] as { id: string }
    await app.listen({ port: 0, host: '127.0.0.1' })
    const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        fetch(`${base}/api/units/${village.id}/households`, {
          method: 'POST',
          headers: { ...(i % 2 ? w.auth.xa : w.auth.tinh), 'content-type': 'application/json' },
          body: JSON.stringify({ code: 'TRUNG01', headName: `Người nhập ${i}` }),
        }).then(async (r) => ({ status: r.status, body: (await r.json()) as { error?: { code: string; message: string } } })),
      ),
    )
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409, 409, 409, 409])
    for (const r of results.filter((x) => x.status === 409)) {
      expect(r.body.error?.code).toBe('already_exists')
      expect(r.body.error?.message).toContain('TRUNG01')
    }
    expect(db.select().from(households).where(eq(households.villageId, village.id)).all()).toHaveLength(1)
  })
})

describe('two server processes on one database file', () => {
  const tmp = tempDir('hailong-race-')
  const servers: RunningServer[] = []
  afterAll(async () => {
    for (const s of servers) await s.kill9()
    tmp.cleanup()
  })

  it('seal and import race across processes: one seal wins, imports stay idempotent', async () => {
    const dbPath = `${tmp.dir}/race.db`
    const { roundId, tokens, communeId } = await prepareRound(dbPath, 40)
    // One after the other: both migrate at start-up.
    servers.push(await startServer(dbPath))
    servers.push(await startServer(dbPath))
    const [a, b] = servers as [RunningServer, RunningServer]
    const login = async (s: RunningServer) => {
      const r = await fetch(`${s.base}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'xa', password: TEST_PASSWORD }),
      })
      return { authorization: `Bearer ${((await r.json()) as { token: string }).token}` }
    }
    const [ha, hb] = await Promise.all([login(a), login(b)])
    for (const [i, t] of tokens.slice(0, 10).entries()) {
      const s = i % 2 ? a : b
      const r = await fetch(`${s.base}/api/ballots/${t}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ answers: allSatisfied }),
      })
      expect(r.status).toBe(201)
    }
    // Closed and its results read first: until then its villages' household frame is frozen (new households need
    // the province and a reason), and this race is about the import itself.
    expect(
      (
        await fetch(`${a.base}/api/rounds/${roundId}/close`, {
          method: 'POST',
          headers: { ...ha, 'content-type': 'application/json' },
          body: '{}',
        })
      ).status,
    ).toBe(200)
    expect((await fetch(`${a.base}/api/rounds/${roundId}/tally`, { headers: ha })).status).toBe(200)
    // The same file imported through both processes at once.
    const villages = (await (await fetch(`${a.base}/api/units?parentId=${communeId}`, { headers: ha })).json()) as {
      items: { code: string; kind: string }[]
    }
    const file = csv(
      villages.items.filter((u) => u.kind === 'village').map((u) => u.code),
      400,
    )
    const imports = await Promise.all(
      [
        [a, ha],
        [b, hb],
      ].map(([s, h]) =>
        fetch(`${(s as RunningServer).base}/api/units/${communeId}/households/import`, {
          method: 'POST',
          headers: { ...(h as object), 'content-type': 'text/csv' },
          body: file,
        }).then(async (r) => ({ status: r.status, body: (await r.json()) as ImportRes })),
      ),
    )
    expect(imports.map((r) => r.status)).toEqual([200, 200])
    expect(imports.reduce((s, r) => s + r.body.created, 0)).toBe(400)

    const seals = await Promise.all(
      [
        [a, ha],
        [b, hb],
      ].map(([s, h]) =>
        fetch(`${(s as RunningServer).base}/api/rounds/${roundId}/seal`, { method: 'POST', headers: h as Record<string, string> }).then(
          (r) => r.status,
        ),
      ),
    )
    expect(seals.sort()).toEqual([200, 409])
    await Promise.all(servers.splice(0).map((s) => s.stop()))

    const f = openFile(dbPath)
    try {
      expect(f.db.select().from(sealedResults).all()).toHaveLength(1)
      const hh = f.db.select().from(households).all()
      expect(new Set(hh.map((h) => `${h.villageId}/${h.code}`)).size).toBe(hh.length)
      expect(hh.filter((h) => h.code.startsWith('NK'))).toHaveLength(400)
      expect(await f.services.audit.verify(f.adb)).toMatchObject({ ok: true })
    } finally {
      f.close()
    }
  }, 90_000)
})
