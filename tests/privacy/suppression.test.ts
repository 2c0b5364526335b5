/**
 * Small groups withheld with complementary suppression (TRUST.md §2.2), attacked as staff and council would:
 * over HTTP, from every view of a sealed round (tally, exports, PDFs, public page, feedback, follow-up,
 * overview, integrity), try to read a small village's answers directly, or as "commune minus the villages
 * shown", or through the channel column of the export for the one household staff know answered at a meeting.
 * The round lives in a real SQLite file written by the real server.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createDb, type Db, migrateDb } from '@app/db'
import { buildApp } from '@app/server'
import { fixedClock } from '@app/server/lib/clock.ts'
import ExcelJS from 'exceljs'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loginAs } from '../helpers/build-test-app.js'
import { parseCsv } from '../helpers/csv.js'
import { makeCommune, makeUser } from '../helpers/factories.js'
import { pdfPages } from '../helpers/pdf-text.js'
import { makeTemplate } from '../helpers/rounds.js'
import { testConfig } from '../helpers/test-config.js'

type Answers = Record<string, { satisfied: boolean; reason?: string }>
const yes: Answers = { q1: { satisfied: true }, q2: { satisfied: true }, q9: { satisfied: true } }
const no = (marker: string): Answers => ({
  q1: { satisfied: false, reason: `Lý do ${marker}` },
  q2: { satisfied: true },
  q9: { satisfied: false, reason: `Đánh giá chung ${marker}` },
})

/** Ballots per village: [channel, satisfied on the overall question] — Ấp 2 has 3 (one at a meeting), under the minimum of 5. */
const PLAN: [string, ('link' | 'paper' | 'meeting')[], number][] = [
  ['Ấp 1', Array(12).fill('link'), 10],
  ['Ấp 2', ['link', 'link', 'meeting'], 1],
  ['Ấp 3', Array(7).fill('paper'), 6],
  ['Ấp 4', Array(15).fill('link'), 15],
]

let dir: string
let db: Db
let app: FastifyInstance
let roundId: string
let communeId: string
let provinceId: string
const ids = new Map<string, string>()
let auth: Record<'xa' | 'tinh' | 'hoidong', { authorization: string }>

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hailong-suppression-'))
  db = createDb(join(dir, 'hailong.db'))
  migrateDb(db)
  app = await buildApp({ config: testConfig(), db, clock: fixedClock('2025-06-10T08:00:00Z'), logger: false })
  await app.ready()
  const world = makeCommune(db, { villages: 4, perVillage: 20 })
  communeId = world.commune.id
  provinceId = world.province.id
  world.villages.forEach((v) => {
    ids.set(v.name, v.id)
  })
  const template = makeTemplate(db)
  await makeUser(db, { username: 'xa', role: 'front_staff', unitId: world.commune.id })
  await makeUser(db, { username: 'tinh', role: 'front_staff', unitId: world.province.id })
  await makeUser(db, { username: 'hoidong', role: 'council', unitId: world.province.id })
  auth = { xa: await loginAs(app, 'xa'), tinh: await loginAs(app, 'tinh'), hoidong: await loginAs(app, 'hoidong') }
  const created = await app.inject({
    method: 'POST',
    url: '/api/rounds',
    headers: auth.xa,
    payload: {
      communeId,
      level: 'xa_ntm',
      templateId: template.id,
      title: 'Đợt thử bí mật',
      opensAt: '2025-06-01T00:00:00Z',
      closesAt: '2025-06-20T00:00:00Z',
    },
  })
  expect(created.statusCode, created.body).toBe(201)
  roundId = created.json().id
  expect((await app.inject({ method: 'POST', url: `/api/rounds/${roundId}/open`, headers: auth.xa })).statusCode).toBe(200)
  const round = await app.services.rounds.findById(roundId)
  if (!round) throw new Error('no round')
  await app.db.transaction(async (tx) => {
    for (const [name, channels, satisfied] of PLAN) {
      const villageId = ids.get(name) as string
      const hh = world.households.filter((h) => h.villageId === villageId)
      channels.forEach((channel, i) => {
        app.services.ballots.recordBallot(tx, {
          round,
          householdId: (hh[i] as { id: string }).id,
          villageId,
          channel,
          answers: i < satisfied ? yes : no(`${name} hộ ${i}`),
          comment: `Ý kiến riêng của ${name} hộ ${i}`,
          clientKey: null,
          contentHash: 'x',
          secondsToComplete: channel === 'link' ? 240 : null,
          fingerprint: null,
          enteredBy: null,
        })
      })
    }
  })
  expect((await app.inject({ method: 'POST', url: `/api/rounds/${roundId}/close`, headers: auth.xa, payload: {} })).statusCode).toBe(200)
  expect((await app.inject({ method: 'POST', url: `/api/rounds/${roundId}/seal`, headers: auth.xa })).statusCode).toBe(200)
})

afterAll(async () => {
  await app.close()
  db.$client.close()
  rmSync(dir, { recursive: true, force: true })
})

const SMALL = 'Ấp 2'
/** Figures that come from answers (coverage — households, participated — is public while the round is open). */
const RESULT_KEYS = ['valid', 'satisfied', 'notSatisfied', 'rate', 'interval', 'bounds', 'dissatisfiedShare']

/** Every object naming a village (by id or name) that carries a result figure for it. */
function figuresByVillage(v: unknown, out = new Map<string, Record<string, unknown>[]>()): Map<string, Record<string, unknown>[]> {
  if (Array.isArray(v)) for (const x of v) figuresByVillage(x, out)
  else if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>
    const name = [...ids.entries()].find(([n, id]) => o.unitId === id || o.villageId === id || o.name === n || o.villageName === n)?.[0]
    if (name && RESULT_KEYS.some((k) => o[k] !== undefined && o[k] !== null)) out.set(name, [...(out.get(name) ?? []), o])
    for (const x of Object.values(o)) figuresByVillage(x, out)
  }
  return out
}

const get = async (url: string, who: keyof typeof auth = 'xa') => {
  const res = await app.inject({ method: 'GET', url, headers: auth[who] })
  expect(res.statusCode, `${url}: ${res.body.slice(0, 300)}`).toBe(200)
  return res
}

describe('a sealed round with a village of 3 ballots, as staff and council', () => {
  it('no JSON view gives a figure of the small village, nor of a complement that would give it back as a difference', async () => {
    const urls = [
      `/api/rounds/${roundId}/tally`,
      `/api/public/rounds/${roundId}`,
      `/api/rounds/${roundId}/feedback?limit=100`,
      `/api/rounds/${roundId}/feedback/summary`,
      `/api/rounds/${roundId}/follow-up-candidates`,
      `/api/rounds/${roundId}/integrity`,
      `/api/units/${communeId}/overview`,
      `/api/units/${provinceId}/overview`,
      `/api/units/${communeId}/trend`,
      `/api/units/${communeId}/criteria-trend`,
    ]
    for (const who of ['xa', 'tinh', 'hoidong'] as const) {
      for (const url of urls) {
        const res = await app.inject({ method: 'GET', url, headers: auth[who] })
        // a view closed to this role (the council has no feedback inbox, commune staff no province overview) shows nothing
        if (res.statusCode === 403 || (res.statusCode === 404 && who === 'xa' && url.includes(provinceId))) continue
        expect(res.statusCode, `${who} ${url}: ${res.body.slice(0, 300)}`).toBe(200)
        const body = res.json()
        const shown = figuresByVillage(body)
        expect(shown.has(SMALL), `${who} ${url} shows ${JSON.stringify(shown.get(SMALL))}`).toBe(false)
        // the complement (the next smallest, Ấp 3) is withheld too: the commune minus Ấp 1 and Ấp 4 is 10 ballots of two villages
        expect(shown.has('Ấp 3'), `${who} ${url} shows the complement`).toBe(false)
      }
      // the difference attack on the tally: commune minus every village shown
      const t = (await get(`/api/rounds/${roundId}/tally`, who)).json()
      const shownVillages = t.villages.filter((v: { satisfied: number | null }) => v.satisfied !== null)
      const rest = t.villages.filter((v: { satisfied: number | null; participated: number }) => v.satisfied === null && v.participated > 0)
      const restValid = t.commune.valid - shownVillages.reduce((a: number, v: { valid: number }) => a + v.valid, 0)
      expect(rest.length).toBeGreaterThanOrEqual(2)
      expect(restValid).toBeGreaterThanOrEqual(5)
      expect(t).toMatchObject({ suppressed: true, minCell: 5 })
      // feedback from the small village names no village
      const fb = (await get(`/api/rounds/${roundId}/feedback?limit=100`, 'xa')).json()
      const fromSmall = fb.items.filter((i: { text: string }) => i.text.includes(SMALL))
      expect(fromSmall.length).toBeGreaterThan(0)
      for (const i of fromSmall) expect(i).toMatchObject({ villageId: null, villageName: expect.stringContaining('gộp') })
    }
  })

  it('the exports merge the small village with its complement for every reader, and never name the meeting channel of its one meeting ballot', async () => {
    for (const who of ['xa', 'hoidong'] as const) {
      const csv = (await get(`/api/rounds/${roundId}/export.csv?headers=codes`, who)).rawPayload.toString('utf8')
      const rows = parseCsv(csv.slice(1)).slice(1)
      const byCode = new Map<string, string[][]>()
      for (const r of rows) byCode.set(r[1] as string, [...(byCode.get(r[1] as string) ?? []), r])
      expect([...byCode.keys()].sort()).toEqual(['*', 'XT-01', 'XT-04'])
      // the merged group: 10 ballots of two villages; no row of it says "meeting" (staff keyed that one ballot)
      expect(byCode.get('*')).toHaveLength(10)
      expect(rows.filter((r) => r[3] === 'meeting')).toEqual([])
      const wb = new ExcelJS.Workbook()
      await wb.xlsx.load((await get(`/api/rounds/${roundId}/export.xlsx`, who)).rawPayload as unknown as ArrayBuffer)
      const sum = wb.getWorksheet('Tổng hợp') as ExcelJS.Worksheet
      const rowOf = (name: string) => {
        let found: unknown[] = []
        sum.eachRow((row) => {
          const v = row.values as unknown[]
          if (v[2] === name) found = v
        })
        return found
      }
      for (const name of [SMALL, 'Ấp 3']) expect(rowOf(name).slice(5, 9)).toEqual(['—', '—', '—', '—'])
      expect(rowOf('Ấp 1').slice(5, 7)).toEqual([12, 10])
    }
  })

  it('the minutes list every village, the small one merged into one row of two villages with the totals still right; notices and the public page withhold both', async () => {
    const pages = await pdfPages((await get(`/api/rounds/${roundId}/minutes.pdf`, 'hoidong')).rawPayload, 'suppression-minutes')
    const flat = pages.join(' ').replace(/\s+/g, ' ')
    // Ấp 2 (20 households, 3 ballots, 1 satisfied) + Ấp 3 (20, 7, 6) → one row: 40 households, 10 ballots, 7 satisfied
    expect(flat).toMatch(/Gộp Ấp 2, Ấp 3 40 10 10 7 3 70,00 % 25,00 %/)
    expect(flat).toMatch(/Ấp 1 20 12 12 10 2 83,33 % 60,00 %/)
    expect(flat).toMatch(/Toàn xã 80 37 37 32 5 86,49 % 46,25 %/)
    expect(flat).not.toMatch(/Ấp 2 20 3/)
    expect(flat).not.toMatch(/Ấp 3 20 7/)
    const notices = await pdfPages((await get(`/api/rounds/${roundId}/notices.pdf`)).rawPayload, 'suppression-notices')
    const [n1, n2, n3] = notices.map((p) => p.replace(/\s+/g, ' '))
    expect(n1).toContain('Số phiếu hợp lệ 12')
    for (const p of [n2, n3]) {
      expect(p).not.toMatch(/Số phiếu hợp lệ \d/)
      expect(p).toContain('không được công bố')
    }
    const html = (await app.inject({ method: 'GET', url: `/v/${roundId}` })).body
    const rowOf = (name: string) => html.match(new RegExp(`<tr><th scope="row">${name}</th>.*?</tr>`))?.[0] ?? ''
    for (const name of [SMALL, 'Ấp 3']) {
      expect(rowOf(name)).toContain('gộp để bảo vệ bí mật phiếu')
      expect(rowOf(name)).not.toMatch(/%/)
    }
  })
})
