import { describe, expect, it } from 'vitest'
import { buildTestApp } from '../helpers/build-test-app.js'
import { allSatisfied, makeWorld, openRoundWithLinks } from '../helpers/rounds.js'

/** The door-to-door list ("Hộ chưa tham gia") on screen and as files for the collecting teams. */
async function setup() {
  const { app, db } = await buildTestApp()
  const w = await makeWorld(app, db, { perVillage: 3 })
  const { round, tokens, links } = await openRoundWithLinks(app, w)
  const v1 = w.villages[0]?.id as string
  // one household of village 1 answers: it leaves the list
  const first = links.findIndex((l) => l.villageId === v1)
  const sent = await app.inject({ method: 'POST', url: `/api/ballots/${tokens[first]}`, payload: { answers: allSatisfied } })
  expect(sent.statusCode).toBe(201)
  return { app, w, round, v1 }
}

describe('GET /api/rounds/:id/households?status=pending', () => {
  it('gives Front staff the address and phone of each household not yet reached', async () => {
    const { app, w, round, v1 } = await setup()
    const res = await app.inject({ url: `/api/rounds/${round.id}/households?villageId=${v1}&status=pending`, headers: w.auth.xa })
    expect(res.statusCode).toBe(200)
    expect(res.json().total).toBe(2)
    for (const h of res.json().items) {
      expect(h.address).toMatch(/^Số \d$/)
      expect(h.phone).toMatch(/^8490\d{7}$/)
    }
  })

  it('gives an assigned collector the names only (no phone, no address)', async () => {
    const { app, w, round, v1 } = await setup()
    const assign = await app.inject({
      method: 'PUT',
      url: `/api/rounds/${round.id}/collectors/${w.collector.id}`,
      headers: w.auth.xa,
      payload: { villageIds: [v1] },
    })
    expect(assign.statusCode).toBe(200)
    const res = await app.inject({ url: `/api/rounds/${round.id}/households?villageId=${v1}&status=pending`, headers: w.auth.thuky })
    expect(res.statusCode).toBe(200)
    for (const h of res.json().items) {
      expect(h.headName).toMatch(/Chủ Hộ Thử/)
      expect(h).not.toHaveProperty('phone')
      expect(h).not.toHaveProperty('address')
    }
  })
})

describe('GET /api/rounds/:id/households/pending.csv|.xlsx', () => {
  it('exports the village list as CSV with Vietnamese headers, BOM, contacts for staff', async () => {
    const { app, w, round, v1 } = await setup()
    const res = await app.inject({
      url: `/api/rounds/${round.id}/households/pending.csv?villageId=${v1}&delimiter=semicolon`,
      headers: w.auth.xa,
    })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8')
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="chua-tham-gia-[A-Za-z0-9_-]+\.csv"$/)
    const lines = res.body
      .replace(/^\uFEFF/, '')
      .trimEnd()
      .split('\r\n')
    expect(lines[0]).toBe('STT;Mã hộ;Chủ hộ;Địa chỉ;Số điện thoại;Phiếu mời;Ngày đến;Ghi chú')
    expect(lines).toHaveLength(3)
    expect(lines[1]).toMatch(/^1;H\d{4};Chủ Hộ Thử \d;Số \d;0\d{3} \d{3} \d{3};(Đã gửi|Chưa);;$/)
  })

  it('exports XLSX (a ZIP) and refuses another commune and the council', async () => {
    const { app, w, round, v1 } = await setup()
    const res = await app.inject({ url: `/api/rounds/${round.id}/households/pending.xlsx?villageId=${v1}`, headers: w.auth.xa })
    expect(res.statusCode).toBe(200)
    expect(res.rawPayload.subarray(0, 2).toString()).toBe('PK')
    for (const who of [w.auth.khac, w.auth.hoidong]) {
      const denied = await app.inject({ url: `/api/rounds/${round.id}/households/pending.csv?villageId=${v1}`, headers: who })
      expect(denied.statusCode).toBe(404)
    }
  })
})
