import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { ledger } from '@app/db'
import { and, eq } from 'drizzle-orm'
import { Pool } from 'undici'
import { afterAll, describe, expect, it } from 'vitest'
import { fingerprintRounds } from '../../scripts/lib/open.js'
import { allSatisfied, overallNo } from '../helpers/rounds.js'
import { openFile, prepareRound, ROOT, type RunningServer, serverEnv, startServer, tempDir } from './helpers/server.js'

/** Run a script the way `pnpm backup` / `pnpm restore` do (tsx), with the server's environment. */
function runScript(script: string, args: string[], dbPath: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
      cwd: ROOT,
      env: serverEnv(dbPath, 0),
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    p.stdout.on('data', (d) => {
      out += d
    })
    p.stderr.on('data', (d) => {
      out += d
    })
    p.on('exit', (code) => resolve({ code, out }))
  })
}

const tmp = tempDir('hailong-backup-')
let server: RunningServer | undefined
afterAll(async () => {
  await server?.kill9()
  tmp.cleanup()
})

describe('backup while the server takes ballots, then restore', () => {
  it('backs up online, restores into a fresh directory, and every ledger root and tally is identical', async () => {
    const live = join(tmp.dir, 'live', 'hailong.db')
    const { roundId, tokens } = await prepareRound(live, 2000)
    server = await startServer(live)
    const pool = new Pool(server.base, { connections: 8 })
    const submit = async (t: string, i: number) => {
      const res = await pool.request({
        method: 'POST',
        path: `/api/ballots/${t}`,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ answers: i % 3 ? allSatisfied : overallNo }),
      })
      await res.body.dump()
      return res.statusCode
    }
    for (const [i, t] of tokens.slice(0, 100).entries()) expect(await submit(t, i)).toBe(201)

    // Ballots keep arriving, paced, during the whole backup (and after it).
    let stop = false
    let written = 100
    const writer = (async () => {
      for (let i = 100; i < tokens.length && !stop; i += 2) {
        const codes = await Promise.all(tokens.slice(i, i + 2).map((t, j) => submit(t, i + j)))
        expect(codes.every((c) => c === 201)).toBe(true)
        written += codes.length
        await new Promise((r) => setTimeout(r, 5))
      }
    })()
    await new Promise((r) => setTimeout(r, 200))
    const backupFile = join(tmp.dir, 'backups', 'b.db')
    const before = written
    const backup = await runScript('scripts/backup.ts', [backupFile], live)
    const after = written
    stop = true
    await writer
    await pool.close()
    await server.stop()
    server = undefined
    console.log(`backup: ${after - before} ballots accepted while the backup script ran, ${written} in all\n${backup.out}`)
    expect(backup.code, backup.out).toBe(0)
    expect(after - before, 'ballots arrived during the backup').toBeGreaterThan(0)

    const restoreDir = join(tmp.dir, 'restored')
    const restore = await runScript('scripts/restore.ts', [backupFile, restoreDir], live)
    expect(restore.code, restore.out).toBe(0)
    expect(existsSync(join(restoreDir, 'hailong.db'))).toBe(true)
    // Restoring over an existing database is refused.
    expect((await runScript('scripts/restore.ts', [backupFile, restoreDir], live)).code).toBe(2)

    // Independently: the backup and the restored copy agree round by round…
    const b = openFile(backupFile)
    const r = openFile(join(restoreDir, 'hailong.db'))
    const l = openFile(live)
    try {
      const [fb, fr] = await Promise.all([fingerprintRounds(b.services), fingerprintRounds(r.services)])
      expect(fr).toEqual(fb)
      expect(fr.every((x) => x.ledgerOk)).toBe(true)
      const round = await r.services.rounds.findById(roundId)
      if (!round) throw new Error('no round in the restore')
      expect(await r.services.tally.recount(null, roundId)).toMatchObject({ matches: true })
      // …and the copy is a consistent snapshot of the live chain: its root is the live entry at its length.
      const copy = await r.services.ballots.verifyLedger(roundId)
      if (!copy.ok) throw new Error('restored ledger does not verify')
      expect(copy.count).toBeGreaterThanOrEqual(before)
      expect(copy.count).toBeLessThanOrEqual(written)
      const liveEntry = l.db
        .select()
        .from(ledger)
        .where(and(eq(ledger.roundId, roundId), eq(ledger.seq, copy.count)))
        .get()
      expect(liveEntry?.hash).toBe(copy.rootHash)
      expect(await l.services.ballots.verifyLedger(roundId)).toMatchObject({ ok: true })
      console.log(`restore: ${copy.count} ballots in the copy, root ${copy.rootHash?.slice(0, 16)}…`)
    } finally {
      b.close()
      r.close()
      l.close()
    }
  }, 90_000)
})
