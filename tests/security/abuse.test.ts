import { connect } from 'node:net'
import { Readable } from 'node:stream'
import { ballots } from '@app/db'
import { eq } from 'drizzle-orm'
import ExcelJS from 'exceljs'
import { describe, expect, it } from 'vitest'
import { buildTestApp } from '../helpers/build-test-app.js'
import { parseCsv } from '../helpers/csv.js'
import { pdfText } from '../helpers/pdf-text.js'
import { allSatisfied, landNow, makeWorld, openRoundWithLinks } from '../helpers/rounds.js'

const randomToken = () => Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('base64url')
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)] as number
}

describe('token guessing on /api/ballots/:token', () => {
  it('answers 404 link_not_found, then 429 rate_limited with Retry-After once the per-IP limit is spent', async () => {
    const { app } = await buildTestApp({ env: { LINK_RATE_LIMIT_PER_MIN: '5' } })
    // One budget per IP shared by the resident endpoints: 5 guesses, then 429 — on GET and on POST alike
    // (each method from its own address here; tests/server/ballots.test.ts checks the sharing).
    for (const [method, remoteAddress] of [
      ['GET', '10.0.0.1'],
      ['POST', '10.0.0.2'],
    ] as const) {
      const statuses: number[] = []
      let last: { statusCode: number; headers: Record<string, unknown>; json: () => { error: { code: string } } } | undefined
      for (let i = 0; i < 8; i++) {
        last = await app.inject({
          method,
          remoteAddress,
          url: `/api/ballots/${randomToken()}`,
          ...(method === 'POST' ? { payload: { answers: allSatisfied } } : {}),
        })
        statuses.push(last.statusCode)
      }
      expect(statuses.slice(0, 5), method).toEqual([404, 404, 404, 404, 404])
      expect(statuses.slice(5), method).toEqual([429, 429, 429])
      expect(last?.json().error.code).toBe('rate_limited')
      expect(Number(last?.headers['retry-after'])).toBeGreaterThan(0)
    }
    // Guessing receipts is throttled too.
    const receipts = []
    for (let i = 0; i < 7; i++)
      receipts.push((await app.inject({ method: 'GET', url: `/api/receipts/ABCD-EF${i}H`, remoteAddress: '10.0.0.3' })).statusCode)
    expect(receipts).toEqual([404, 404, 404, 404, 404, 429, 429])
  })

  it('cannot tell an unknown link from a revoked one: same status, same body, same lookup cost', async () => {
    const { app, db } = await buildTestApp({ env: { LINK_RATE_LIMIT_PER_MIN: '1000000' } })
    const w = await makeWorld(app, db)
    const { round, links, tokens } = await openRoundWithLinks(app, w)
    const revoked = tokens[0] as string
    const res = await app.inject({
      method: 'POST',
      url: `/api/rounds/${round.id}/invitations/${links[0]?.householdId}/revoke`,
      headers: w.auth.xa,
    })
    expect(res.statusCode).toBe(200)
    const unknown = randomToken()
    const malformed = 'not-a-token'
    const bodies = await Promise.all(
      [revoked, unknown, malformed].map(async (t) => {
        const r = await app.inject({ method: 'GET', url: `/api/ballots/${t}` })
        return { status: r.statusCode, body: r.body }
      }),
    )
    expect(bodies[0]).toEqual(bodies[1])
    expect(bodies[1]).toEqual(bodies[2])
    expect(bodies[0]?.status).toBe(404)
    expect(JSON.parse(bodies[0]?.body as string).error.code).toBe('link_not_found')
    // POST answers the same way.
    const posts = await Promise.all(
      [revoked, unknown].map(
        async (t) => (await app.inject({ method: 'POST', url: `/api/ballots/${t}`, payload: { answers: allSatisfied } })).body,
      ),
    )
    expect(posts[0]).toEqual(posts[1])

    // Timing: alternate the two many times after a warm-up; the medians stay within a generous factor
    // (a difference of a DB hit would show as a consistent gap; scheduler noise does not move medians).
    const times: Record<'revoked' | 'unknown', number[]> = { revoked: [], unknown: [] }
    for (let i = 0; i < 440; i++) {
      const which = i % 2 ? 'revoked' : 'unknown'
      const t = which === 'revoked' ? revoked : randomToken()
      const start = process.hrtime.bigint()
      await app.inject({ method: 'GET', url: `/api/ballots/${t}` })
      if (i >= 40) times[which].push(Number(process.hrtime.bigint() - start) / 1e6)
    }
    const [a, b] = [median(times.revoked), median(times.unknown)]
    console.log(`link lookup medians: revoked ${a.toFixed(3)} ms, unknown ${b.toFixed(3)} ms`)
    expect(Math.max(a, b) / Math.min(a, b) < 2 || Math.abs(a - b) < 0.3).toBe(true)
  })
})

describe('oversized bodies', () => {
  it('answers 413 payload_too_large on JSON routes, the ballot route and the import route, and stores nothing', async () => {
    const { app, db } = await buildTestApp({ env: { BODY_LIMIT_BYTES: '4096', IMPORT_MAX_BYTES: '4096', LINK_RATE_LIMIT_PER_MIN: '1000' } })
    const w = await makeWorld(app, db)
    const { tokens } = await openRoundWithLinks(app, w)
    const big = 'x'.repeat(100_000)
    const cases = [
      {
        method: 'POST',
        url: '/api/rounds',
        headers: { ...w.auth.xa, 'content-type': 'application/json' },
        payload: JSON.stringify({ title: big }),
      },
      {
        method: 'POST',
        url: '/api/auth/login',
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify({ username: big, password: big }),
      },
      {
        method: 'POST',
        url: `/api/ballots/${tokens[0]}`,
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify({ answers: allSatisfied, comment: big }),
      },
      {
        method: 'POST',
        url: `/api/units/${w.commune.id}/households/import`,
        headers: { ...w.auth.xa, 'content-type': 'text/csv' },
        payload: `village_code,household_code,head_name,phone,address\n${'XT-01,H1,A,,\n'.repeat(1000)}`,
      },
      {
        method: 'POST',
        url: `/api/units/${w.commune.id}/households/import`,
        headers: { ...w.auth.xa, 'content-type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' },
        payload: Buffer.alloc(10_000, 0x50),
      },
    ] as const
    for (const c of cases) {
      const res = await app.inject({ method: c.method, url: c.url, headers: c.headers, payload: c.payload })
      expect(res.statusCode, c.url).toBe(413)
      expect(res.json().error.code).toBe('payload_too_large')
    }
    expect(db.select().from(ballots).all()).toHaveLength(0)

    // Without a Content-Length (chunked), the limit still applies while streaming.
    await app.listen({ port: 0, host: '127.0.0.1' })
    const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`
    const chunked = await fetch(`${base}/api/units/${w.commune.id}/households/import`, {
      method: 'POST',
      headers: { ...w.auth.xa, 'content-type': 'text/csv' },
      body: Readable.toWeb(Readable.from(Array.from({ length: 100 }, () => Buffer.alloc(1024, 0x41)))) as ReadableStream,
      duplex: 'half',
    } as RequestInit)
    expect(chunked.status).toBe(413)
    expect(((await chunked.json()) as { error: { code: string } }).error.code).toBe('payload_too_large')
  })
})

describe('slow clients', () => {
  it('sets request, headers, keep-alive and idle timeouts on the listening server', async () => {
    const { app } = await buildTestApp()
    await app.listen({ port: 0, host: '127.0.0.1' })
    const s = app.server
    expect(s.requestTimeout).toBe(30_000)
    expect(s.headersTimeout).toBeGreaterThan(0)
    expect(s.headersTimeout).toBeLessThanOrEqual(s.requestTimeout)
    expect(s.keepAliveTimeout).toBe(10_000)
    expect(s.timeout).toBe(60_000)
  })

  it('cuts off a client that sends headers and then stalls', async () => {
    const { app } = await buildTestApp({ env: { HTTP_CONNECTION_TIMEOUT_MS: '300', HTTP_REQUEST_TIMEOUT_MS: '1000' } })
    await app.listen({ port: 0, host: '127.0.0.1' })
    const port = (app.server.address() as { port: number }).port
    const started = Date.now()
    const closedAfter = await new Promise<number>((resolve, reject) => {
      const sock = connect(port, '127.0.0.1', () => {
        sock.write('POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"user')
      })
      sock.on('data', () => {})
      sock.on('error', () => {})
      sock.on('close', () => resolve(Date.now() - started))
      setTimeout(() => reject(new Error('the stalled connection was not closed within 5 s')), 5000)
    })
    expect(closedAfter).toBeGreaterThanOrEqual(250)
    expect(closedAfter).toBeLessThan(5000)
  })
})

describe('free text is data, never markup or formulas', () => {
  const SCRIPT = '<script>alert("xss")</script><img src=x onerror=alert(1)>'
  const FORMULAS = ['=HYPERLINK("http://evil.example","bấm")', "+1+cmd|' /C calc'!A0", '-2+3', '@SUM(A1:A9)', '\t=1+1']

  it('stores reasons and comments verbatim, neutralises formulas in CSV/XLSX, prints script as text in the minutes PDF, never shows it publicly', async () => {
    const { app, db } = await buildTestApp({ env: { LINK_RATE_LIMIT_PER_MIN: '100000' } })
    const w = await makeWorld(app, db, { perVillage: 8 })
    const { round, tokens } = await openRoundWithLinks(app, w)
    const texts = [SCRIPT, ...FORMULAS]
    for (const [i, text] of texts.entries()) {
      const res = await app.inject({
        method: 'POST',
        url: `/api/ballots/${tokens[i]}`,
        payload: { answers: { ...allSatisfied, q9: { satisfied: false, reason: text } }, comment: text },
      })
      expect(res.statusCode, text).toBe(201)
    }
    for (const t of tokens.slice(texts.length, texts.length + 5))
      await app.inject({ method: 'POST', url: `/api/ballots/${t}`, payload: { answers: allSatisfied } })
    await landNow(app, round.id)
    // Stored as given.
    const stored = db.select().from(ballots).where(eq(ballots.roundId, round.id)).all()
    expect(stored.map((b) => b.comment)).toEqual(expect.arrayContaining(texts.map((t) => t.trim())))
    // The inbox returns it as JSON data (once the round has closed).
    expect((await app.inject({ method: 'POST', url: `/api/rounds/${round.id}/close`, headers: w.auth.xa, payload: {} })).statusCode).toBe(
      200,
    )
    const fb = await app.inject({ method: 'GET', url: `/api/rounds/${round.id}/feedback?limit=100`, headers: w.auth.xa })
    expect(fb.statusCode).toBe(200)
    expect(fb.headers['content-type']).toMatch(/^application\/json/)
    expect((fb.json() as { items: { text: string }[] }).items.map((i) => i.text)).toContain(SCRIPT)

    for (const step of ['seal'])
      expect(
        (await app.inject({ method: 'POST', url: `/api/rounds/${round.id}/${step}`, headers: w.auth.xa, payload: {} })).statusCode,
      ).toBe(200)

    const csv = await app.inject({ method: 'GET', url: `/api/rounds/${round.id}/export.csv`, headers: w.auth.xa })
    expect(csv.statusCode).toBe(200)
    const cells = parseCsv(csv.body.replace(/^\uFEFF/, '')).flat()
    for (const f of FORMULAS) expect(cells, f).toContain(`'${f.trim()}`)
    expect(cells.filter((c) => /^[=+\-@\t\r]/.test(c))).toEqual([])

    const xlsx = await app.inject({ method: 'GET', url: `/api/rounds/${round.id}/export.xlsx`, headers: w.auth.xa })
    expect(xlsx.statusCode).toBe(200)
    const wb = new ExcelJS.Workbook()
    await wb.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer)
    const values: unknown[] = []
    wb.eachSheet((ws) =>
      ws.eachRow((row) =>
        row.eachCell((c) => {
          values.push(c.value)
          expect(c.type, `formula cell in ${ws.name}`).not.toBe(ExcelJS.ValueType.Formula)
        }),
      ),
    )
    const strings = values.filter((v): v is string => typeof v === 'string')
    expect(strings.filter((s) => /^[=+\-@\t\r]/.test(s))).toEqual([])

    const pdf = await app.inject({ method: 'GET', url: `/api/rounds/${round.id}/minutes.pdf`, headers: w.auth.xa })
    expect(pdf.statusCode).toBe(200)
    const raw = pdf.rawPayload.toString('latin1')
    expect(raw).not.toMatch(/\/(JavaScript|JS|Launch|OpenAction|AA)\b/)
    expect(await pdfText(pdf.rawPayload)).toContain('<script>alert("xss")</script>')

    const page = await app.inject({ method: 'GET', url: `/v/${round.id}` })
    expect(page.statusCode).toBe(200)
    expect(page.body).not.toContain('<script>alert')
    expect(page.body).not.toContain('onerror=')
    const pub = await app.inject({ method: 'GET', url: `/api/public/rounds/${round.id}` })
    expect(pub.body).not.toContain('alert(')
  })
})
