/**
 * A threshold or coverage floor below the level's rule (TRUST.md §2.8): only province Front staff may set
 * one, with a reason; the minutes print it. At or above the rule, commune staff set their own numbers.
 */
import { auditLog } from '@app/db'
import { and, eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { buildTestApp } from '../helpers/build-test-app.js'
import { pdfText } from '../helpers/pdf-text.js'
import { allSatisfied, createRound, makeWorld } from '../helpers/rounds.js'

const base = (w: { commune: { id: string }; template: { id: string } }) => ({
  communeId: w.commune.id,
  level: 'xa_ntm',
  templateId: w.template.id,
  opensAt: '2025-06-01T00:00:00Z',
  closesAt: '2025-06-15T00:00:00Z',
})

describe('threshold and coverage below the level rule', () => {
  it('commune staff: 403 rule_below_level on create and on edit; at or above the rule is theirs to set', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    for (const low of [{ thresholdBp: 8999 }, { coverageBp: 6999 }, { thresholdBp: 0, coverageBp: 0 }]) {
      const res = await app.inject({ method: 'POST', url: '/api/rounds', headers: w.auth.xa, payload: { ...base(w), ...low } })
      expect(res.statusCode, JSON.stringify(low)).toBe(403)
      expect(res.json().error.code).toBe('rule_below_level')
      expect(res.json().error.message).toMatch(/tỉnh/)
    }
    // a reason does not make it theirs
    const withReason = await app.inject({
      method: 'POST',
      url: '/api/rounds',
      headers: w.auth.xa,
      payload: { ...base(w), thresholdBp: 8000, ruleOverrideReason: 'Xã đề nghị' },
    })
    expect(withReason.json().error.code).toBe('rule_below_level')
    const draft = await createRound(app, w, { thresholdBp: 9500, coverageBp: 7000 })
    const patch = await app.inject({ method: 'PATCH', url: `/api/rounds/${draft.id}`, headers: w.auth.xa, payload: { coverageBp: 0 } })
    expect(patch.statusCode).toBe(403)
    expect(patch.json().error.code).toBe('rule_below_level')
    const title = await app.inject({ method: 'PATCH', url: `/api/rounds/${draft.id}`, headers: w.auth.xa, payload: { title: 'Tên mới' } })
    expect(title.statusCode).toBe(200)
    expect(await app.services.rounds.findById(draft.id)).toMatchObject({ thresholdBp: 9500, coverageBp: 7000 })
  })

  it('province staff: 422 reason_required without a reason; with one it is accepted and recorded', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    const bare = await app.inject({ method: 'POST', url: '/api/rounds', headers: w.auth.tinh, payload: { ...base(w), coverageBp: 5000 } })
    expect(bare.statusCode).toBe(422)
    expect(bare.json().error.code).toBe('reason_required')
    const ok = await app.inject({
      method: 'POST',
      url: '/api/rounds',
      headers: w.auth.tinh,
      payload: { ...base(w), thresholdBp: 8500, coverageBp: 5000, ruleOverrideReason: 'Xã vùng lũ, nhiều hộ đi làm ăn xa' },
    })
    expect(ok.statusCode, ok.body).toBe(201)
    expect(ok.json()).toMatchObject({ thresholdBp: 8500, coverageBp: 5000 })
    const log = db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'round.rule_override'), eq(auditLog.targetId, ok.json().id)))
      .all()
    expect(log).toHaveLength(1)
    expect(log[0]?.reason).toBe('Xã vùng lũ, nhiều hộ đi làm ăn xa')
    expect(JSON.parse(log[0]?.data ?? '{}')).toMatchObject({
      thresholdBp: 8500,
      coverageBp: 5000,
      levelThresholdBp: 9000,
      levelCoverageBp: 7000,
    })
    // editing a draft below the rule: the province again, with a reason
    const bad = await app.inject({
      method: 'PATCH',
      url: `/api/rounds/${ok.json().id}`,
      headers: w.auth.tinh,
      payload: { coverageBp: 4000 },
    })
    expect(bad.statusCode).toBe(422)
    expect(bad.json().error.code).toBe('reason_required')
  })

  it('the minutes print the lower numbers, the level rule, who set them and why, and the actual (early) close time', async () => {
    const { app, db } = await buildTestApp()
    const w = await makeWorld(app, db)
    const created = await app.inject({
      method: 'POST',
      url: '/api/rounds',
      headers: w.auth.tinh,
      payload: { ...base(w), coverageBp: 2000, ruleOverrideReason: 'Mùa nước nổi, hộ đi vắng nhiều' },
    })
    const id = created.json().id as string
    expect((await app.inject({ method: 'POST', url: `/api/rounds/${id}/open`, headers: w.auth.xa })).statusCode).toBe(200)
    const inv = await app.inject({
      method: 'POST',
      url: `/api/rounds/${id}/invitations`,
      headers: w.auth.xa,
      payload: { channel: 'print' },
    })
    for (const l of (inv.json().links as { url: string }[]).slice(0, 3))
      await app.inject({ method: 'POST', url: `/api/ballots/${l.url.split('/r/')[1]}`, payload: { answers: allSatisfied } })
    await app.inject({ method: 'POST', url: `/api/rounds/${id}/close`, headers: w.auth.xa, payload: {} })
    expect((await app.inject({ method: 'POST', url: `/api/rounds/${id}/seal`, headers: w.auth.xa })).statusCode).toBe(200)
    const pdf = await app.inject({ method: 'GET', url: `/api/rounds/${id}/minutes.pdf`, headers: w.auth.xa })
    expect(pdf.statusCode).toBe(200)
    const text = (await pdfText(pdf.rawPayload)).replace(/\s+/g, ' ')
    expect(text).toContain('thấp hơn mức của cấp Xã nông thôn mới')
    expect(text).toContain('tỷ lệ hộ tham gia 20,00 %')
    expect(text).toContain('tinh')
    expect(text).toContain('Mùa nước nổi, hộ đi vắng nhiều')
    // closed on the first day of a two-week window: the actual close time, and that it was early
    expect(text).toContain('từ 01/06/2025 đến 15:00 ngày 01/06/2025 — kết thúc sớm hơn kế hoạch đã thông báo (đến 07:00 ngày 15/06/2025)')
  })
})
