import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import { closeDb, createDb, type Db } from './client.js'
import { createGroupCommit } from './group-commit.js'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

/** A real SQLite file (WAL, production pragmas) with one small table. */
function fileDb(): { db: Db; path: string } {
  const dir = mkdtempSync(join(tmpdir(), 'group-commit-'))
  dirs.push(dir)
  const path = join(dir, 'g.db')
  const db = createDb(path)
  db.$client.exec('CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER NOT NULL)')
  return { db, path }
}
const rows = (db: Db) => db.$client.prepare('SELECT k, v FROM t ORDER BY k').all() as { k: string; v: number }[]

describe('group commit', () => {
  it('runs the jobs of one event-loop turn in one transaction, each promise settling with its own result', async () => {
    const { db } = fileDb()
    const gc = createGroupCommit(db)
    const insert = db.$client.prepare('INSERT INTO t (k, v) VALUES (?, ?)')
    // the total number of changes the connection made, read from inside each job: one shared transaction
    // means the jobs see each other's uncommitted rows
    const seen: number[] = []
    const results = await Promise.all(
      ['a', 'b', 'c'].map((k, i) =>
        gc.run(() => {
          insert.run(k, i)
          seen.push((db.$client.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n)
          return `${k}${i}`
        }),
      ),
    )
    expect(results).toEqual(['a0', 'b1', 'c2'])
    expect(seen).toEqual([1, 2, 3])
    expect(rows(db)).toEqual([
      { k: 'a', v: 0 },
      { k: 'b', v: 1 },
      { k: 'c', v: 2 },
    ])
    expect(gc.pending).toBe(0)
    closeDb(db)
  })

  it('a failing job rolls back its own writes only; the others commit and resolve', async () => {
    const { db } = fileDb()
    const gc = createGroupCommit(db)
    const insert = db.$client.prepare('INSERT INTO t (k, v) VALUES (?, ?)')
    const outcomes = await Promise.allSettled([
      gc.run(() => insert.run('a', 1)),
      gc.run(() => {
        insert.run('half-written', 2)
        throw new Error('second write failed')
      }),
      gc.run(() => insert.run('a', 3)), // PRIMARY KEY conflict with the first job
      gc.run(() => insert.run('d', 4)),
    ])
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled'])
    expect((outcomes[1] as PromiseRejectedResult).reason).toBeInstanceOf(Error)
    expect(rows(db)).toEqual([
      { k: 'a', v: 1 },
      { k: 'd', v: 4 },
    ])
    closeDb(db)
  })

  it('when the write lock cannot be taken, every job of the batch is rejected and nothing is stored', async () => {
    const { db, path } = fileDb()
    db.$client.pragma('busy_timeout = 50')
    const other = new Database(path)
    other.exec('BEGIN IMMEDIATE') // another process holds the write lock
    const gc = createGroupCommit(db)
    const insert = db.$client.prepare('INSERT INTO t (k, v) VALUES (?, ?)')
    const outcomes = await Promise.allSettled([gc.run(() => insert.run('x', 1)), gc.run(() => insert.run('y', 2))])
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected'])
    expect(String((outcomes[0] as PromiseRejectedResult).reason)).toMatch(/busy|locked/i)
    other.exec('ROLLBACK')
    other.close()
    expect(rows(db)).toEqual([])
    // the queue is usable again afterwards
    await gc.run(() => insert.run('z', 3))
    expect(rows(db)).toEqual([{ k: 'z', v: 3 }])
    closeDb(db)
  })

  it('every resolved job is durable: a second connection sees exactly the resolved writes (any mix of failures, any batch size)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ key: fc.integer({ min: 0, max: 30 }), fail: fc.boolean() }), { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 1, max: 8 }),
        async (jobs, maxBatch) => {
          const { db, path } = fileDb()
          const gc = createGroupCommit(db, { maxBatch })
          const insert = db.$client.prepare('INSERT INTO t (k, v) VALUES (?, ?)')
          const outcomes = await Promise.allSettled(
            jobs.map((j, i) =>
              gc.run(() => {
                insert.run(`k${j.key}`, i)
                if (j.fail) throw new Error('job failed after writing')
                return i
              }),
            ),
          )
          const reader = new Database(path, { readonly: true })
          const stored = reader.prepare('SELECT k, v FROM t').all() as { k: string; v: number }[]
          reader.close()
          closeDb(db)
          const resolved = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []))
          // exactly the resolved jobs are stored, once each; a key is taken by the first job that did not fail
          expect(stored.map((r) => r.v).sort((a, b) => a - b)).toEqual(resolved)
          const firstOk = new Map<number, number>()
          jobs.forEach((j, i) => {
            if (!j.fail && !firstOk.has(j.key)) firstOk.set(j.key, i)
          })
          expect(resolved).toEqual([...firstOk.values()].sort((a, b) => a - b))
        },
      ),
      { numRuns: 40 },
    )
  })
})
