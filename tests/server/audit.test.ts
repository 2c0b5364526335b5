import { auditLog } from '@app/db'
import { canonicalJson, sha256Hex } from '@app/server/lib/hash.ts'
import { describe, expect, it } from 'vitest'
import { buildTestApp, loginAs } from '../helpers/build-test-app.js'
import { makeCommune, makeUser } from '../helpers/factories.js'

/** Three audited staff actions on a fresh database. */
async function withAuditTrail() {
  const t = await buildTestApp()
  const a = makeCommune(t.db, { code: 'AA' })
  const b = makeCommune(t.db, { code: 'BB', provinceName: 'Tỉnh Khác' })
  await makeUser(t.db, { username: 'root', role: 'admin', unitId: a.province.id })
  const headers = await loginAs(t.app, 'root')
  for (const [parentId, name] of [
    [a.commune.id, 'Ấp Một'],
    [b.commune.id, 'Ấp Hai'],
  ] as const) {
    const res = await t.app.inject({ method: 'POST', url: '/api/units', headers, payload: { kind: 'village', name, parentId } })
    expect(res.statusCode).toBe(201)
  }
  t.clock.advance(60_000)
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/users',
    headers,
    payload: { username: 'staff.b', password: 'a-long-enough-password', role: 'front_staff', unitId: b.commune.id },
  })
  expect(res.statusCode).toBe(201)
  return t
}

describe('audit log hash chain', () => {
  it('chains every staff action and verifies intact', async () => {
    const { app, db } = await withAuditTrail()
    const rows = db.select().from(auditLog).all()
    expect(rows.map((r) => r.action)).toEqual(['unit.create', 'unit.create', 'user.create'])
    expect(rows.map((r) => r.seq)).toEqual([1, 2, 3])
    expect(rows[0]?.prevHash).toBe('0'.repeat(64))
    expect(rows[1]?.prevHash).toBe(rows[0]?.hash)
    expect(rows[2]?.at).toBe('2025-06-01T08:01:00.000Z')
    expect(await app.services.audit.verify(app.db)).toEqual({ ok: true, brokenAt: null, count: 3 })
  })

  it('detects a row edited directly in SQL', async () => {
    const { app, db } = await withAuditTrail()
    db.$client.prepare(`UPDATE audit_log SET data = '{"code":"XX","kind":"village"}' WHERE seq = 2`).run()
    expect(await app.services.audit.verify(app.db)).toEqual({ ok: false, brokenAt: 2, count: 3 })
  })

  it('detects an edited actor or timestamp', async () => {
    const { app, db } = await withAuditTrail()
    db.$client.prepare('UPDATE audit_log SET actor_id = NULL WHERE seq = 3').run()
    expect(await app.services.audit.verify(app.db)).toMatchObject({ ok: false, brokenAt: 3 })
  })

  it('detects a deleted row', async () => {
    const { app, db } = await withAuditTrail()
    db.$client.prepare('DELETE FROM audit_log WHERE seq = 1').run()
    expect(await app.services.audit.verify(app.db)).toMatchObject({ ok: false, brokenAt: 2 })
  })

  it('detects a row whose stored hash was replaced', async () => {
    const { app, db } = await withAuditTrail()
    db.$client.prepare('UPDATE audit_log SET hash = ? WHERE seq = 1').run('f'.repeat(64))
    expect(await app.services.audit.verify(app.db)).toMatchObject({ ok: false, brokenAt: 1 })
  })

  it("detects a forger who also recomputes the edited row's own hash: the next link breaks", async () => {
    const { app, db } = await withAuditTrail()
    const row = db.select().from(auditLog).all()[0]!
    const forged = { ...row, reason: 'forged' }
    const hash = sha256Hex(
      row.prevHash +
        canonicalJson({
          seq: forged.seq,
          at: forged.at,
          actorId: forged.actorId,
          action: forged.action,
          targetType: forged.targetType,
          targetId: forged.targetId,
          reason: forged.reason,
          data: forged.data ? JSON.parse(forged.data) : null,
        }),
    )
    db.$client.prepare('UPDATE audit_log SET reason = ?, hash = ? WHERE seq = 1').run('forged', hash)
    expect(await app.services.audit.verify(app.db)).toMatchObject({ ok: false, brokenAt: 2 })
  })

  it('verifies an empty log as intact', async () => {
    const { app } = await buildTestApp()
    expect(await app.services.audit.verify(app.db)).toEqual({ ok: true, brokenAt: null, count: 0 })
  })
})
