import { seedDemoRounds } from '@app/server/seed-rounds.ts'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchBrowser, signedInPage } from './helpers/browser.js'
import { type RunningServer, startServer } from './helpers/server.js'

/**
 * Closing a round is confirmed with the facts (days left of the announced window, coverage now, villages
 * under the floor) and a typed phrase, in the one confirmation dialog of the staff app; the province
 * reopens with a reason. On the demo's open round of Biển Bạch (about half its households so far), at
 * 1366 px and 360 px, with no console error.
 */
let server: RunningServer
let browser: Browser
let roundId = ''

beforeAll(async () => {
  ;[server, browser] = await Promise.all([startServer({ demo: true }), launchBrowser()])
  const seeded = await seedDemoRounds(server.app.db, server.app.services)
  roundId = seeded.rounds.find((r) => r.commune === 'Biển Bạch' && r.status === 'open')?.roundId ?? ''
}, 180_000)
afterAll(async () => {
  await browser?.close()
  await server?.close()
})

async function roundPage(width: number, height: number): Promise<{ page: Page; errors: string[] }> {
  const { page, errors } = await signedInPage(browser, server.url, 'mttq.tinh', { width, height })
  await page.goto(`${server.url}/app/rounds/${roundId}`)
  await page.getByTestId('kpi-coverage').waitFor()
  return { page, errors }
}

const status = async () => (await server.app.services.rounds.findById(roundId))?.status

/** Nothing wider than the window. */
async function noSideways(page: Page): Promise<void> {
  expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0)
}

describe('closing a round, confirmed with the facts', () => {
  it('at 1366 px: the dialog states days left, coverage and villages under the floor; nothing happens until the phrase is typed; cancel keeps it open', async () => {
    expect(roundId).not.toBe('')
    const { page, errors } = await roundPage(1366, 900)
    await page.getByRole('button', { name: 'Kết thúc thu phiếu' }).click()
    const dialog = page.getByRole('dialog', { name: 'Kết thúc thu phiếu của xã Biển Bạch?' })
    await dialog.waitFor()
    const facts = dialog.getByTestId('confirm-facts')
    const text = ((await facts.textContent()) ?? '').replace(/\s+/g, ' ')
    expect(text).toMatch(/Còn lại theo kế hoạch đã thông báo\s*(9|10) ngày \(đến [^)]*\d{2}\/\d{2}\/\d{4}[^)]*\)/)
    const coverage = await page.getByTestId('kpi-coverage').locator('.value').textContent()
    expect(text).toContain(`Độ bao phủ toàn xã hiện tại ${coverage}`)
    expect(text, text).toMatch(/Thôn\/ấp dưới mức tối thiểu 70(,0+)? ?% \d+\/\d+: \S/)
    const confirm = dialog.getByRole('button', { name: 'Kết thúc thu phiếu' })
    expect(await confirm.isDisabled()).toBe(true)
    await dialog.getByLabel(/Gõ ĐÓNG ĐỢT/).fill('ĐÓNG')
    expect(await confirm.isDisabled()).toBe(true)
    await dialog.getByRole('button', { name: 'Huỷ' }).click()
    await dialog.waitFor({ state: 'hidden' })
    expect(await status()).toBe('open')
    // Esc closes it too, and reopening it starts with an empty phrase
    await page.getByRole('button', { name: 'Kết thúc thu phiếu' }).click()
    expect(await dialog.getByLabel(/Gõ ĐÓNG ĐỢT/).inputValue()).toBe('')
    await page.keyboard.press('Escape')
    await dialog.waitFor({ state: 'hidden' })
    expect(await status()).toBe('open')
    await noSideways(page)
    expect(errors).toEqual([])
    await page.close()
  })

  it('at 360 px: the dialog fits the phone, typing the phrase without diacritics closes the round; the province reopens it with a reason', async () => {
    const { page, errors } = await roundPage(360, 740)
    await page.getByRole('button', { name: 'Kết thúc thu phiếu' }).click()
    const dialog = page.getByRole('dialog', { name: 'Kết thúc thu phiếu của xã Biển Bạch?' })
    await dialog.waitFor()
    const box = await dialog.boundingBox()
    expect(box?.width ?? 999).toBeLessThanOrEqual(360)
    expect(box?.x ?? -1).toBeGreaterThanOrEqual(0)
    await noSideways(page)
    await dialog.getByLabel(/Lý do kết thúc sớm/).fill('Đã đủ phiếu theo kế hoạch của xã')
    await dialog.getByLabel(/Gõ ĐÓNG ĐỢT/).fill('dong dot')
    const confirm = dialog.getByRole('button', { name: 'Kết thúc thu phiếu' })
    const target = await confirm.boundingBox()
    expect(target?.height ?? 0).toBeGreaterThanOrEqual(48)
    await confirm.click()
    await dialog.waitFor({ state: 'hidden' })
    await expect.poll(status).toBe('closed')
    await page.getByRole('button', { name: 'Niêm phong kết quả' }).waitFor()

    // reopen: the province, with a reason (the button waits until one is typed)
    await page.getByRole('button', { name: 'Mở lại đợt' }).click()
    const reopen = page.getByRole('dialog', { name: 'Mở lại đợt lấy ý kiến của xã Biển Bạch?' })
    const go = reopen.getByRole('button', { name: 'Mở lại đợt' })
    expect(await go.isDisabled()).toBe(true)
    await reopen.getByLabel(/Lý do mở lại/).fill('Kết thúc nhầm, còn ba ấp chưa thu phiếu giấy')
    await go.click()
    await reopen.waitFor({ state: 'hidden' })
    await expect.poll(status).toBe('open')
    await noSideways(page)
    expect(errors).toEqual([])
    await page.close()
  })
})
