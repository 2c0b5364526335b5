import { households, units } from '@app/db'
import { eq } from 'drizzle-orm'
import type { FastifyInstance } from 'fastify'
import { describe, expect, it } from 'vitest'
import { buildTestApp } from '../helpers/build-test-app.js'
import { createRound, makeWorld, openRoundWithLinks } from '../helpers/rounds.js'

/**
 * Privacy sweep: call EVERY route of the app without a token; whatever does not
 * answer 401 is public, and no public answer may carry free text (reasons, comments, requests),
 * household identity (name, phone, code), or a count below 5 for the 3-ballot village.
 */

interface RouteDef {
  path: string
  methods: string[]
}

/** Every route with its full path, read from Fastify's route tree (printRoutes). */
export function routeTable(app: FastifyInstance): RouteDef[] {
  const out: RouteDef[] = []
  const stack: string[] = []
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^(.*?)[├└]── (.+) \(([A-Z, ]+)\)$/.exec(line)
    if (!m) continue
    const depth = Math.round((m[1] as string).length / 4)
    stack.length = depth
    // a parameter with several names in different plugins prints as ":id|:communeId": keep the first
    stack[depth] = (m[2] as string).replace(/(:[A-Za-z]+)(\|:[A-Za-z]+)+/g, '$1')
    out.push({ path: stack.join(''), methods: (m[3] as string).split(', ').filter((x) => x !== 'HEAD') })
  }
  return out
}

const SECRET_TEXT = [
  'LÝ DO BÍ MẬT VẮNG',
  'Ý KIẾN RIÊNG TƯ VẮNG',
  'LÝ DO BÍ MẬT ĐÔNG',
  'Ý KIẾN RIÊNG TƯ ĐÔNG',
  'LÝ DO VÒNG HAI',
  'Nguyễn Yêu Cầu Bí Mật',
  'ghi chú yêu cầu riêng',
]
const SMALL = 'Ấp Vắng Vẻ'
const COUNT_KEYS = ['participated', 'valid', 'satisfied', 'notSatisfied', 'link', 'paper', 'meeting', 'ballots', 'count', 'n', 'invalid']

/** Objects describing the small village must carry no count 1–4, no rate and no coverage. */
function jsonLeaks(v: unknown, smallId: string, path = '$'): string[] {
  if (Array.isArray(v)) return v.flatMap((x, i) => jsonLeaks(x, smallId, `${path}[${i}]`))
  if (!v || typeof v !== 'object') return []
  const o = v as Record<string, unknown>
  const own: string[] = []
  const isSmall = ['unitId', 'villageId', 'id'].some((k) => o[k] === smallId) || o.name === SMALL || o.villageName === SMALL
  if (isSmall) {
    for (const k of COUNT_KEYS) {
      const n = o[k]
      if (typeof n === 'number' && n > 0 && n < 5) own.push(`${path}.${k} = ${n}`)
    }
    for (const k of ['rate', 'coverage', 'interval', 'dissatisfiedShare'])
      if (o[k] !== undefined && o[k] !== null) own.push(`${path}.${k} = ${JSON.stringify(o[k])}`)
  }
  return [...own, ...Object.entries(o).flatMap(([k, x]) => jsonLeaks(x, smallId, `${path}.${k}`))]
}

/** In HTML, the table row (or the text right after) naming the small village must show no number 1–4 nor a percentage. */
function htmlLeaks(html: string): string[] {
  const out: string[] = []
  let at = html.indexOf(SMALL)
  while (at >= 0) {
    const rowStart = html.lastIndexOf('<tr', at)
    const rowEnd = html.indexOf('</tr>', at)
    const inRow = rowStart >= 0 && rowEnd > at && html.lastIndexOf('</tr>', at) < rowStart
    const chunk = inRow ? html.slice(rowStart, rowEnd) : html.slice(at, at + 200)
    const text = chunk
      .replace(/<[^>]+>/g, ' ')
      .replace(SMALL, ' ')
      .replace(/&#?\w+;/g, ' ')
    if (/(^|[^\d,.])[1-4]([^\d,.%]|$)/.test(text) || /\d\s*%/.test(text)) out.push(text.replace(/\s+/g, ' ').trim())
    at = html.indexOf(SMALL, at + SMALL.length)
  }
  return out
}

describe('privacy sweep of every public route', () => {
  it('finds no free text, no household identity and no count below 5 in any public answer', async () => {
    const { app, db } = await buildTestApp({ env: { LINK_RATE_LIMIT_PER_MIN: '100000', REQUEST_RATE_LIMIT_PER_HOUR: '100000' } })
    const w = await makeWorld(app, db, { perVillage: 20 })
    const big = w.villages[0] as { id: string }
    const small = w.villages[1] as { id: string }
    db.update(units).set({ name: 'Ấp Đông Người' }).where(eq(units.id, big.id)).run()
    db.update(units).set({ name: SMALL }).where(eq(units.id, small.id)).run()

    // Round 1, sealed: 12 ballots in the big village, 3 in the small one, with distinctive free text.
    const r1 = await openRoundWithLinks(app, w)
    const submit = async (token: string, no: boolean, reason: string, comment: string) => {
      const res = await app.inject({
        method: 'POST',
        url: `/api/ballots/${token}`,
        headers: { 'user-agent': 'Mozilla/5.0 (Linux; Android 13) Chrome/120' },
        payload: {
          answers: {
            q1: no ? { satisfied: false, reason } : { satisfied: true },
            q2: { satisfied: true },
            q9: { satisfied: !no, ...(no ? { reason } : {}) },
          },
          comment,
        },
      })
      expect(res.statusCode, res.body).toBe(201)
      return res.json().receipt as string
    }
    const receipts: string[] = []
    let bigN = 0
    let smallN = 0
    for (const [i, l] of r1.links.entries()) {
      const token = r1.tokens[i] as string
      if (l.villageId === big.id && bigN < 12)
        receipts.push(await submit(token, bigN++ % 3 === 0, `LÝ DO BÍ MẬT ĐÔNG ${bigN}`, `Ý KIẾN RIÊNG TƯ ĐÔNG ${bigN}`))
      if (l.villageId === small.id && smallN < 3)
        receipts.push(await submit(token, smallN++ < 2, `LÝ DO BÍ MẬT VẮNG ${smallN}`, `Ý KIẾN RIÊNG TƯ VẮNG ${smallN}`))
    }
    const unusedR1 = r1.tokens[r1.links.findIndex((l, i) => l.villageId === big.id && i > 30)] as string
    for (const step of ['close', 'seal']) {
      const res = await app.inject({ method: 'POST', url: `/api/rounds/${r1.round.id}/${step}`, headers: w.auth.xa, payload: {} })
      expect(res.statusCode, res.body).toBe(200)
    }

    // Round 2, open (a follow-up of the small village): one ballot with free text, one request.
    const r2round = await createRound(app, w, { purpose: 'follow_up', villageIds: [small.id], title: 'Vòng hai' })
    expect((await app.inject({ method: 'POST', url: `/api/rounds/${r2round.id}/open`, headers: w.auth.xa })).statusCode).toBe(200)
    const r2inv = await app.inject({
      method: 'POST',
      url: `/api/rounds/${r2round.id}/invitations`,
      headers: w.auth.xa,
      payload: { channel: 'print' },
    })
    const r2tokens = (r2inv.json().links as { url: string }[]).map((l) => l.url.split('/r/')[1] as string)
    receipts.push(await submit(r2tokens[0] as string, true, 'LÝ DO VÒNG HAI', 'LÝ DO VÒNG HAI bình luận'))
    const req = await app.inject({
      method: 'POST',
      url: `/api/public/communes/${w.commune.id}/requests`,
      payload: { villageId: small.id, headName: 'Nguyễn Yêu Cầu Bí Mật', phone: '0987 654 321', note: 'ghi chú yêu cầu riêng' },
    })
    expect(req.statusCode).toBe(201)

    const hh = db.select().from(households).all()
    const identity = [
      ...hh.map((h) => h.headName),
      ...hh.map((h) => h.phone as string),
      ...hh.map((h) => h.code),
      '84987654321',
      '0987654321',
    ]
    const forbidden = [...SECRET_TEXT, ...identity]

    const candidates: Record<string, string[]> = {
      token: [r2tokens[1] as string, r2tokens[0] as string, unusedR1],
      receipt: receipts,
      id: [r1.round.id, r2round.id],
      roundId: [r1.round.id, r2round.id],
      communeId: [w.commune.id],
    }
    const expand = (path: string): string[] => {
      const m = /:([A-Za-z]+)/.exec(path)
      if (!m) return [path.replace(/\*/g, 'x')]
      return (candidates[m[1] as string] ?? ['x']).flatMap((v) => expand(path.replace(m[0], encodeURIComponent(v))))
    }
    const bodies = (path: string): { payload?: string | object; headers?: Record<string, string> }[] => {
      if (path.startsWith('/api/public/communes/')) return [{ payload: { headName: 'Người Quét Thử' } }, { payload: {} }]
      if (path.startsWith('/hoi/'))
        return [{ payload: 'headName=Ng%C6%B0%E1%BB%9Di&phone=12', headers: { 'content-type': 'application/x-www-form-urlencoded' } }]
      if (path.startsWith('/api/ballots/')) return [{ payload: { answers: {} } }]
      return [{ payload: {} }]
    }

    const routes = routeTable(app)
    const publicCalls: string[] = []
    const problems: string[] = []
    for (const r of routes) {
      for (const method of r.methods) {
        for (const url of expand(r.path)) {
          for (const b of method === 'GET' ? [{}] : bodies(r.path)) {
            const res = await app.inject({
              method: method as 'GET',
              url,
              ...(b as { payload?: string | object; headers?: Record<string, string> }),
            })
            if (res.statusCode === 401) continue
            publicCalls.push(`${method} ${r.path}`)
            const body = res.body
            for (const s of forbidden) if (s && body.includes(s)) problems.push(`${method} ${url} → ${res.statusCode} contains "${s}"`)
            const type = String(res.headers['content-type'] ?? '')
            if (type.includes('json')) {
              for (const l of jsonLeaks(JSON.parse(body), small.id)) problems.push(`${method} ${url} → ${l}`)
            } else if (type.includes('html')) {
              for (const l of htmlLeaks(body)) problems.push(`${method} ${url} → small village row shows "${l}"`)
            }
          }
        }
      }
    }
    const covered = new Set(publicCalls)
    for (const must of [
      'GET /api/ballots/:token',
      'POST /api/ballots/:token',
      'GET /api/receipts/:receipt',
      'GET /api/public/rounds/:id',
      'GET /v/:roundId',
      'GET /api/public/communes/:communeId/requests',
      'POST /api/public/communes/:communeId/requests',
      'GET /hoi/:communeId',
      'POST /hoi/:communeId',
    ])
      expect(covered, `${must} was not swept`).toContain(must)
    // staff routes answer 401 without a token (they were skipped above, not swept)
    for (const staff of ['GET /api/rounds/:id/tally', 'GET /api/rounds/:id/integrity', 'GET /api/rounds/:id/requests'])
      expect(covered).not.toContain(staff)
    expect(problems).toEqual([])
    // sanity: the sweep did see the small village, withheld, on the verify page and its JSON
    const page = await app.inject({ method: 'GET', url: `/v/${r1.round.id}` })
    expect(page.body).toContain(SMALL)
    const pub = (await app.inject({ method: 'GET', url: `/api/public/rounds/${r1.round.id}` })).json()
    expect(pub.villages.find((v: { unitId: string }) => v.unitId === small.id)).toMatchObject({ suppressed: true, valid: null })
    // the only other village is its complement: the commune's 15 minus its 12 would give the small one's 3 back
    expect(pub.villages.find((v: { unitId: string }) => v.unitId === big.id)).toMatchObject({ suppressed: true, valid: null })
  })

  it('the checks themselves catch a leak (a JSON count of 3, a percentage in the HTML row, a name)', () => {
    expect(jsonLeaks({ villages: [{ unitId: 'v', valid: 3, rate: 0.66 }] }, 'v')).toEqual([
      '$.villages[0].valid = 3',
      '$.villages[0].rate = 0.66',
    ])
    expect(jsonLeaks({ villages: [{ unitId: 'v', valid: null, households: 20, suppressed: true }] }, 'v')).toEqual([])
    expect(htmlLeaks(`<tr><th>${SMALL}</th><td>20</td><td>3</td><td>66,67 %</td></tr>`)).toHaveLength(1)
    expect(htmlLeaks(`<tr><th>${SMALL}</th><td>20</td><td colspan="4">Dưới 5 phiếu hợp lệ</td></tr>`)).toEqual([])
  })
})
