import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchBrowser } from './helpers/browser.js'
import { type RunningServer, startServer } from './helpers/server.js'

/**
 * "Hộ tôi chưa được hỏi ý kiến" in real Chromium: a resident opens /hoi/:communeId on a small phone
 * (the QR on the village notice), fills the plain HTML form (no JavaScript needed) and the request
 * shows up for the commune's Front staff through the API.
 */
describe('request page /hoi/:communeId', () => {
  let server: RunningServer
  let browser: Browser
  let auth: Record<string, string>
  let communeId = ''
  let roundId = ''

  async function api<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: { ...auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const json = await res.json()
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`)
    return json as T
  }

  beforeAll(async () => {
    server = await startServer({ demo: true })
    browser = await launchBrowser()
    const login = (await fetch(`${server.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'mttq.xa', password: 'hailong-demo' }),
    }).then((r) => r.json())) as { token: string }
    auth = { authorization: `Bearer ${login.token}` }
    const communes = await api<{ items: { id: string; name: string }[] }>('GET', '/api/units?kind=commune')
    const commune = communes.items.find((u) => u.name.includes('Biển Bạch')) ?? communes.items[0]
    if (!commune) throw new Error('no commune in the demo data')
    communeId = commune.id
    const open = await api<{ items: { id: string; communeId: string }[] }>('GET', `/api/rounds?communeId=${communeId}&status=open`)
    if (open.items[0]) {
      roundId = open.items[0].id
    } else {
      // the 2026 form (QĐ 51/2025): a round dated today takes no 2021–2025 form
      const templates = await api<{ items: { id: string; code: string }[] }>('GET', '/api/questionnaire-templates')
      const day = 86_400_000
      const round = await api<{ id: string }>('POST', '/api/rounds', {
        communeId,
        level: 'xa_ntm',
        templateId: templates.items.find((t) => t.code === 'QD51_XA_NTM')?.id,
        opensAt: new Date(Date.now() - day).toISOString(),
        closesAt: new Date(Date.now() + 7 * day).toISOString(),
      })
      roundId = round.id
      await api('POST', `/api/rounds/${roundId}/open`)
    }
  })

  afterAll(async () => {
    await browser?.close()
    await server?.close()
  })

  it('a resident fills the form on a 320 px phone and the commune Front sees the request', async () => {
    const context = await browser.newContext({ viewport: { width: 320, height: 640 }, locale: 'vi-VN' })
    const page = await context.newPage()
    const problems: string[] = []
    page.on('console', (m) => {
      // the 400 of the empty form and the absent favicon are expected; a CSP refusal is not
      if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) problems.push(m.text())
    })
    page.on('request', (r) => {
      if (!r.url().startsWith(server.url)) problems.push(`foreign request ${r.url()}`)
    })
    const res = await page.goto(`${server.url}/hoi/${communeId}`)
    expect(res?.status()).toBe(200)
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toContain('Hộ tôi chưa được hỏi ý kiến')

    // submitting without a name comes back with the message next to the field
    await page.getByRole('button', { name: 'Gửi yêu cầu' }).click()
    await page.getByText('Vui lòng nhập họ tên chủ hộ.').waitFor()
    expect(await page.getByLabel('Họ tên chủ hộ').getAttribute('aria-invalid')).toBe('true')

    const village = page.getByLabel(/Thôn \/ ấp/)
    const firstVillage = await village.locator('option').nth(1).getAttribute('value')
    await village.selectOption(firstVillage as string)
    await page.getByLabel('Họ tên chủ hộ').fill('Đặng Thị Chưa Được Hỏi')
    await page.getByLabel(/Số điện thoại/).fill('0912 345 678')
    await page.getByLabel(/Ghi chú/).fill('Nhà cạnh cầu <số 3>')
    await page.getByRole('button', { name: 'Gửi yêu cầu' }).click()
    await page.getByRole('heading', { name: 'Đã nhận yêu cầu' }).waitFor()
    expect(await page.getByRole('status').textContent()).toContain('đã nhận yêu cầu')
    // the page never needs a horizontal scroll at 320 px
    const overflow = await page.evaluate('document.documentElement.scrollWidth > document.documentElement.clientWidth')
    expect(overflow).toBe(false)
    expect(problems).toEqual([])
    await context.close()

    const list = await api<{
      items: { headName: string; phone: string | null; note: string | null; villageId: string | null; status: string }[]
    }>('GET', `/api/rounds/${roundId}/requests`)
    const mine = list.items.find((r) => r.headName === 'Đặng Thị Chưa Được Hỏi')
    expect(mine).toMatchObject({ phone: '84912345678', note: 'Nhà cạnh cầu <số 3>', villageId: firstVillage, status: 'new' })
  })
})
