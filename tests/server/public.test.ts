import { rounds, units } from '@app/db'
import { eq } from 'drizzle-orm'
import type { FastifyInstance } from 'fastify'
import { describe, expect, it } from 'vitest'
import { buildTestApp } from '../helpers/build-test-app.js'
import { allSatisfied, makeWorld, openRoundWithLinks, type World } from '../helpers/rounds.js'

/** Village 1: all 5 households answer; village 2: 3 of 5 (fewer than 5 → suppressed publicly). */
async function roundWithSmallVillage(app: FastifyInstance, w: World) {
  const { round, links, tokens } = await openRoundWithLinks(app, w)
  let inV2 = 0
  for (let i = 0; i < links.length; i++) {
    if (links[i]?.villageId === w.villages[1]?.id && ++inV2 > 3) continue
    const payload =
      i === 0
        ? { answers: { ...allSatisfied, q9: { satisfied: false, reason: 'Bí mật riêng của hộ' } }, comment: 'Ý kiến riêng tư' }
        : { answers: allSatisfied }
    expect((await app.inject({ method: 'POST', url: `/api/ballots/${tokens[i]}`, payload })).statusCode).toBe(201)
  }
  return round
}

async function seal(app: FastifyInstance, w: World, id: string) {
  await app.inject({ method: 'POST', url: `/api/rounds/${id}/close`, headers: w.auth.xa, payload: {} })
  expect((await app.inject({ method: 'POST', url: `/api/rounds/${id}/seal`, headers: w.auth.xa })).statusCode).toBe(200)
}

describe('GET /api/public/rounds/:id', () => {
  it('shows sealed totals and the ledger root without login; villages under 5 ballots are suppressed with a complement; never free text', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    const round = await roundWithSmallVillage(app, w)
    const before = await app.inject({ method: 'GET', url: `/api/public/rounds/${round.id}` })
    expect(before.statusCode).toBe(404)
    expect(before.json().error.code).toBe('not_found')
    await seal(app, w, round.id)
    const res = await app.inject({ method: 'GET', url: `/api/public/rounds/${round.id}` })
    expect(res.statusCode).toBe(200)
    const p = res.json()
    expect(p).toMatchObject({
      roundId: round.id,
      communeName: 'Xã Thử',
      level: 'xa_ntm',
      levelName: 'Xã nông thôn mới',
      thresholdBp: 9000,
      commune: {
        households: 10,
        participated: 8,
        valid: 8,
        satisfied: 7,
        notSatisfied: 1,
        suppressed: false,
        verdict: 'insufficient_coverage',
      },
      ledgerRootHash: (await app.services.tally.sealedRecord(round.id))?.ledgerRootHash,
    })
    expect(p.commune.rate).toBeCloseTo(7 / 8, 10)
    // Ấp 1 (5 ballots) is withheld too: the commune's 8 minus its 5 would give Ấp 2's 3 back
    expect(p.villages[0]).toMatchObject({ name: 'Ấp 1', suppressed: true, valid: null, satisfied: null, rate: null })
    expect(p.minCell).toBe(5)
    expect(p.villages[1]).toEqual({
      unitId: w.villages[1]?.id,
      name: 'Ấp 2',
      households: 5,
      suppressed: true,
      participated: null,
      valid: null,
      satisfied: null,
      notSatisfied: null,
      coverage: null,
      rate: null,
      verdict: 'insufficient_coverage',
    })
    expect(res.body).not.toContain('Bí mật')
    expect(res.body).not.toContain('riêng tư')
    expect((await app.inject({ method: 'GET', url: '/api/public/rounds/nope' })).statusCode).toBe(404)
  })
})

describe('GET /v/:roundId', () => {
  it('renders a Vietnamese, mobile-friendly page with everything escaped', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    const round = await roundWithSmallVillage(app, w)
    await seal(app, w, round.id)
    db.update(units).set({ name: '<script>alert("x")</script>' }).where(eq(units.id, w.commune.id)).run()
    db.update(rounds).set({ title: 'Đợt <b>1</b> & "thử"' }).where(eq(rounds.id, round.id)).run()
    const res = await app.inject({ method: 'GET', url: `/v/${round.id}` })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8')
    const html = res.body
    expect(html).toContain('<html lang="vi">')
    expect(html).toContain('name="viewport"')
    expect(html).not.toContain('<script')
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;')
    expect(html).toContain('Đợt &lt;b&gt;1&lt;/b&gt; &amp; &quot;thử&quot;')
    expect(html).toContain((await app.services.tally.sealedRecord(round.id))?.ledgerRootHash)
    expect(html).toContain('dưới 5 phiếu hoặc gộp để bảo vệ bí mật phiếu')
    expect(html).toContain('87,50 %')
    expect(html).not.toContain('Bí mật')
    const missing = await app.inject({ method: 'GET', url: '/v/unknown-round' })
    expect(missing.statusCode).toBe(404)
    expect(missing.headers['content-type']).toBe('text/html; charset=utf-8')
    expect(missing.body).toContain('Không tìm thấy kết quả')
  })

  it('is the address the minutes QR code points to', async () => {
    const { app, db } = await buildTestApp({ env: { PUBLIC_BASE_URL: 'https://hailong.example.vn' } })
    const w = await makeWorld(app, db)
    const round = await roundWithSmallVillage(app, w)
    expect(app.services.reports.verifyUrl(round.id)).toBe(`https://hailong.example.vn/v/${round.id}`)
  })
})
