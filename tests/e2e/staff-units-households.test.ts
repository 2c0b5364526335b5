import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchBrowser } from './helpers/browser.js'
import { type RunningServer, startServer } from './helpers/server.js'

/** Staff journeys 1 and 2 in real Chromium: log in, the units tree and search, household import. */
const SHOTS = process.env.SCREENSHOT_DIR ?? '/tmp'
/** axe-core when the workspace has it installed (the resident-form tests bring it); the check is skipped otherwise. */
const axeSource = (() => {
  try {
    return readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')
  } catch {
    return null
  }
})()
let server: RunningServer
let browser: Browser

beforeAll(async () => {
  ;[server, browser] = await Promise.all([startServer({ demo: true }), launchBrowser()])
})
afterAll(async () => {
  await browser?.close()
  await server?.close()
})

async function login(page: Page, username: string): Promise<void> {
  await page.goto(`${server.url}/`)
  await page.getByLabel('Tên đăng nhập').fill(username)
  await page.getByLabel('Mật khẩu').fill('hailong-demo')
  await page.getByRole('button', { name: 'Đăng nhập' }).click()
  await page.getByRole('button', { name: 'Đăng xuất' }).waitFor()
}

describe('staff app: login, units, households', () => {
  it('refuses a wrong password in Vietnamese, then logs in and shows the province tree with household counts', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'vi-VN' })
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(e.message))
    await page.goto(`${server.url}/`)
    await page.getByLabel('Tên đăng nhập').fill('mttq.tinh')
    await page.getByLabel('Mật khẩu').fill('sai-mat-khau')
    await page.getByRole('button', { name: 'Đăng nhập' }).click()
    await expect(page.getByRole('alert').textContent()).resolves.toContain('Tên đăng nhập hoặc mật khẩu không đúng')
    await page.screenshot({ path: `${SHOTS}/staff-login-error.png` })

    await page.getByLabel('Mật khẩu').fill('hailong-demo')
    await page.getByRole('button', { name: 'Đăng nhập' }).click()
    await page.waitForURL('**/app/units')
    const tree = page.getByRole('table', { name: 'Cây đơn vị' })
    await tree.getByText('Cà Mau').waitFor()
    // province → merged communes (and the old district with its communes, until 30/06/2025), sorted the
    // Vietnamese way, each with its household count
    const communes = await tree.locator('tr[data-kind="commune"] td:first-child').allTextContents()
    const names = communes.map((t) => t.replace(/[▸▾]/g, '').trim())
    expect(names.filter((n) => !n.includes('hiệu lực'))).toEqual(['Biển Bạch', 'Hồ Thị Kỷ', 'Tân Lộc', 'Thới Bình', 'Trí Phải'])
    const old = names.filter((n) => n.endsWith('(hiệu lực đến 30/06/2025)')).map((n) => n.replace(/\s*\(.*\)$/, ''))
    expect(old).toHaveLength(10)
    expect(old).toEqual([...old].sort(new Intl.Collator('vi').compare))
    const row = tree.locator('tr[data-kind="commune"]', { hasText: 'Biển Bạch Đông' })
    expect(await row.locator('td.num').textContent()).toMatch(/^\d{1,3}(\.\d{3})*$/)
    // the second province is outside this user's scope
    expect(await tree.getByText('Trà Vinh').count()).toBe(0)

    // open a commune: its villages appear under it
    await page.getByRole('button', { name: 'Mở Biển Bạch', exact: true }).click()
    await tree.locator('tr[data-kind="village"]').first().waitFor()
    await page.screenshot({ path: `${SHOTS}/staff-units.png`, fullPage: true })

    // diacritics-insensitive search
    await page.getByLabel(/Tìm xã, thôn\/ấp/).fill('tan loc')
    await expect.poll(() => tree.locator('tr[data-kind="commune"]').allTextContents()).toHaveLength(4)
    const found = (await tree.locator('tr[data-kind="commune"] td:first-child').allTextContents()).map((t) => t.trim())
    // the merged xã Tân Lộc and the three old communes it took in
    expect(found.map((t) => t.replace(/\s*\(.*\)$/, ''))).toEqual(['Tân Lộc', 'Tân Lộc', 'Tân Lộc Bắc', 'Tân Lộc Đông'])
    await page.screenshot({ path: `${SHOTS}/staff-units-search.png` })

    // deep link + reload keeps the session and the page
    await page.reload()
    await tree.getByText('Cà Mau').waitFor()
    expect(errors).toEqual([])
    await page.close()
  })

  it('imports a CSV, shows the per-row rejections, accepts the fixed file, and lists a village with phones', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'vi-VN' })
    await login(page, 'mttq.xa')
    await page.getByRole('navigation').getByRole('link', { name: 'Hộ gia đình' }).click()
    await page.waitForURL('**/app/households')
    // a commune user has one commune: preselected
    await expect.poll(() => page.getByLabel('Xã', { exact: true }).inputValue()).not.toBe('')

    const header = 'village_code,household_code,head_name,phone,address'
    const bad = [
      header,
      'XBB-02,E2E-001,Nguyễn Văn Thử,0912345678,Tổ 1',
      'XBB-02,E2E-002,Trần Thị Thử,12345,Tổ 2',
      'ZZ-99,E2E-003,Lê Văn Thử,0912345679,Tổ 3',
    ].join('\n')
    await page.getByLabel('Tệp danh sách').setInputFiles({ name: 'ho.csv', mimeType: 'text/csv', buffer: Buffer.from(bad, 'utf8') })
    await page.getByRole('button', { name: 'Tải lên' }).click()
    const report = page.getByRole('table', { name: 'Các dòng bị từ chối' })
    await report.waitFor()
    const rows = await report.locator('tbody tr').allTextContents()
    expect(rows).toHaveLength(2)
    expect(rows[0]).toContain('3')
    expect(rows[0]).toContain('Số điện thoại không hợp lệ')
    expect(rows[1]).toContain('4')
    expect(rows[1]).toContain('Mã thôn/ấp không thuộc xã')
    expect(await page.getByText('Thêm mới 1').count()).toBe(1)
    await page.screenshot({ path: `${SHOTS}/staff-import-rejected.png`, fullPage: true })

    // fix and re-upload: the first row is unchanged, the two fixed rows are created
    const fixed = [
      header,
      'XBB-02,E2E-001,Nguyễn Văn Thử,0912345678,Tổ 1',
      'XBB-02,E2E-002,Trần Thị Thử,0912345670,Tổ 2',
      'XBB-03,E2E-003,Lê Văn Thử,0912345679,Tổ 3',
    ].join('\n')
    await page.getByLabel('Tệp danh sách').setInputFiles({ name: 'ho-sua.csv', mimeType: 'text/csv', buffer: Buffer.from(fixed, 'utf8') })
    await page.getByRole('button', { name: 'Tải lên lại' }).click()
    await page.getByText('Tất cả các dòng đã được nhập.').waitFor()
    expect(await page.getByText('Thêm mới 2').count()).toBe(1)

    // the village's households: search without diacritics; front staff see phones
    await page.getByRole('link', { name: 'Ấp Kênh Tư' }).click()
    await page.waitForURL('**/app/villages/*')
    await page.getByLabel(/Tìm hộ/).fill('nguyen van thu')
    const list = page.getByRole('table', { name: 'Danh sách hộ' })
    await expect.poll(() => list.locator('tbody tr').count()).toBe(1)
    const text = await list.locator('tbody tr').first().textContent()
    expect(text).toContain('Nguyễn Văn Thử')
    // phones read the way they are said, in groups (the one formatting module)
    expect(text).toContain('0912 345 678')
    await page.screenshot({ path: `${SHOTS}/staff-village.png`, fullPage: true })
    await page.close()
  })

  it.skipIf(axeSource === null)('axe-core finds no violations on the login, units and households pages', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'vi-VN', bypassCSP: true })
    const audit = async (where: string) => {
      await page.addScriptTag({ content: axeSource ?? '' })
      const result = await page.evaluate(async () => {
        const axe = (
          window as unknown as { axe: { run: (o?: object) => Promise<{ violations: { id: string; nodes: { target: string[] }[] }[] }> } }
        ).axe
        const r = await axe.run({ resultTypes: ['violations'] })
        return r.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)
      })
      expect(result, where).toEqual([])
    }
    await page.goto(`${server.url}/`)
    await page.getByLabel('Tên đăng nhập').waitFor()
    await audit('login')
    await login(page, 'mttq.xa')
    await page.getByRole('table', { name: 'Cây đơn vị' }).waitFor()
    await audit('units')
    await page.getByRole('navigation').getByRole('link', { name: 'Hộ gia đình' }).click()
    await page.getByRole('heading', { name: 'Thôn/ấp của xã' }).waitFor()
    await page.getByRole('link', { name: 'Ấp Kênh Tư' }).waitFor()
    await audit('households')
    await page.close()
  })
})
