import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { bundleForNode, FAKE_ZALO_ENTRY, FAKE_ZALO_OUT_DIR, SERVER_ENTRY, SERVER_OUT_DIR } from './build-server.js'

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const srv = createServer()
    srv.once('error', fail)
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address()
      srv.close(() => done(typeof addr === 'object' && addr ? addr.port : 0))
    })
  })
}

async function waitForHealth(base: string, proc: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 30_000
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`the bundle exited (${proc.exitCode}):\n${output()}`)
    try {
      if ((await fetch(`${base}/api/health`)).ok) return
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`no /api/health in 30 s:\n${output()}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

describe('the production server bundle (pnpm start)', () => {
  it('runs under plain node from server/dist: migrates and seeds a fresh database, starts the fake Zalo beside it, serves the API docs and a minutes PDF', async () => {
    // a folder of its own under server/dist, so the bundle resolves better-sqlite3 & co. as server.mjs does
    const outDir = join(SERVER_OUT_DIR, `test-${process.pid}`)
    const data = mkdtempSync(join(tmpdir(), 'hailong-bundle-'))
    onTestFinished(() => {
      rmSync(outDir, { recursive: true, force: true })
      rmSync(data, { recursive: true, force: true })
    })
    const [built, fake] = await Promise.all([
      bundleForNode({ entry: SERVER_ENTRY, outDir, name: 'server' }),
      bundleForNode({ entry: FAKE_ZALO_ENTRY, outDir: FAKE_ZALO_OUT_DIR, name: 'fake-zalo' }),
    ])
    expect(built.externals).toEqual(expect.arrayContaining(['better-sqlite3', 'pdfkit']))
    // the test fakes are not in what production runs: their classes are in their own bundle only
    const text = (files: string[]) => files.map((f) => readFileSync(f, 'utf8')).join('\n')
    const FAKE_MARKERS = ['FakeZaloCore = class', 'FakeSmsControl = class', 'function registerControlRoutes']
    const fakeText = text(fake.outputs)
    for (const m of FAKE_MARKERS) expect(fakeText).toContain(m)
    const serverText = text(built.outputs)
    for (const m of FAKE_MARKERS) expect(serverText).not.toContain(m)

    const port = await freePort()
    const proc = spawn(process.execPath, [join(outDir, 'server.mjs')], {
      env: {
        PATH: process.env.PATH,
        DATABASE_PATH: join(data, 'hailong.db'),
        PORT: String(port),
        HOST: '127.0.0.1',
        JWT_SECRET: 'bundle-test-secret-bundle-test-secret-0123',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    proc.stdout?.on('data', (d) => {
      out += d
    })
    proc.stderr?.on('data', (d) => {
      out += d
    })
    const exited = new Promise<void>((done) => proc.once('exit', () => done()))
    onTestFinished(async () => {
      if (proc.exitCode === null) proc.kill('SIGKILL')
      await exited
    })
    const base = `http://127.0.0.1:${port}`
    await waitForHealth(base, proc, () => out)
    expect(out).toContain('demo data seeded')

    // @fastify/swagger-ui serves files from its own package folder (__dirname inside the bundle)
    const css = await fetch(`${base}/api/docs/static/swagger-ui.css`)
    expect(css.status).toBe(200)
    expect(css.headers.get('content-type')).toContain('text/css')
    const login = await fetch(`${base}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: 'hailong-demo' }),
    })
    const { token } = (await login.json()) as { token: string }
    const auth = { authorization: `Bearer ${token}` }

    // demo mode runs the fakes as a child process; the demo inbox reads the fake Zalo's control plane, and only an
    // admin opens it: a one-time link from the staff app sets the session cookie, then the page
    expect((await fetch(`${base}/demo/zalo`)).status).toBe(401)
    const link = (await (await fetch(`${base}/api/zalo/demo-inbox-link`, { method: 'POST', headers: auth })).json()) as { url: string }
    const opened = await fetch(`${base}${link.url}`, { redirect: 'manual' })
    expect(opened.status).toBe(303)
    const cookie = (opened.headers.get('set-cookie') ?? '').split(';')[0] ?? ''
    const inbox = await fetch(`${base}/demo/zalo`, { headers: { cookie } })
    expect(inbox.status).toBe(200)
    expect(await inbox.text()).toContain('Chưa có tin nào')
    const fakeUrl = /fake at (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1]
    expect(fakeUrl).toBeDefined()
    expect((await fetch(`${fakeUrl}/__fake/messages`)).status).toBe(200)

    // pdfkit stays in node_modules, the DejaVu fonts resolve from the bundled module's own location
    const rounds = (await (await fetch(`${base}/api/rounds`, { headers: auth })).json()) as { items: { id: string; status: string }[] }
    const sealed = rounds.items.find((r) => r.status === 'sealed')
    expect(sealed).toBeDefined()
    const pdf = await fetch(`${base}/api/rounds/${sealed?.id}/minutes.pdf`, { headers: auth })
    expect(pdf.status).toBe(200)
    const head = new TextDecoder().decode((await pdf.arrayBuffer()).slice(0, 5))
    expect(head).toBe('%PDF-')

    proc.kill('SIGTERM')
    await exited
    // …and the child goes with the server
    await expect(fetch(`${fakeUrl}/__fake/messages`)).rejects.toThrow()
  }, 90_000)
})
