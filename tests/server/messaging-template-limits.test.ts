/**
 * Template parameter limits come from Zalo's template-info API (the fake serves it), not from our hard-coded ones:
 * a round title registered as a 30-character param is cut to 30 instead of halting the round with -1121.
 */
import { describe, expect, it } from 'vitest'
import { openRoundWithZalo, outboxRows, startMessaging, waitFor } from './messaging-harness.js'

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
    m.runtime().worker.start()
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
