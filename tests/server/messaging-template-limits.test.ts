/**
 * Template parameter limits come from Zalo's template-info API (the fake serves it), not from our hard-coded ones:
 * a round title registered as a 30-character param is cut to 30 instead of halting the round with -1121.
 */
import { describe, expect, it } from 'vitest'
import { buildTestApp, loginAs } from '../helpers/build-test-app.js'
import { makeCommune, makeUser } from '../helpers/factories.js'
import { createRound, makeTemplate } from '../helpers/rounds.js'
import { openRoundWithZalo, outboxRows, startMessaging, waitFor } from './messaging-harness.js'

const PARAMS_30 = [
  { name: 'customer_name', require: true, type: 'STRING', maxLength: 30 },
  { name: 'round_name', require: false, type: 'STRING', maxLength: 30 },
  { name: 'survey_url', require: true, type: 'URL', maxLength: 200 },
] as const

describe('ZNS template limits from /template/info/v2', () => {
  it('a 30-character round_name: long titles are cut to fit, the round sends; the limits are read once for the round', async () => {
    const m = await startMessaging({ perVillage: 1 })
    m.fake.control.setTemplate('231677', {
      params: [
        { name: 'customer_name', require: true, type: 'STRING', maxLength: 30 },
        { name: 'round_name', require: false, type: 'STRING', maxLength: 30 },
        { name: 'survey_url', require: true, type: 'URL', maxLength: 200 },
      ],
    })
    const title = 'Lấy ý kiến sự hài lòng của người dân về xây dựng nông thôn mới nâng cao'
    await openRoundWithZalo(m, 'zalo', { title })
    await m.runtime().worker.start()
    await waitFor(() => outboxRows(m).every((r) => r.status === 'sent'), 5_000, 'all sent')
    const sent = m.fake.control.messages()
    expect(sent.length).toBeGreaterThan(0)
    for (const s of sent) {
      const name = String(s.templateData.round_name)
      expect([...name].length).toBeLessThanOrEqual(30)
      expect(name.endsWith('…')).toBe(true)
    }
    expect(m.fake.control.requests({ path: '/template/info/v2' })).toHaveLength(1)
  })
})

describe('round titles against the template limit (wizard and server)', () => {
  it('while Zalo is connected: the limit read from Zalo is served to the wizard and a longer title is 422', async () => {
    const m = await startMessaging({ perVillage: 1 })
    m.fake.control.setTemplate('231677', { params: [...PARAMS_30] })
    const auth = m.world.auth.xa!
    // before the sender has a token pair, Zalo is not connected: nothing to check against
    expect((await m.app.inject({ url: '/api/zalo/template-limits', headers: auth })).json()).toEqual({
      connected: false,
      roundTitleMax: null,
      source: null,
    })
    const rt = m.runtime()
    await rt.limits?.refresh() // what the start-up does once the token keeper ran
    expect((await m.app.inject({ url: '/api/zalo/template-limits', headers: auth })).json()).toEqual({
      connected: true,
      roundTitleMax: 30,
      source: 'zalo',
    })

    const body = {
      communeId: m.world.commune.id,
      level: 'xa_ntm',
      templateId: m.world.template.id,
      opensAt: '2025-06-01T00:00:00Z',
      closesAt: '2025-06-20T00:00:00Z',
    }
    const long = 'Lấy ý kiến người dân xã Thử 2025' // 32 characters
    const refused = await m.app.inject({ method: 'POST', url: '/api/rounds', headers: auth, payload: { ...body, title: long } })
    expect(refused.statusCode).toBe(422)
    expect(refused.json().error).toMatchObject({ code: 'title_too_long_for_zalo', details: { max: 30, length: 32 } })
    expect(refused.json().error.message).toMatch(/tối đa 30 ký tự/)
    // counted as Zalo counts: NFC code points, white space runs as one (NFD input of 30 letters fits)
    const fits = 'Lấy ý kiến người dân xã Thử 25'.normalize('NFD').replace(' ', '   ')
    const ok = await m.app.inject({ method: 'POST', url: '/api/rounds', headers: auth, payload: { ...body, title: fits } })
    expect(ok.statusCode, ok.body).toBe(201)
    const patched = await m.app.inject({ method: 'PATCH', url: `/api/rounds/${ok.json().id}`, headers: auth, payload: { title: long } })
    expect(patched.statusCode).toBe(422)
    expect(patched.json().error.code).toBe('title_too_long_for_zalo')
    // no title: the automatic one is used (and cut in the Zalo text if it must be)
    expect((await m.app.inject({ method: 'POST', url: '/api/rounds', headers: auth, payload: body })).statusCode).toBe(201)
  })

  it('with Zalo off there is no Zalo limit to meet', async () => {
    const { app, db } = await buildTestApp({ env: { ZALO_MODE: 'off' } })
    const w = makeCommune(db, { perVillage: 1 })
    await makeUser(db, { username: 'xa', role: 'front_staff', unitId: w.commune.id })
    const auth = await loginAs(app, 'xa')
    expect((await app.inject({ url: '/api/zalo/template-limits', headers: auth })).json()).toMatchObject({
      connected: false,
      roundTitleMax: null,
    })
    const round = await createRound(app, { ...w, template: makeTemplate(db), auth: { xa: auth } } as never, {
      title: 'Lấy ý kiến sự hài lòng của người dân về xây dựng nông thôn mới nâng cao năm 2025',
    })
    expect(round.id).toBeTruthy()
  })
})
