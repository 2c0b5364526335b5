import { eq, sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { affected, rawAll, rawRun } from './engine.js'
import { pgAppDb } from './engine-pg.js'
import { closePgliteDb, createPgliteTestDb, type PgliteDb } from './pglite.js'
import { criteriaSets, units, users } from './schema.js'

describe('pgAppDb on PGlite', () => {
  let pg: PgliteDb
  beforeAll(async () => {
    pg = await createPgliteTestDb()
  }, 60_000)
  afterAll(async () => closePgliteDb(pg))

  it('reads and writes the SQLite tables as SQLite does (booleans, JSON, counts)', async () => {
    const db = pgAppDb(pg)
    const [u] = await db.insert(units).values({ kind: 'province', name: 'Tỉnh', code: 'p1' }).returning()
    await db.insert(users).values({ username: 'a', passwordHash: 'x', role: 'admin', unitId: u!.id, disabled: true })
    const [row] = await db.select().from(users).where(eq(users.disabled, true))
    expect(row).toMatchObject({ username: 'a', disabled: true, tokenVersion: 0 })
    await db.insert(criteriaSets).values({ code: 'c', name: 'n', legalBasis: 'l', criteria: [{ ref: 'a', name: 'b', group: null }] })
    const [c] = await db.select().from(criteriaSets)
    expect(c!.criteria).toEqual([{ ref: 'a', name: 'b', group: null }])
    const [n] = await rawAll<{ n: number }>(db, sql`SELECT count(*) AS n FROM users`)
    expect(n).toEqual({ n: 1 })
    expect(affected(await db.update(users).set({ disabled: false }).where(eq(users.username, 'a')))).toBe(1)
    expect(await rawRun(db, sql`UPDATE users SET token_version = token_version + 1`)).toBe(1)
  })

  it('makes a nested db.transaction a savepoint and routes db statements into the open transaction', async () => {
    const db = pgAppDb(pg)
    await db.transaction(async (tx) => {
      await tx.insert(units).values({ kind: 'province', name: 'A', code: 'tx-a' })
      // on PGlite's one connection this would wait forever if it did not join the transaction
      expect((await db.select().from(units).where(eq(units.code, 'tx-a'))).length).toBe(1)
      await expect(
        db.transaction(async (inner) => {
          await inner.insert(units).values({ kind: 'province', name: 'B', code: 'tx-b' })
          throw new Error('roll back the savepoint')
        }),
      ).rejects.toThrow('roll back the savepoint')
      await db.insert(units).values({ kind: 'province', name: 'C', code: 'tx-c' })
    })
    const codes = (await db.select({ code: units.code }).from(units)).map((r) => r.code).sort()
    expect(codes).toEqual(['p1', 'tx-a', 'tx-c'])
  })

  it('rolls the whole transaction back on error', async () => {
    const db = pgAppDb(pg)
    await expect(
      db.transaction(async () => {
        await db.insert(units).values({ kind: 'province', name: 'D', code: 'tx-d' })
        throw new Error('boom')
      }),
    ).rejects.toThrow('boom')
    expect(await db.select().from(units).where(eq(units.code, 'tx-d'))).toEqual([])
  })
})
