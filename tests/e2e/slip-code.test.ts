import { seedDemoRounds } from '@app/server/seed-rounds.ts'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pdfPages } from '../helpers/pdf-text.js'
import { launchBrowser } from './helpers/browser.js'
import { type RunningServer, startServer } from './helpers/server.js'

/**
 * The printed slip's code typed by hand on /ma, in real Chromium on a 360 px phone and at 1366 px: a
 * code typed in lower case with spaces opens the household's questionnaire; a wrong one is answered in
 * Vietnamese on the page. And "Cấp lại" on the round page shows the new code and the help line, and
 * prints as a slip. Every page: no console error, no failed request (the wrong code's own 404 aside).
 */
let server: RunningServer
let browser: Browser
let roundId = ''
let token = ''
const HOTLINE = '0290 3838 123'
const SHOTS = process.env.SCREENSHOT_DIR ?? '/tmp'

beforeAll(async () => {
  ;[server, browser] = await Promise.all([startServer({ demo: true, env: { HOTLINE } }), launchBrowser()])
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

/** A fresh print link for a household that has not taken part: its code as printed. */
async function freshCode(index: number): Promise<{ code: string; token: string }> {
  const villages = (await api<{ villages: { unitId: string }[] }>(`/api/rounds/${roundId}/coverage`)).villages
  const pending = await api<{ items: { id: string }[] }>(
    `/api/rounds/${roundId}/households?villageId=${villages[0]?.unitId}&status=pending&limit=20`,
  )
  const hh = pending.items[index]
  if (!hh) throw new Error('no pending household')
  const res = await api<{ url: string; code: string }>(`/api/rounds/${roundId}/invitations/${hh.id}/reissue`, { channel: 'print' })
  return { code: res.code, token: res.url.split('/r/')[1] as string }
}

function watch(page: Page, allow: RegExp[] = []) {
  const problems: string[] = []
  page.on('console', (m) => {
    if (m.type() === 'error' && !allow.some((a) => a.test(m.text()))) problems.push(`console: ${m.text()}`)
  })
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`))
  page.on('requestfailed', (r) => {
    // ERR_ABORTED is the browser dropping a request a navigation made moot, not a failure the user sees
    if (r.failure()?.errorText !== 'net::ERR_ABORTED') problems.push(`failed: ${r.method()} ${r.url()} ${r.failure()?.errorText ?? ''}`)
  })
  page.on('response', (r) => {
    if (r.status() >= 400 && !allow.some((a) => a.test(`${r.status()} ${r.url()}`)))
      problems.push(`${r.status()}: ${r.request().method()} ${r.url()}`)
  })
  return () => [...problems]
}

describe('/ma: the slip code typed by hand', () => {
  for (const [width, index] of [
    [360, 0],
    [1366, 1],
  ] as const) {
    it(`opens the questionnaire from a code typed loosely; a wrong code is answered in Vietnamese (${width} px)`, async () => {
      const { code, token: t } = await freshCode(index)
      const page = await browser.newPage({ viewport: { width, height: width < 500 ? 740 : 900 }, locale: 'vi-VN' })
      // the wrong code's page is itself a 404 (and Chromium logs that document's status as a console error)
      const problems = watch(page, [/^404 .*\/ma$/, /status of 404/])
      await page.goto(`${server.url}/ma`)
      await page.getByRole('heading', { name: 'Nhập mã trên phiếu mời' }).waitFor()
      expect(await page.locator('html').getAttribute('lang')).toBe('vi')
      const input = page.getByLabel('Mã phiếu mời')
      const box = await input.boundingBox()
      expect((box?.x ?? -1) >= 0 && (box?.x ?? 0) + (box?.width ?? 1e9) <= width).toBe(true)
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width)
      const button = page.getByRole('button', { name: 'Mở phiếu' })
      expect((await button.boundingBox())?.height ?? 0).toBeGreaterThanOrEqual(44)
      expect(await page.getByText(HOTLINE).count()).toBe(1)
      await page.screenshot({ path: `${SHOTS}/slip-code-${width}.png` })

      // a wrong code: said on the page, what was typed kept for correcting
      await input.fill('ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZ')
      await button.click()
      await page.getByRole('alert').waitFor()
      expect(await page.getByRole('alert').textContent()).toContain('Không tìm thấy mã này')
      expect(await page.getByLabel('Mã phiếu mời').inputValue()).toBe('ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZ')
      await page.screenshot({ path: `${SHOTS}/slip-code-wrong-${width}.png` })

      // the right code, typed in lower case with spaces for dashes
      await page.getByLabel('Mã phiếu mời').fill(code.toLowerCase().replace(/-/g, ' '))
      await page.getByRole('button', { name: 'Mở phiếu' }).click()
      await page.waitForURL(`**/r/${t}`)
      await page.locator('fieldset').first().waitFor({ timeout: 60_000 })
      expect(problems()).toEqual([])
      await page.close()
    })
  }
})

describe('round page: "Cấp lại" shows the new code to type and prints a slip', () => {
  for (const width of [1366, 360]) {
    it(`the new link's code, the /ma address and the hotline, on screen and in print (${width} px)`, async () => {
      const page = await browser.newPage({ viewport: { width, height: width < 500 ? 780 : 900 }, locale: 'vi-VN' })
      const problems = watch(page)
      await page.goto(`${server.url}/`)
      await page.getByLabel('Tên đăng nhập').fill('mttq.xa')
      await page.getByLabel('Mật khẩu').fill('hailong-demo')
      await page.getByRole('button', { name: 'Đăng nhập' }).click()
      await page.getByRole('button', { name: 'Đăng xuất' }).waitFor()
      await page.goto(`${server.url}/app/rounds/${roundId}`)
      await page.getByRole('button', { name: 'Xem danh sách' }).click()
      const table = page.getByRole('table', { name: /Hộ chưa tham gia tại/ })
      await table.waitFor()
      const row = table.locator('tbody tr').nth(width === 360 ? 3 : 2)
      await row.getByRole('button', { name: /Cấp lại|Cấp đường dẫn/ }).click()
      const ask = page.getByRole('dialog', { name: 'Cấp lại đường dẫn' })
      await ask.waitFor()
      await ask.getByRole('button', { name: /Thu hồi và cấp lại|Cấp đường dẫn/ }).click()
      const shown = page.getByRole('dialog', { name: 'Đường dẫn mới của hộ' })
      await shown.waitFor()
      const code = ((await shown.getByTestId('reissued-code').textContent()) ?? '').trim()
      expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){5}-[0-9A-HJKMNP-TV-Z]{2}$/)
      const url = ((await shown.getByTestId('reissued-url').textContent()) ?? '').trim()
      expect(url.endsWith(`/r/${code.replace(/-/g, '')}`)).toBe(true)
      expect(await shown.textContent()).toContain('/ma')
      expect(await shown.textContent()).toContain(HOTLINE)
      const card = await shown.boundingBox()
      expect((card?.x ?? -1) >= 0 && (card?.x ?? 0) + (card?.width ?? 1e9) <= width).toBe(true)
      await page.screenshot({ path: `${SHOTS}/reissued-link-${width}.png` })
      // the printed slip: this card alone, titled as a slip, without the buttons
      await page.emulateMedia({ media: 'print' })
      await page.evaluate(() => {
        window.scrollTo(0, 0)
        document.body.classList.add('printing-link')
      })
      const shownInPrint = (selector: string) =>
        page.evaluate((sel) => {
          const e = document.querySelector(`dialog.reissued ${sel}`)
          if (!e) return false
          const cs = getComputedStyle(e)
          return cs.display !== 'none' && cs.visibility === 'visible'
        }, selector)
      expect(await shownInPrint('h2 .print-only')).toBe(true)
      expect(await shownInPrint('[data-testid="reissued-code"]')).toBe(true)
      // the QR code's own markup (from the server) prints too
      expect(await shownInPrint('[data-testid="reissued-qr"] svg path')).toBe(true)
      expect(await shownInPrint('.buttons')).toBe(false)
      await page.screenshot({ path: `${SHOTS}/reissued-link-print-${width}.png` })
      await page.evaluate(() => document.body.classList.remove('printing-link'))
      await page.emulateMedia({ media: 'screen' })
      await shown.getByRole('button', { name: 'Đóng' }).click()
      expect(problems()).toEqual([])
      await page.close()
    })
  }

  for (const width of [1366, 360]) {
    it(`village notices download with the /hoi address; reprinting unused slips asks first (${width} px)`, async () => {
      const page = await browser.newPage({ viewport: { width, height: width < 500 ? 780 : 900 }, locale: 'vi-VN', acceptDownloads: true })
      const problems = watch(page)
      await page.goto(`${server.url}/`)
      await page.getByLabel('Tên đăng nhập').fill('mttq.xa')
      await page.getByLabel('Mật khẩu').fill('hailong-demo')
      await page.getByRole('button', { name: 'Đăng nhập' }).click()
      await page.getByRole('button', { name: 'Đăng xuất' }).waitFor()
      await page.goto(`${server.url}/app/rounds/${roundId}`)
      const reprint = page.getByRole('button', { name: 'In lại phiếu mời chưa dùng…' })
      await reprint.click()
      const ask = page.getByRole('dialog', { name: 'In lại phiếu mời chưa dùng' })
      await ask.waitFor()
      expect(await ask.getByTestId('confirm-facts').textContent()).toContain('không dùng được nữa')
      await ask.getByRole('button', { name: 'Huỷ' }).click()
      expect(await ask.isVisible()).toBe(false)

      const notices = page.getByRole('button', { name: 'Tải thông báo dán tại ấp (PDF)' })
      const nb = await notices.boundingBox()
      expect((nb?.x ?? -1) >= 0 && (nb?.x ?? 0) + (nb?.width ?? 1e9) <= width).toBe(true)
      const [download] = await Promise.all([page.waitForEvent('download'), notices.click()])
      expect(download.suggestedFilename()).toBe('thong-bao-lay-y-kien.pdf')
      const path = await download.path()
      const pages = await pdfPages(new Uint8Array((await import('node:fs')).readFileSync(path)), `notices-${width}`)
      expect(pages.length).toBeGreaterThan(1)
      for (const p of pages) {
        expect(p).toContain('HỘ CHƯA NHẬN ĐƯỢC PHIẾU MỜI?')
        expect(p).toMatch(/\/hoi\/[0-9a-f]{32}/)
        expect(p).toContain(`Đường dây nóng: ${HOTLINE}`)
      }
      expect(problems()).toEqual([])
      await page.close()
    })
  }
})
