import { createTestDb, seedData, units } from '@app/db'
import { buildApp } from '@app/server'
import { fixedClock } from '@app/server/lib/clock.ts'
import { seedDemo } from '@app/server/seed.ts'
import { seedDemoRounds } from '@app/server/seed-rounds.ts'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loginAs } from '../helpers/build-test-app.js'
import { pdfText } from '../helpers/pdf-text.js'
import { testConfig } from '../helpers/test-config.js'

/**
 * The demo as of 2026 (two-level government, QĐ 51/2025): nothing a 2026 round shows or prints names a
 * district or a unit abolished on 01/07/2025, and rounds from 15/02/2026 get the QĐ 51/2025 form, criteria
 * and rule set by default. The sealed March 2025 round keeps its old commune, huyện Thới Bình and QĐ 318.
 */
const NOW = '2026-03-10T08:00:00+07:00'
const QD51_FROM = '2026-02-15'

let app: FastifyInstance
let all: (typeof units.$inferSelect)[]
let summary: Awaited<ReturnType<typeof seedDemoRounds>>
let tinh: Record<string, string>
let xa: Record<string, string>
/** Names only abolished units carry (a merged commune may keep an old commune's name: that one is current). */
let abolished: string[]

// one seeded demo for the whole file: seeding takes seconds
const db = createTestDb()
beforeAll(async () => {
  app = await buildApp({ config: testConfig(), db, clock: fixedClock(NOW), logger: false })
  await app.ready()
  await seedDemo(app.db, app.services)
  summary = await seedDemoRounds(app.db, app.services, { now: new Date(NOW) })
  all = db.select().from(units).all()
  const current = new Set(all.filter((u) => u.validTo === null).map((u) => u.name))
  abolished = [...new Set(all.filter((u) => u.validTo !== null && !current.has(u.name)).map((u) => u.name))]
  tinh = await loginAs(app, 'mttq.tinh', seedData.DEMO_PASSWORD)
  xa = await loginAs(app, 'mttq.xa', seedData.DEMO_PASSWORD)
}, 180_000)
afterAll(async () => {
  await app.close()
  db.$client.close()
})

const byId = (id: string | null) => all.find((u) => u.id === id)
const ancestors = (id: string) => {
  const out = []
  for (let u = byId(id); u; u = byId(u.parentId)) out.push(u)
  return out
}
/** Every way a 2026 text could name the old tree. */
function expectNoOldUnit(text: string, what: string) {
  expect(text, what).not.toMatch(/huyện|HUYỆN|Huyện/)
  for (const name of abolished) expect(text, `${what}: ${name}`).not.toContain(name)
}

describe('demo data in 2026', () => {
  it('knows which names are gone: the merged-away communes and provinces', () => {
    expect(abolished.sort()).toEqual(
      ['Bạc Liêu', 'Bến Tre', 'Biển Bạch Đông', 'Trà Vinh', 'Trí Lực', 'Tân Bằng', 'Tân Lộc Bắc', 'Tân Lộc Đông', 'Tân Phú'].sort(),
    )
  })

  it('runs every 2026 round in a current commune directly under its province, under QĐ 51/2025 at xã NTM', async () => {
    const r2026 = summary.rounds.filter((r) => r.status !== 'sealed')
    expect(r2026).toHaveLength(3)
    const templates = (await app.inject({ method: 'GET', url: '/api/questionnaire-templates', headers: tinh })).json().items as {
      id: string
      code: string
    }[]
    for (const s of r2026) {
      const r = (await app.inject({ method: 'GET', url: `/api/rounds/${s.roundId}`, headers: tinh })).json()
      expect(r.opensAt.slice(0, 10) >= QD51_FROM, r.title).toBe(true)
      expect(r.level).toBe('xa_ntm')
      expect(r.legalBasis).toContain('51/2025')
      expect(r.ruleSet.code).toBe('QD51_XA_NTM')
      expect(templates.find((t) => t.id === r.templateId)?.code).toBe('QD51_XA_NTM')
      const chain = ancestors(r.communeId)
      expect(chain.map((u) => u.kind)).toEqual(['commune', 'province'])
      for (const u of chain) expect(u.validTo, u.name).toBeNull()
      expectNoOldUnit(`${r.title} ${r.communeName} ${r.questions.map((q: { text: string }) => q.text).join(' ')}`, r.title)
    }
  })

  it('keeps the sealed 2025 round under the old commune, huyện Thới Bình and QĐ 318/2022', async () => {
    const s = summary.rounds.find((r) => r.status === 'sealed')!
    const r = (await app.inject({ method: 'GET', url: `/api/rounds/${s.roundId}`, headers: tinh })).json()
    expect(r.opensAt.slice(0, 10) < seedData.FIRST_DAY_OF_REFORM).toBe(true)
    expect(r.sealedAt.slice(0, 7)).toBe('2025-03')
    expect(r.legalBasis).toContain('318')
    expect(r.ruleSet.code).toBe('HD90_XA_NTM')
    expect(ancestors(r.communeId).map((u) => `${u.kind}:${u.name}`)).toEqual(['commune:Biển Bạch', 'district:Thới Bình', 'province:Cà Mau'])
    // its minutes name the district it was in then: the same check as below does see a district when there is one
    const minutes = await app.inject({ method: 'GET', url: `/api/rounds/${s.roundId}/minutes.pdf`, headers: tinh })
    expect(minutes.statusCode).toBe(200)
    const text = (await pdfText(minutes.rawPayload, 'demo-2025-minutes')).replace(/\s+/g, ' ')
    expect(text).toContain('huyện Thới Bình')
    expect(text).toContain('năm 2025')
  }, 120_000)

  it('prints no district and no abolished unit in the documents of a 2026 round (minutes, notices, public page)', async () => {
    const s = summary.rounds.find((r) => r.status === 'open' && r.commune === 'Biển Bạch')!
    expect((await app.inject({ method: 'POST', url: `/api/rounds/${s.roundId}/close`, headers: tinh, payload: {} })).statusCode).toBe(200)
    expect((await app.inject({ method: 'POST', url: `/api/rounds/${s.roundId}/seal`, headers: tinh })).statusCode).toBe(200)
    const minutes = await app.inject({ method: 'GET', url: `/api/rounds/${s.roundId}/minutes.pdf`, headers: tinh })
    expect(minutes.statusCode).toBe(200)
    const minutesText = (await pdfText(minutes.rawPayload, 'demo-2026-minutes')).replace(/\s+/g, ' ')
    expect(minutesText).toContain('xã Biển Bạch, tỉnh Cà Mau')
    expect(minutesText).toContain('51/2025')
    expectNoOldUnit(minutesText, 'minutes')
    const notices = await app.inject({ method: 'GET', url: `/api/rounds/${s.roundId}/notices.pdf`, headers: tinh })
    expect(notices.statusCode).toBe(200)
    expectNoOldUnit((await pdfText(notices.rawPayload, 'demo-2026-notices')).replace(/\s+/g, ' '), 'notices')
    for (const url of [`/api/public/rounds/${s.roundId}`, `/v/${s.roundId}`]) {
      const res = await app.inject({ method: 'GET', url })
      expect(res.statusCode, url).toBe(200)
      expectNoOldUnit(res.body, url)
    }
  }, 120_000)
})

describe('round defaults and periods (two-level government, QĐ 51/2025 from 15/02/2026)', () => {
  const commune = (name: string, old = false) =>
    all.find((u) => u.kind === 'commune' && u.name === name && (old ? u.validTo !== null : u.validTo === null))!
  const code = async (templateId: string) =>
    (
      (await app.inject({ method: 'GET', url: '/api/questionnaire-templates', headers: tinh })).json().items as {
        id: string
        code: string
      }[]
    ).find((t) => t.id === templateId)?.code
  const templateId = async (c: string) =>
    (
      (await app.inject({ method: 'GET', url: '/api/questionnaire-templates', headers: tinh })).json().items as {
        id: string
        code: string
      }[]
    ).find((t) => t.code === c)?.id
  const ruleSetId = async (c: string) =>
    ((await app.inject({ method: 'GET', url: '/api/rule-sets', headers: tinh })).json().items as { id: string; code: string }[]).find(
      (t) => t.code === c,
    )?.id
  const post = (payload: Record<string, unknown>, headers = xa) => app.inject({ method: 'POST', url: '/api/rounds', headers, payload })

  it('a round from 15/02/2026 with no form or rules gets the QĐ 51/2025 form, criteria and rule set', async () => {
    const res = await post({
      communeId: commune('Biển Bạch').id,
      level: 'xa_ntm',
      opensAt: '2026-02-15T00:00:00+07:00',
      closesAt: '2026-02-28T23:59:00+07:00',
    })
    expect(res.statusCode, res.body).toBe(201)
    const r = res.json()
    expect(await code(r.templateId)).toBe('QD51_XA_NTM')
    expect(r.legalBasis).toContain('51/2025')
    expect(r.ruleSet).toMatchObject({ code: 'QD51_XA_NTM', legalBasis: { number: '51/2025/QĐ-TTg' } })
    expect(r.title).toBe('Lấy ý kiến sự hài lòng của người dân — Xã nông thôn mới — xã Biển Bạch')
  })

  it('a round before 15/02/2026 gets the 2021–2025 form and rule set (HD 90, QĐ 318)', async () => {
    const res = await post(
      {
        communeId: commune('Biển Bạch', true).id,
        level: 'xa_ntm',
        opensAt: '2025-05-05T00:00:00+07:00',
        closesAt: '2025-05-16T23:59:00+07:00',
      },
      tinh,
    )
    expect(res.statusCode, res.body).toBe(201)
    expect(await code(res.json().templateId)).toBe('HD90_9Q')
    expect(res.json().legalBasis).toContain('318')
    expect(res.json().ruleSet.code).toBe('HD90_XA_NTM')
  })

  it('refuses a 2021–2025 form or rule set for a 2026 round (422), unless the round is historical', async () => {
    const base = {
      communeId: commune('Trí Phải').id,
      level: 'xa_ntm',
      opensAt: '2026-04-01T00:00:00+07:00',
      closesAt: '2026-04-10T23:59:00+07:00',
    }
    const hd90 = await templateId('HD90_9Q')
    const form = await post({ ...base, templateId: hd90 }, tinh)
    expect(form.statusCode).toBe(422)
    expect(form.json().error).toMatchObject({ code: 'template_out_of_period' })
    expect(form.json().error.message).toContain('20/09/2022')
    const rules = await post({ ...base, ruleSetId: await ruleSetId('HD90_XA_NTM') }, tinh)
    expect(rules.statusCode).toBe(422)
    expect(rules.json().error).toMatchObject({ code: 'rule_set_out_of_period' })
    // a 2021–2025 dossier finished in 2026 is run under the rules of its period, said explicitly
    const historical = await post({ ...base, templateId: hd90, ruleSetId: await ruleSetId('HD90_XA_NTM'), historical: true }, tinh)
    expect(historical.statusCode, historical.body).toBe(201)
    expect(historical.json().legalBasis).toContain('318')
    // and the QĐ 51 form is not for 2025
    const early = await post(
      {
        communeId: commune('Biển Bạch', true).id,
        level: 'xa_ntm',
        templateId: await templateId('QD51_XA_NTM'),
        opensAt: '2025-05-05T00:00:00+07:00',
        closesAt: '2025-05-16T23:59:00+07:00',
      },
      tinh,
    )
    expect(early.json().error).toMatchObject({ code: 'template_out_of_period' })
  })

  it('holds an edit of a draft to the same periods: moving a 2026 draft to 2025 or giving it the 2021–2025 form is refused', async () => {
    const created = await post({
      communeId: commune('Biển Bạch').id,
      level: 'xa_ntm',
      opensAt: '2026-05-04T00:00:00+07:00',
      closesAt: '2026-05-15T23:59:00+07:00',
    })
    expect(created.statusCode, created.body).toBe(201)
    const patch = (payload: Record<string, unknown>) =>
      app.inject({ method: 'PATCH', url: `/api/rounds/${created.json().id}`, headers: xa, payload })
    const form = await patch({ templateId: await templateId('HD90_9Q') })
    expect(form.json().error).toMatchObject({ code: 'template_out_of_period' })
    const back = await patch({ opensAt: '2025-05-05T00:00:00+07:00', closesAt: '2025-05-16T23:59:00+07:00' })
    expect(back.statusCode).toBe(422)
    expect(back.json().error).toMatchObject({ code: 'unit_not_in_force' })
    const later = await patch({ opensAt: '2026-06-01T00:00:00+07:00', closesAt: '2026-06-12T23:59:00+07:00' })
    expect(later.statusCode, later.body).toBe(200)
    expect(later.json().ruleSet.code).toBe('QD51_XA_NTM')
  })

  it('refuses a round in a commune that does not exist on its days (merged away, or not yet formed)', async () => {
    const gone = await post(
      {
        communeId: commune('Tân Bằng', true).id,
        level: 'xa_ntm',
        opensAt: '2026-04-01T00:00:00+07:00',
        closesAt: '2026-04-10T23:59:00+07:00',
      },
      tinh,
    )
    expect(gone.statusCode).toBe(422)
    expect(gone.json().error).toMatchObject({ code: 'unit_not_in_force' })
    expect(gone.json().error.message).toContain('30/06/2025')
    const notYet = await post({
      communeId: commune('Biển Bạch').id,
      level: 'xa_ntm',
      opensAt: '2025-05-05T00:00:00+07:00',
      closesAt: '2025-05-16T23:59:00+07:00',
    })
    expect(notYet.json().error).toMatchObject({ code: 'unit_not_in_force' })
  })

  it('offers no nâng cao or kiểu mẫu form for 2026 rounds', async () => {
    for (const level of ['xa_ntm_nang_cao', 'xa_ntm_kieu_mau']) {
      const res = await post(
        { communeId: commune('Trí Phải').id, level, opensAt: '2026-04-01T00:00:00+07:00', closesAt: '2026-04-10T23:59:00+07:00' },
        tinh,
      )
      expect(res.statusCode, level).toBe(422)
      expect(res.json().error).toMatchObject({ code: 'no_template_for_period' })
    }
  })
})
