import { seedDemoRounds } from '@app/server/seed-rounds.ts'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchBrowser, signedInPage } from './helpers/browser.js'
import { type RunningServer, startServer } from './helpers/server.js'

/**
 * The council's decision on the record, in real Chromium (TRUST.md §2.8): on a sealed round nothing is
 * pre-selected; a decision against the verdict shows a warning and cannot be saved without a reason; a saved
 * decision is amended as a new version with its reason; the versions and the record (seal, unseal, reseal,
 * decisions) are listed. At 1366 px and at 360 px, with no console error.
 */
const SHOTS = process.env.SCREENSHOT_DIR ?? '/tmp'
let server: RunningServer
let browser: Browser
let roundId = ''

async function apiLogin(username: string): Promise<string> {
  const res = await fetch(`${server.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: 'hailong-demo' }),
  })
  return ((await res.json()) as { token: string }).token
}

async function api<T>(token: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${server.url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  if (!res.ok) throw new Error(`${path} → ${res.status} ${await res.text()}`)
  return (await res.json()) as T
}

beforeAll(async () => {
  ;[server, browser] = await Promise.all([startServer({ demo: true }), launchBrowser()])
  // the demo's sealed round (recognised 20/0/0), unsealed by the admin and sealed again: its decision is void, the new seal has none
  const seeded = await seedDemoRounds(server.app.db, server.app.services)
  roundId = seeded.rounds.find((r) => r.status === 'sealed')?.roundId ?? ''
  await api(await apiLogin('admin'), `/api/rounds/${roundId}/unseal`, { reason: 'Kiểm tra lại phiếu giấy của ấp Kênh Tư' })
  await api(await apiLogin('mttq.tinh'), `/api/rounds/${roundId}/seal`, {})
}, 180_000)
afterAll(async () => {
  await browser?.close()
  await server?.close()
})

async function councilPage(width: number, height: number): Promise<{ page: Page; errors: string[] }> {
  const { page, errors } = await signedInPage(browser, server.url, 'hoidong', { width, height })
  await page.goto(`${server.url}/app/rounds/${roundId}/result`)
  await page.getByRole('heading', { name: 'Quyết định của hội đồng thẩm định' }).waitFor()
  return { page, errors }
}

/** Nothing wider than the window (a table may scroll inside its own box). */
async function noSideways(page: Page): Promise<void> {
  expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0)
}

describe('council decision on the record', () => {
  it('at 1366 px: nothing pre-selected, a warning and a required reason against the verdict, saved, amended, history listed', async () => {
    expect(roundId).not.toBe('')
    const { page, errors } = await councilPage(1366, 900)
    const verdict = await page.locator('.verdict .lead').textContent()
    expect(verdict).toMatch(/^Đạt/)

    // the record already tells the earlier seal, its decision voided by the unseal, and the reseal
    const record = page.getByRole('list', { name: 'Quá trình niêm phong và quyết định' })
    await expect.poll(() => record.textContent()).toContain('Niêm phong lại kết quả')
    expect(await record.textContent()).toContain('Kiểm tra lại phiếu giấy của ấp Kênh Tư')
    expect(await page.getByText('Chưa ghi quyết định cho kết quả niêm phong này.').count()).toBe(1)

    // nothing pre-selected; the save button waits for a choice
    const select = page.getByLabel('Quyết định', { exact: true })
    expect(await select.inputValue()).toBe('')
    expect(await select.getAttribute('required')).not.toBeNull()
    await page.getByLabel('Tán thành', { exact: true }).fill('6')
    await page.getByLabel('Không tán thành').fill('13')
    await page.getByLabel('Không biểu quyết').fill('1')
    const save = page.getByRole('button', { name: 'Ghi quyết định' })
    expect(await save.isDisabled()).toBe(true)

    // against the verdict: the warning shows before saving, and saving without a reason is stopped on the page
    await select.selectOption('reject')
    const warning = page.getByRole('alert').filter({ hasText: 'khác với kết luận theo quy định' })
    await warning.waitFor()
    expect(await warning.textContent()).toContain('Kết luận: Đạt')
    await save.click()
    await page.getByText('Cần ghi lý do.').waitFor()
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('dec-reason')
    expect(await page.getByLabel('Lý do (bắt buộc)').getAttribute('aria-invalid')).toBe('true')
    const section = page.locator('section[aria-labelledby="decision-h"]')
    await section.screenshot({ path: `${SHOTS}/council-decision-warning-1366.png` })
    await page.getByLabel('Lý do (bắt buộc)').fill('Hồ sơ tiêu chí môi trường chưa đủ, theo báo cáo của tổ thẩm định')
    await save.click()
    const current = page.getByTestId('decision-current')
    await expect.poll(() => current.textContent()).toContain('Không công nhận')
    expect(await current.textContent()).toContain('Khác với kết luận theo quy định.')
    expect(await current.textContent()).toContain('Hồ sơ tiêu chí môi trường chưa đủ')

    // amend: a new version with its reason; the decision is chosen again (nothing carried over)
    await page.getByRole('button', { name: 'Sửa đổi quyết định' }).click()
    expect(await select.inputValue()).toBe('')
    expect(await page.getByLabel('Tán thành', { exact: true }).inputValue()).toBe('6')
    await select.selectOption('recognise')
    expect(await page.getByRole('alert').filter({ hasText: 'khác với kết luận' }).count()).toBe(0)
    const saveAmend = page.getByRole('button', { name: 'Ghi bản sửa đổi' })
    await saveAmend.click()
    await page.getByText('Cần ghi lý do.').waitFor()
    await page.getByLabel('Tán thành', { exact: true }).fill('19')
    await page.getByLabel('Không tán thành').fill('0')
    await page.getByLabel('Lý do sửa đổi (bắt buộc)').fill('Tổ thẩm định đã nhận đủ hồ sơ môi trường; hội đồng biểu quyết lại')
    await saveAmend.click()
    await expect.poll(() => current.textContent()).toContain('Đề nghị công nhận')
    expect(await current.textContent()).toContain('bản sửa đổi lần 1')

    // the versions: the voided one of the earlier seal, the superseded one and the one in force
    const versions = page.getByRole('list', { name: 'Các bản quyết định' }).locator('li')
    await expect.poll(() => versions.count()).toBe(3)
    expect(await versions.nth(0).textContent()).toContain('Hết hiệu lực')
    expect(await versions.nth(0).textContent()).toContain('Kiểm tra lại phiếu giấy của ấp Kênh Tư')
    expect(await versions.nth(1).textContent()).toContain('Đã được sửa đổi')
    expect(await versions.nth(1).textContent()).toContain('ghi bởi hoidong')
    expect(await versions.nth(2).textContent()).toContain('Đang có hiệu lực')
    expect(await versions.nth(2).textContent()).toContain('Lý do sửa đổi: Tổ thẩm định đã nhận đủ hồ sơ')
    await expect.poll(() => record.textContent()).toContain('Hội đồng thẩm định sửa đổi quyết định')
    expect(await record.textContent()).toMatch(/\d{2}\/\d{2}\/\d{4}/)
    await noSideways(page)
    await section.screenshot({ path: `${SHOTS}/council-decision-1366.png` })

    // the public verify page tells the same record
    // on a phone, as someone scanning the QR code on the minutes would open it: the root on paper matches
    const pub = await browser.newPage({ locale: 'vi-VN', viewport: { width: 360, height: 780 } })
    const pubErrors: string[] = []
    pub.on('console', (m) => {
      if (m.type() === 'error') pubErrors.push(m.text())
    })
    const seal = (await (await fetch(`${server.url}/api/public/rounds/${roundId}`)).json()) as { ledgerRootHash: string }
    await pub.goto(`${server.url}/v/${roundId}?root=${seal.ledgerRootHash}`)
    const text = (await pub.locator('main').textContent()) ?? ''
    expect(text).toContain('Khớp.')
    expect(await pub.locator('figure.qr svg').count()).toBe(1)
    await noSideways(pub)
    await pub.screenshot({ path: `${SHOTS}/verify-page-360.png`, fullPage: true })
    expect(pubErrors, pubErrors.join('\n')).toEqual([])
    expect(text).toContain('Mở niêm phong')
    expect(text).toContain('Hội đồng thẩm định sửa đổi quyết định')
    expect(text).toContain('Lý do: Tổ thẩm định đã nhận đủ hồ sơ môi trường')
    await pub.close()
    expect(errors).toEqual([])
    await page.close()
  })

  it('at 360 px: the form, the warning and the history fit the screen', async () => {
    const { page, errors } = await councilPage(360, 780)
    await page.getByRole('button', { name: 'Sửa đổi quyết định' }).click()
    const select = page.getByLabel('Quyết định', { exact: true })
    expect(await select.inputValue()).toBe('')
    await select.selectOption('return_for_resurvey')
    await page.getByRole('alert').filter({ hasText: 'khác với kết luận theo quy định' }).waitFor()
    await noSideways(page)
    const box = await select.boundingBox()
    expect(box && box.x + box.width).toBeLessThanOrEqual(360)
    await page.locator('section[aria-labelledby="decision-h"]').screenshot({ path: `${SHOTS}/council-decision-360.png` })
    await page.getByRole('button', { name: 'Hủy' }).click()
    expect(await page.getByRole('list', { name: 'Các bản quyết định' }).locator('li').count()).toBe(3)
    await noSideways(page)
    expect(errors).toEqual([])
    await page.close()
  })
})
