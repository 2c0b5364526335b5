import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { buildTestApp } from '../helpers/build-test-app.js'
import { allSatisfied, makeWorld, openRoundWithLinks } from '../helpers/rounds.js'

/** What a browser sends when it opens a link (Fetch Metadata). */
const NAV = { 'sec-fetch-dest': 'document', 'sec-fetch-mode': 'navigate' }

function webDist(): string {
  const dir = mkdtempSync(join(tmpdir(), 'hailong-resident-edges-'))
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
  mkdirSync(join(dir, 'assets'))
  writeFileSync(join(dir, 'assets/respond-T3st.js'), "document.getElementById('app').textContent='x'")
  writeFileSync(
    join(dir, 'respond.html'),
    '<!doctype html><html lang="vi"><head><meta charset="utf-8" /><script type="module" crossorigin src="/assets/respond-T3st.js"></script></head><body><div id="app"></div></body></html>',
  )
  writeFileSync(join(dir, 'index.html'), '<!doctype html><html lang="vi"><body></body></html>')
  return dir
}

const island = (html: string) => {
  const m = html.match(/<script type="application\/json" id="initial-state">(.*?)<\/script>/s)
  return m ? JSON.parse(m[1] as string) : null
}

describe('links as chat apps and SMS deliver them', () => {
  it.each(['.', ')', ').', ',', '!', '%29', '%E2%80%A6'])('a link with a trailing %s opens the form and takes the ballot', async (tail) => {
    const { app, db } = await buildTestApp({ env: { WEB_DIST: webDist() } })
    const w = await makeWorld(app, db)
    const { tokens } = await openRoundWithLinks(app, w)
    const page = await app.inject({ method: 'GET', url: `/r/${tokens[0]}${tail}`, headers: NAV })
    expect(page.statusCode).toBe(200)
    expect(island(page.body)?.status).toBe(200)
    const form = await app.inject({ method: 'GET', url: `/api/ballots/${tokens[0]}${tail}` })
    expect(form.statusCode).toBe(200)
    const sent = await app.inject({ method: 'POST', url: `/api/ballots/${tokens[0]}${tail}`, payload: { answers: allSatisfied } })
    expect(sent.statusCode).toBe(201)
    // the same link, clean, is now the used one: the punctuation did not make a second credential
    const again = await app.inject({ method: 'POST', url: `/api/ballots/${tokens[0]}`, payload: { answers: allSatisfied } })
    expect(again.json().error.code).toBe('already_answered')
  })

  it('punctuation never turns a wrong token into a right one', async () => {
    const { app, db } = await buildTestApp({ env: { WEB_DIST: webDist() } })
    const w = await makeWorld(app, db)
    const { tokens } = await openRoundWithLinks(app, w)
    const cut = (tokens[0] as string).slice(0, -1)
    const res = await app.inject({ method: 'GET', url: `/api/ballots/${cut}.` })
    expect(res.statusCode).toBe(404)
    expect(res.json().error.code).toBe('link_not_found')
  })
})

describe('GET /r/ without a token', () => {
  it.each(['/r/', '/r'])('%s answers the resident page (404, HTML, Vietnamese), not the API JSON', async (url) => {
    const { app } = await buildTestApp({ env: { WEB_DIST: webDist() } })
    const res = await app.inject({ method: 'GET', url, headers: NAV })
    expect(res.statusCode).toBe(404)
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8')
    expect(res.body).toContain('lang="vi"')
    expect(res.body).not.toContain('no route')
  })
})

describe('GET /favicon.ico', () => {
  it('answers an icon, so public pages that name none log no 404', async () => {
    const { app } = await buildTestApp({ env: { WEB_DIST: webDist() } })
    const res = await app.inject({ method: 'GET', url: '/favicon.ico' })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toMatch(/^image\/svg\+xml/)
  })
})
