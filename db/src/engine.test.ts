import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { eq, sql } from 'drizzle-orm'
import { afterEach, describe, expect, it } from 'vitest'
import { closeDb, createDb, createTestDb, migrateDb } from './client.js'
import { asyncDb, first, rawAll, rawRun, writeLockOf } from './engine.js'
import { createGroupCommit } from './group-commit.js'
import { units } from './schema.js'

const unit = (code: string) => ({ kind: 'province' as const, name: `Tỉnh ${code}`, code })

describe('the asynchronous API over one SQLite connection', () => {
  let dir: string | undefined
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true })
    dir = undefined
  })

  it('a statement from another request waits for an open transaction instead of joining it', async () => {
    const sync = createTestDb()
    const db = asyncDb(sync)
    let release!: () => void
    const gate = new Promise<void>((r) => {
      release = r
    })
    const tx = db.transaction(async (t) => {
      await t.insert(units).values(unit('A'))
      await gate // another request runs meanwhile
      throw new Error('roll back')
    })
    // issued while the transaction is open: must not become part of it
    const outside = db
      .insert(units)
      .values(unit('B'))
      .then(() => 'written')
    await new Promise((r) => setTimeout(r, 20))
    expect(writeLockOf(sync).busy).toBe(true)
    release()
    await expect(tx).rejects.toThrow('roll back')
    expect(await outside).toBe('written')
    const codes = (await db.select({ code: units.code }).from(units)).map((r) => r.code)
    expect(codes).toEqual(['B'])
  })

  it('a read outside the transaction does not see its uncommitted rows', async () => {
    const db = asyncDb(createTestDb())
    let inside!: () => void
    const started = new Promise<void>((r) => {
      inside = r
    })
    let finish!: () => void
    const gate = new Promise<void>((r) => {
      finish = r
    })
    const tx = db.transaction(async (t) => {
      await t.insert(units).values(unit('A'))
      inside()
      await gate
    })
    await started
    const read = db.select().from(units)
    let seen: unknown[] | undefined
    void read.then((rows) => {
      seen = rows
    })
    await new Promise((r) => setTimeout(r, 20))
    expect(seen).toBeUndefined() // waiting for the transaction, not reading its rows half-way
    finish()
    await tx
    await new Promise((r) => setTimeout(r, 0))
    expect(seen).toHaveLength(1)
  })

  it('a transaction opened inside one is a savepoint of it', async () => {
    const db = asyncDb(createTestDb())
    await db.transaction(async (t) => {
      await t.insert(units).values(unit('A'))
      await expect(
        db.transaction(async (inner) => {
          await inner.insert(units).values(unit('B'))
          throw new Error('inner fails')
        }),
      ).rejects.toThrow('inner fails')
      await db.transaction(async (inner) => {
        await inner.insert(units).values(unit('C'))
      })
    })
    const codes = (await db.select({ code: units.code }).from(units)).map((r) => r.code).sort()
    expect(codes).toEqual(['A', 'C'])
  })

  it('the group commit waits for an open transaction, and raw SQL reads objects on the same lock', async () => {
    const sync = createTestDb()
    const db = asyncDb(sync)
    const commits = createGroupCommit(sync)
    let finish!: () => void
    const gate = new Promise<void>((r) => {
      finish = r
    })
    const order: string[] = []
    const tx = db.transaction(async (t) => {
      await t.insert(units).values(unit('T'))
      await gate
      order.push('tx')
    })
    const job = commits.run(() => {
      order.push('job')
      return sync.$client.prepare('SELECT count(*) AS n FROM units').get() as { n: number }
    })
    await new Promise((r) => setTimeout(r, 20))
    expect(order).toEqual([])
    finish()
    await tx
    expect((await job).n).toBe(1) // ran after the commit, saw the committed row
    expect(order).toEqual(['tx', 'job'])
    expect(await rawAll<{ code: string }>(db, sql`SELECT code AS "code" FROM units`)).toEqual([{ code: 'T' }])
    expect(await rawRun(db, sql`UPDATE units SET name = 'x' WHERE code = ${'T'}`)).toBe(1)
    expect((await first(db.select().from(units).where(eq(units.code, 'T'))))?.name).toBe('x')
  })

  it('on a file, a rolled-back transaction leaves the other requests’ writes durable', async () => {
    dir = mkdtempSync(join(tmpdir(), 'hl-engine-'))
    const path = join(dir, 'a.db')
    const sync = createDb(path)
    migrateDb(sync)
    const db = asyncDb(sync)
    const writes = Array.from({ length: 20 }, (_, i) => db.insert(units).values(unit(`W${i}`)))
    const failing = db.transaction(async (t) => {
      for (let i = 0; i < 5; i++) await t.insert(units).values(unit(`F${i}`))
      throw new Error('no')
    })
    await Promise.all(writes)
    await expect(failing).rejects.toThrow('no')
    closeDb(sync)
    const again = createDb(path)
    const n = (again.$client.prepare('SELECT count(*) AS n FROM units').get() as { n: number }).n
    closeDb(again)
    expect(n).toBe(20)
  })
})
