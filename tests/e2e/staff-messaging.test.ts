import { seedDemoRounds } from '@app/server/seed-rounds.ts'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchBrowser } from './helpers/browser.js'
import { type RunningServer, startServer } from './helpers/server.js'

/**
 * The round page's sending in real Chromium, on the demo data (the open round of Biển Bạch), at 1366 px
 * and at 360 px: the messaging panel follows the queue without a reload; mass sending states its facts
 * before anything is queued and announces the result once; "Cấp lại" asks first and shows the new link
 * to print. Every page visited: no console error, no failed request.
 */
let server: RunningServer
let browser: Browser
let roundId = ''
let token = ''

interface Counts {
  queued: number
  deferred: number
  sent: number
  delivered: number
}

beforeAll(async () => {
  ;[server, browser] = await Promise.all([startServer({ demo: true }), launchBrowser()])
  const seeded = seedDemoRounds(server.db, server.app.services)
  roundId = seeded.rounds.find((r) => r.commune === 'Biển Bạch' && r.status === 'open')?.roundId ?? ''
  const login = await fetch(`${server.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'mttq.xa', password: 'hailong-demo' }),
  })
  token = ((await login.json()) as { token: string }).token
}, 180_000)
afterAll(async () => {
  await browser?.close()
  await server?.close()
})

async function api<T>(path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${server.url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  if (!res.ok) throw new Error(`${path} → ${res.status} ${await res.text()}`)
  return (await res.json()) as T
}

/** The round page as the commune's Front officer, recording console errors and failed requests. */
async function roundPage(width: number): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage({ viewport: { width, height: width < 500 ? 780 : 900 }, locale: 'vi-VN' })
  const problems: string[] = []
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`)
  })
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`))
  page.on('requestfailed', (r) => problems.push(`failed: ${r.method()} ${r.url()} ${r.failure()?.errorText ?? ''}`))
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`${r.status()}: ${r.request().method()} ${r.url()}`)
  })
  await page.goto(`${server.url}/`)
  await page.getByLabel('Tên đăng nhập').fill('mttq.xa')
  await page.getByLabel('Mật khẩu').fill('hailong-demo')
  await page.getByRole('button', { name: 'Đăng nhập' }).click()
  await page.getByRole('button', { name: 'Đăng xuất' }).waitFor()
  await page.goto(`${server.url}/app/rounds/${roundId}`)
  await page.getByRole('heading', { name: 'Gửi tin Zalo / SMS' }).waitFor()
  return { page, problems }
}

const countOf = async (page: Page, label: string) => {
  const text = await page.getByTestId('messaging-counts').locator('div', { has: page.locator('dt', { hasText: label }) }).locator('dd').first().textContent()
  return Number((text ?? '').replace(/\D/g, ''))
}

const villagesOf = async () =>
  (await api<{ villages: { unitId: string; name: string }[] }>(`/api/rounds/${roundId}/tally`)).villages

describe('round page: sending', () => {
  for (const [width, villageIndex] of [
    [1366, 0],
    [360, 1],
  ] as const) {
    it(`the messaging panel follows the queue without a reload (${width} px)`, async () => {
      const { page, problems } = await roundPage(width)
      const before = await api<{ counts: Counts }>(`/api/rounds/${roundId}/messaging`)
      expect(await countOf(page, 'Chờ gửi')).toBe(before.counts.queued + before.counts.deferred)
      await page.getByTestId('messaging-updated').waitFor()

      // sent elsewhere (another officer, the API): the panel catches up on its own
      const village = (await villagesOf())[villageIndex]
      if (!village) throw new Error('no village')
      const res = await api<{ created: number }>(`/api/rounds/${roundId}/invitations`, { channel: 'zalo', villageIds: [village.unitId] })
      expect(res.created).toBeGreaterThan(0)
      const after = await api<{ counts: Counts }>(`/api/rounds/${roundId}/messaging`)
      const started = Date.now()
      await expect.poll(() => countOf(page, 'Chờ gửi'), { timeout: 12_000, interval: 250 }).toBe(after.counts.queued + after.counts.deferred)
      // within one poll interval (5 s) and the answer's time
      expect(Date.now() - started).toBeLessThan(7_000)
      expect(problems).toEqual([])
      await page.close()
    })
  }
})
