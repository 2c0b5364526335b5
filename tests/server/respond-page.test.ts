import { createHash } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { createTestDb, invitations } from '@app/db'
import { buildApp } from '@app/server'
import { fixedClock } from '@app/server/lib/clock.ts'
import { addCspSources, jsonIsland } from '@app/server/lib/inline-page.ts'
import { eq } from 'drizzle-orm'
import { describe, expect, it, onTestFinished } from 'vitest'
import { buildTestApp } from '../helpers/build-test-app.js'
import { allSatisfied, makeWorld, openRoundWithLinks } from '../helpers/rounds.js'
import { testConfig } from '../helpers/test-config.js'

/** What a browser sends when it opens a link (Fetch Metadata). */
const NAV = { 'sec-fetch-dest': 'document', 'sec-fetch-mode': 'navigate' }
const JS = "const s=document.getElementById('initial-state');document.getElementById('app').textContent=s?'state':'none'"
const CSS = 'body{color:#111}'
const sha = (s: string) => `'sha256-${createHash('sha256').update(s).digest('base64')}'`

/** A web build as Vite lays it out: respond.html (meta CSP, module script, stylesheet) and its assets. */
function webDist(js = JS): string {
  const dir = mkdtempSync(join(tmpdir(), 'hailong-respond-page-'))
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
  mkdirSync(join(dir, 'assets'))
  writeFileSync(join(dir, 'assets/respond-T3st.js'), js)
  writeFileSync(join(dir, 'assets/respond-T3st.css'), CSS)
  writeFileSync(
    join(dir, 'respond.html'),
    `<!doctype html>
<html lang="vi">
  <head>
    <meta charset="utf-8" />
    <meta
      http-equiv="Content-Security-Policy"
      content="default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'"
    />
    <script type="module" crossorigin src="/assets/respond-T3st.js"></script>
    <link rel="stylesheet" crossorigin href="/assets/respond-T3st.css">
  </head>
  <body>
    <div id="app"></div>
  </body>
</html>
`,
  )
  return dir
}

/** The embedded link state, or null. */
function island(html: string): any {
  const m = html.match(/<script type="application\/json" id="initial-state">(.*?)<\/script>/s)
  return m ? JSON.parse(m[1] as string) : null
}

const directive = (csp: string, name: string) =>
  csp
    .split(';')
    .map((d) => d.trim().split(/\s+/))
    .find((d) => d[0] === name)
    ?.slice(1) ?? []

describe('GET /r/:token (the resident page in one response)', () => {
  it('inlines the JS and CSS, allows them by sha256 in both CSPs, and embeds the link state exactly as the API answers it', async () => {
    const { app, db } = await buildTestApp({ env: { WEB_DIST: webDist() } })
    const w = await makeWorld(app, db)
    const { tokens } = await openRoundWithLinks(app, w)
    const res = await app.inject({ method: 'GET', url: `/r/${tokens[0]}`, headers: NAV })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8')
    expect(res.headers['cache-control']).toBe('no-store')
    expect(res.headers['referrer-policy']).toBe('no-referrer')
    expect(res.body).not.toContain('/assets/')
    expect(res.body).toContain(`<script type="module">${JS}</script>`)
    expect(res.body).toContain(`<style>${CSS}</style>`)
    const header = String(res.headers['content-security-policy'])
    expect(directive(header, 'script-src')).toEqual(["'self'", sha(JS)])
    const meta = res.body.match(/http-equiv="Content-Security-Policy"\s+content="([^"]*)"/)?.[1] ?? ''
    expect(directive(meta, 'script-src')).toEqual(["'self'", sha(JS)])
    expect(directive(meta, 'style-src')).toEqual(["'self'", sha(CSS)])
    const api = await app.inject({ method: 'GET', url: `/api/ballots/${tokens[0]}` })
    expect(api.statusCode).toBe(200)
    expect(island(res.body)).toEqual({ status: 200, body: api.json() })
    // the island sits in the body, after the app's mount point (the module runs after parsing)
    expect(res.body.indexOf('id="initial-state"')).toBeGreaterThan(res.body.indexOf('<div id="app">'))
  })

  it('embeds every link state with the status and envelope the API gives: unknown 404, used 409, closed 410', async () => {
    const { app, db, clock } = await buildTestApp({ env: { WEB_DIST: webDist() } })
    const w = await makeWorld(app, db)
    const { tokens } = await openRoundWithLinks(app, w)
    const both = async (token: string) => {
      const page = await app.inject({ method: 'GET', url: `/r/${token}`, headers: NAV })
      const api = await app.inject({ method: 'GET', url: `/api/ballots/${token}` })
      expect(page.statusCode).toBe(200)
      return { state: island(page.body), api: { status: api.statusCode, body: api.json() } }
    }
    const unknown = await both('A'.repeat(22))
    expect(unknown.state).toEqual(unknown.api)
    expect(unknown.state?.body.error.code).toBe('link_not_found')
    const sent = await app.inject({ method: 'POST', url: `/api/ballots/${tokens[1]}`, payload: { answers: allSatisfied } })
    expect(sent.statusCode).toBe(201)
    const used = await both(tokens[1] as string)
    expect(used.state).toEqual(used.api)
    expect(used.state).toMatchObject({ status: 409, body: { error: { code: 'already_answered' } } })
    clock.set('2025-06-15T00:00:00Z')
    const closed = await both(tokens[2] as string)
    expect(closed.state).toEqual(closed.api)
    expect(closed.state).toMatchObject({ status: 410, body: { error: { code: 'round_closed' } } })
  })

  it('looks the link up only for a browser opening it: previews, HEAD and prefetches get no state and leave the link unopened', async () => {
    const { app, db } = await buildTestApp({ env: { WEB_DIST: webDist() } })
    const w = await makeWorld(app, db)
    const { tokens, links } = await openRoundWithLinks(app, w)
    const openedAt = () =>
      db
        .select()
        .from(invitations)
        .where(eq(invitations.householdId, links[0]?.householdId as string))
        .get()?.firstOpenedAt ?? null
    const url = `/r/${tokens[0]}`
    const preview = await app.inject({ method: 'GET', url, headers: { 'user-agent': 'facebookexternalhit/1.1' } })
    expect(preview.statusCode).toBe(200)
    expect(preview.body).toContain(`<script type="module">${JS}</script>`)
    expect(island(preview.body)).toBeNull()
    expect(island((await app.inject({ method: 'GET', url, headers: { ...NAV, 'sec-purpose': 'prefetch' } })).body)).toBeNull()
    expect((await app.inject({ method: 'HEAD', url, headers: NAV })).statusCode).toBe(200)
    expect(openedAt()).toBeNull()
    expect(island((await app.inject({ method: 'GET', url, headers: NAV })).body)?.status).toBe(200)
    expect(openedAt()).not.toBeNull()
  })

  it('sends gzip when accepted: the same bytes as the plain page', async () => {
    const { app, db } = await buildTestApp({ env: { WEB_DIST: webDist() } })
    const w = await makeWorld(app, db)
    const { tokens } = await openRoundWithLinks(app, w)
    const url = `/r/${tokens[0]}`
    const plain = await app.inject({ method: 'GET', url, headers: NAV })
    const gz = await app.inject({ method: 'GET', url, headers: { ...NAV, 'accept-encoding': 'gzip, deflate, br' } })
    expect(plain.headers['content-encoding']).toBeUndefined()
    expect(gz.headers['content-encoding']).toBe('gzip')
    expect(gz.headers.vary).toContain('accept-encoding')
    expect(gunzipSync(gz.rawPayload).toString('utf8')).toBe(plain.body)
    expect(island(plain.body)?.status).toBe(200)
  })

  it('draws on the resident API rate limit per IP: the page counts, and a limited page embeds 429 rate_limited', async () => {
    const { app, db } = await buildTestApp({ env: { WEB_DIST: webDist(), LINK_RATE_LIMIT_PER_MIN: '3' } })
    const w = await makeWorld(app, db)
    const { tokens } = await openRoundWithLinks(app, w)
    const ip = '10.7.7.7'
    const page = (remoteAddress = ip) => app.inject({ method: 'GET', url: `/r/${tokens[0]}`, headers: NAV, remoteAddress })
    expect(island((await page()).body)?.status).toBe(200)
    expect(island((await page()).body)?.status).toBe(200)
    expect((await app.inject({ method: 'GET', url: `/api/ballots/${tokens[0]}`, remoteAddress: ip })).statusCode).toBe(200)
    const limited = await page()
    expect(limited.statusCode).toBe(200)
    expect(island(limited.body)).toMatchObject({ status: 429, body: { error: { code: 'rate_limited' } } })
    expect((await app.inject({ method: 'GET', url: `/api/ballots/${tokens[0]}`, remoteAddress: ip })).statusCode).toBe(429)
    expect(island((await page('10.8.8.8')).body)?.status).toBe(200)
  })

  it('serves /verify as the same inlined page, without state', async () => {
    const { app } = await buildTestApp({ env: { WEB_DIST: webDist() } })
    const res = await app.inject({ method: 'GET', url: '/verify', headers: NAV })
    expect(res.statusCode).toBe(200)
    expect(res.headers['cache-control']).toBe('no-cache')
    expect(res.body).toContain(`<script type="module">${JS}</script>`)
    expect(directive(String(res.headers['content-security-policy']), 'script-src')).toContain(sha(JS))
    expect(island(res.body)).toBeNull()
  })

  it('serves the page as built when its script cannot be inlined safely', async () => {
    const { app } = await buildTestApp({ env: { WEB_DIST: webDist(`${JS};const t='</script>'`) } })
    const res = await app.inject({ method: 'GET', url: '/r/abc', headers: NAV })
    expect(res.statusCode).toBe(200)
    expect(res.body).toContain('src="/assets/respond-T3st.js"')
    expect(directive(String(res.headers['content-security-policy']), 'script-src')).toEqual(["'self'"])
  })

  it('never logs the token nor a trace of it (a fingerprint would join the open to the ballot): requests show [link], lookups only the outcome code', async () => {
    const lines: string[] = []
    const db = createTestDb()
    const app = await buildApp({
      config: testConfig({ LOG_LEVEL: 'trace', WEB_DIST: webDist() }),
      db,
      clock: fixedClock('2025-06-01T08:00:00Z'),
      logStream: { write: (line: string) => void lines.push(line) },
    })
    await app.ready()
    onTestFinished(async () => {
      await app.close()
      db.$client.close()
    })
    const w = await makeWorld(app, db)
    const { tokens } = await openRoundWithLinks(app, w)
    const unknown = 'Z'.repeat(22)
    for (const t of [tokens[0], unknown]) await app.inject({ method: 'GET', url: `/r/${t}`, headers: NAV })
    const log = lines.join('')
    expect(log).toContain('/r/[link]')
    expect(log).not.toMatch(/\/r\/#/)
    expect(log).toContain('link_not_found')
    expect([tokens[0], unknown].filter((t) => log.includes(t as string))).toEqual([])
  })
})

describe('inline-page helpers', () => {
  it('keeps any string inside its JSON island', () => {
    const html = jsonIsland('initial-state', { text: '</script><script>alert(1)</script><!--' })
    expect(html.match(/<\/script>/g)).toHaveLength(1)
    expect(island(html)).toEqual({ text: '</script><script>alert(1)</script><!--' })
  })

  it('adds CSP sources to a directive, creating it from default-src when missing', () => {
    expect(addCspSources("default-src 'self'; script-src 'self'", 'script-src', ["'sha256-x'"])).toBe(
      "default-src 'self'; script-src 'self' 'sha256-x'",
    )
    expect(addCspSources("default-src 'self'; img-src data:", 'script-src', ["'sha256-x'"])).toBe(
      "default-src 'self'; img-src data:; script-src 'self' 'sha256-x'",
    )
    expect(addCspSources("img-src 'self'", 'script-src', ["'sha256-x'"])).toBe("img-src 'self'")
  })
})
