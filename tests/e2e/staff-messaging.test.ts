import { resolve } from 'node:path'
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
  const seeded = await seedDemoRounds(server.app.db, server.app.services)
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
async function roundPage(width: number): Promise<{ page: Page; problems: () => string[] }> {
  const page = await browser.newPage({ viewport: { width, height: width < 500 ? 780 : 900 }, locale: 'vi-VN' })
  const problems0: string[] = []
  page.on('console', (m) => {
    if (m.type() === 'error') problems0.push(`console: ${m.text()}`)
  })
  page.on('pageerror', (e) => problems0.push(`pageerror: ${e.message}`))
  page.on('requestfailed', (r) => {
    // ERR_ABORTED is the browser dropping a request a navigation made moot, not a failure the user sees
    if (r.failure()?.errorText !== 'net::ERR_ABORTED') problems0.push(`failed: ${r.method()} ${r.url()} ${r.failure()?.errorText ?? ''}`)
  })
  page.on('response', (r) => {
    if (r.status() >= 400) problems0.push(`${r.status()}: ${r.request().method()} ${r.url()}`)
  })
  await page.goto(`${server.url}/`)
  await page.getByLabel('Tên đăng nhập').fill('mttq.xa')
  await page.getByLabel('Mật khẩu').fill('hailong-demo')
  await page.getByRole('button', { name: 'Đăng nhập' }).click()
  await page.getByRole('button', { name: 'Đăng xuất' }).waitFor()
  await page.goto(`${server.url}/app/rounds/${roundId}`)
  await page.getByRole('heading', { name: 'Gửi tin Zalo / SMS' }).waitFor()
  const problems = () => [...problems0]
  return { page, problems }
}

const countOf = async (page: Page, label: string) => {
  const text = await page
    .getByTestId('messaging-counts')
    .locator('div', { has: page.locator('dt', { hasText: label }) })
    .locator('dd')
    .first()
    .textContent()
  return Number((text ?? '').replace(/\D/g, ''))
}

const villagesOf = async () => (await api<{ villages: { unitId: string; name: string }[] }>(`/api/rounds/${roundId}/coverage`)).villages

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
      await expect
        .poll(() => countOf(page, 'Chờ gửi'), { timeout: 12_000, interval: 250 })
        .toBe(after.counts.queued + after.counts.deferred)
      // within one poll interval (5 s) and the answer's time
      expect(Date.now() - started).toBeLessThan(7_000)
      expect(problems()).toEqual([])
      await page.close()
    })
  }

  for (const [width, villageIndex, channel] of [
    [1366, 2, 'sms'],
    [360, 3, 'zalo'],
  ] as const) {
    it(`mass sending states its facts first and announces the result once (${width} px, ${channel})`, async () => {
      const { page, problems } = await roundPage(width)
      const village = (await villagesOf())[villageIndex]
      if (!village) throw new Error('no village')
      // what the server says it would do, asked outside the page (writes nothing)
      const preview = await api<{ households: number; skippedNoPhone: number; sms: { priceVnd: number; maxCostVnd: number } }>(
        `/api/rounds/${roundId}/invitations/preview`,
        {
          channel,
          villageIds: [village.unitId],
        },
      )
      expect(preview.households).toBeGreaterThan(0)
      // the cost in đồng at the configured price per SMS (SMS_COST_VND, 800 by default)
      expect(preview.sms.priceVnd).toBe(800)
      expect(preview.sms.maxCostVnd).toBe(preview.households * 800)
      await page.getByLabel('Phạm vi').selectOption(village.unitId)
      await page.getByRole('button', { name: channel === 'sms' ? 'Gửi qua SMS…' : 'Gửi qua Zalo…' }).click()
      const dialog = page.getByRole('dialog', { name: channel === 'sms' ? 'Gửi phiếu mời qua SMS' : 'Gửi phiếu mời qua Zalo' })
      await dialog.waitFor()
      const facts = dialog.getByTestId('confirm-facts')
      const n = preview.households.toLocaleString('vi-VN')
      await expect.poll(() => facts.textContent()).toContain(`${n} hộ`)
      expect(await facts.textContent()).toContain(village.name)
      expect(await facts.textContent()).toMatch(channel === 'sms' ? new RegExp(`${n} tin`) : new RegExp(`tối đa ${n} tin SMS`))
      const cost = `${preview.sms.maxCostVnd.toLocaleString('vi-VN')} đồng`
      expect(await facts.textContent()).toContain(channel === 'sms' ? `${n} tin × 800 đồng = ${cost}` : `tối đa ${cost} (800 đồng/tin)`)
      await page.screenshot({ path: resolve(import.meta.dirname, `../../docs/screenshots/messaging-confirm-${width}.png`) })
      // nothing is queued before the confirmation, and a stray click does not confirm
      expect(
        (await api<{ households: number }>(`/api/rounds/${roundId}/invitations/preview`, { channel, villageIds: [village.unitId] }))
          .households,
      ).toBe(preview.households)
      const confirm = dialog.getByRole('button', { name: channel === 'sms' ? 'Gửi SMS' : 'Gửi Zalo' })
      expect(await confirm.isDisabled()).toBe(true)
      await dialog.getByRole('textbox').fill('gui tin')
      await confirm.click()
      await page.getByTestId('issue-result').waitFor()
      expect(await page.getByTestId('issue-result').textContent()).toContain(`Đã tạo ${n} phiếu mời`)
      // once: the status line, no toast saying it again
      await page.waitForTimeout(500)
      expect(await page.getByText(/Đã tạo [\d.]+ phiếu mời/).count()).toBe(1)
      expect(await dialog.isVisible()).toBe(false)
      expect(
        (await api<{ households: number }>(`/api/rounds/${roundId}/invitations/preview`, { channel, villageIds: [village.unitId] }))
          .households,
      ).toBe(0)
      const after = await api<{ counts: Counts }>(`/api/rounds/${roundId}/messaging`)
      await expect.poll(() => countOf(page, 'Chờ gửi'), { timeout: 8_000 }).toBe(after.counts.queued + after.counts.deferred)
      expect(problems()).toEqual([])
      await page.close()
    })
  }

  for (const width of [1366, 360]) {
    it(`"Cấp lại" asks first, then shows the new link with its QR code and a print button (${width} px)`, async () => {
      const { page, problems } = await roundPage(width)
      await page.getByRole('button', { name: 'Xem danh sách' }).click()
      const table = page.getByRole('table', { name: /Hộ chưa tham gia tại/ })
      await table.waitFor()
      const row = table.locator('tbody tr').nth(width === 360 ? 1 : 0)
      const code = (await row.locator('code').first().textContent()) ?? ''
      await row.getByRole('button', { name: /Cấp lại|Cấp đường dẫn/ }).click()
      const ask = page.getByRole('dialog', { name: 'Cấp lại đường dẫn' })
      await ask.waitFor()
      expect(await ask.getByTestId('confirm-facts').textContent()).toContain(code)
      // cancel changes nothing
      await ask.getByRole('button', { name: 'Huỷ' }).click()
      expect(await ask.isVisible()).toBe(false)
      expect(await page.getByTestId('reissued-url').count()).toBe(0)

      await row.getByRole('button', { name: /Cấp lại|Cấp đường dẫn/ }).click()
      await ask.getByRole('button', { name: /Thu hồi và cấp lại|Cấp đường dẫn/ }).click()
      const shown = page.getByRole('dialog', { name: 'Đường dẫn mới của hộ' })
      await shown.waitFor()
      expect(await shown.textContent()).toContain(code)
      expect(await shown.getByTestId('reissued-qr').locator('svg').count()).toBe(1)
      const box = await shown.getByTestId('reissued-qr').boundingBox()
      expect(box?.width ?? 0).toBeGreaterThanOrEqual(180)
      const url = ((await shown.getByTestId('reissued-url').textContent()) ?? '').trim()
      expect(url).toMatch(/\/r\/[\w-]+$/)
      // the new link works for the household
      const tokenPart = url.split('/r/')[1]
      expect((await fetch(`${server.url}/api/ballots/${tokenPart}`)).status).toBe(200)
      // the card fits the screen (the page's own tables are measured by their own tests)
      const card = await shown.boundingBox()
      expect((card?.x ?? -1) >= 0 && (card?.x ?? 0) + (card?.width ?? 1e9) <= width).toBe(true)
      await page.screenshot({ path: `/tmp/staff-reissued-${width}.png` })
      await page.evaluate(() => {
        ;(window as unknown as { printed: number }).printed = 0
        window.print = () => {
          ;(window as unknown as { printed: number }).printed++
        }
      })
      await shown.getByRole('button', { name: 'In phiếu' }).click()
      expect(await page.evaluate(() => (window as unknown as { printed: number }).printed)).toBe(1)
      await shown.getByRole('button', { name: 'Đóng' }).click()
      expect(await shown.isVisible()).toBe(false)
      expect(problems()).toEqual([])
      await page.close()
    })
  }
})
