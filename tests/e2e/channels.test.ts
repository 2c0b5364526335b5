import { createUnitRepo } from '@app/server/modules/units/repo.ts'
import { createUserRepo } from '@app/server/modules/users/repo.ts'
import { seedDemoRounds } from '@app/server/seed-rounds.ts'
import type { Browser, Locator, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchBrowser, signedInPage } from './helpers/browser.js'
import { type RunningServer, startServer } from './helpers/server.js'

/**
 * The channels in the staff app, on the demo: the province Front sets the link channel with its legal basis
 * (the commune reads it), the wizard offers a one-village round and the earlier-period flag, and the community
 * digital technology team answers with a household on its own link. At 1366 and 360 px, no console error.
 */
let server: RunningServer
let browser: Browser
let roundId = ''
let slips: { url: string }[] | undefined

beforeAll(async () => {
  ;[server, browser] = await Promise.all([startServer({ demo: true }), launchBrowser()])
  const seeded = await seedDemoRounds(server.app.db, server.app.services)
  roundId = seeded.rounds.find((r) => r.commune === 'Biển Bạch' && r.status === 'open')?.roundId ?? ''
}, 180_000)
afterAll(async () => {
  await browser?.close()
  await server?.close()
})

async function noSideways(page: Page): Promise<void> {
  expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0)
}

async function fits(el: Locator): Promise<void> {
  const box = await el.boundingBox()
  const width = await el.page().evaluate(() => window.innerWidth)
  expect(box && box.x >= 0 && box.x + box.width <= width).toBe(true)
}

const SIZES = [
  { width: 1366, height: 900 },
  { width: 360, height: 760 },
] as const

describe('the link channel setting on the units page', () => {
  for (const size of SIZES)
    it(`at ${size.width} px: the province sets it with a basis; the commune reads it`, async () => {
      const { page, errors } = await signedInPage(browser, server.url, 'mttq.tinh', size)
      await page.goto(`${server.url}/app/units`)
      const card = page.getByRole('region', { name: 'Lấy ý kiến qua đường link/Zalo' })
      await card.getByLabel(/Căn cứ pháp lý/).waitFor()
      expect(await card.getByRole('checkbox').isChecked()).toBe(true)
      expect(await card.getByLabel(/Căn cứ pháp lý/).inputValue()).toMatch(/^Kế hoạch số \d+\/KH-UBND/)
      const basis = `Kế hoạch số ${size.width}/KH-UBND ngày 10/3/2026 của Ủy ban nhân dân tỉnh Cà Mau`
      await card.getByLabel(/Căn cứ pháp lý/).fill(basis)
      await card.getByRole('button', { name: 'Lưu thiết lập' }).click()
      await expect
        .poll(
          async () =>
            (await server.app.services.units.linkChannelOf((await createUnitRepo(server.app.db).findByCode('province', '96'))[0]?.id ?? ''))
              ?.legalBasis,
        )
        .toBe(basis)
      // switching it on with no basis is refused before sending
      await card.getByLabel(/Căn cứ pháp lý/).fill('')
      expect(await card.getByRole('button', { name: 'Lưu thiết lập' }).isDisabled()).toBe(true)
      // the card fits the window (the unit tree above scrolls in its own frame; its width is not this test's)
      await fits(card)
      await page.screenshot({ path: `/tmp/legal-units-${size.width}.png`, fullPage: true })
      expect(errors).toEqual([])

      const commune = await signedInPage(browser, server.url, 'mttq.xa', size)
      await commune.page.goto(`${server.url}/app/units`)
      const read = commune.page.getByRole('region', { name: 'Lấy ý kiến qua đường link/Zalo' })
      await read.getByText(/cho phép lấy ý kiến qua đường link\/Zalo, theo/).waitFor()
      expect(await read.getByRole('checkbox').count()).toBe(0)
      await fits(read)
      expect(commune.errors).toEqual([])
      await commune.page.close()
      await page.close()
    })
})

describe('the wizard: one village and the earlier period', () => {
  for (const size of SIZES)
    it(`at ${size.width} px: the officer picks one ấp and marks the round as of the earlier period`, async () => {
      const { page, errors } = await signedInPage(browser, server.url, 'mttq.xa', size)
      await page.goto(`${server.url}/app/rounds/new`)
      await page.getByLabel('Một ấp/thôn (ấp/thôn kiểu mẫu)').check()
      const village = page.getByLabel('Ấp/thôn', { exact: true })
      await village.waitFor()
      await expect.poll(async () => village.locator('option').count()).toBeGreaterThan(1)
      expect(await page.getByRole('button', { name: 'Tiếp tục →' }).isDisabled()).toBe(true)
      await village.selectOption({ index: 1 })
      const name = (await village.locator('option:checked').textContent())?.trim() ?? ''
      await page.getByLabel('Đợt thuộc giai đoạn trước (hồ sơ 2021–2025)').check()
      await page.getByText(/được dùng mẫu phiếu và bộ quy tắc của giai/).waitFor()
      await noSideways(page)
      await page.screenshot({ path: `/tmp/legal-wizard-${size.width}.png`, fullPage: true })
      await page.getByRole('button', { name: 'Tiếp tục →' }).click()
      await page.getByRole('heading', { name: /Bước 2/ }).waitFor()
      const next = page.getByRole('button', { name: 'Tiếp tục →' })
      if (await next.isEnabled()) {
        await next.click()
        const summary = page.locator('dl.summary')
        await summary.waitFor()
        const text = (await summary.textContent()) ?? ''
        expect(text).toContain(`Một ấp/thôn: ${name}`)
        expect(text).toContain('Đợt thuộc giai đoạn trước')
      }
      expect(errors).toEqual([])
      await page.close()
    })
})

describe('answering with the help of the community digital technology team', () => {
  for (const size of SIZES)
    it(`at ${size.width} px: the officer opens a household's link, the resident answers, the ballot counts as assisted`, async () => {
      expect(roundId).not.toBe('')
      const s = server.app.services
      const round = await s.rounds.findById(roundId)
      if (!round) throw new Error('no round')
      // a household of the round without a link yet gets a printed one (its invitation slip)
      const villageIds = (await s.rounds.villagesOf(round)).map((v) => v.id)
      const user = await createUserRepo(server.app.db).findByUsername('mttq.xa')
      if (!user) throw new Error('no demo user')
      const actor = { id: user.id, username: 'mttq.xa', role: 'front_staff' as const, unitId: user.unitId }
      // once for both sizes: a second issue finds every household of the village with a link already
      slips ??= (await s.invitations.issue(actor, roundId, { channel: 'print', villageIds: villageIds.slice(0, 1) })).links ?? []
      const url = slips[size.width === 1366 ? 0 : 1]?.url
      if (!url) throw new Error('no link issued')
      const before = (await s.tally.coverage(actor, roundId)).byChannel.assisted ?? 0

      const { page, errors } = await signedInPage(browser, server.url, 'mttq.xa', size)
      await page.goto(`${server.url}/app/rounds/${roundId}`)
      await page.getByRole('link', { name: 'Hỗ trợ hộ trả lời (Tổ công nghệ số)' }).click()
      await page.getByLabel('Đường dẫn hoặc mã trên phiếu mời của hộ').fill(url)
      await page.getByRole('button', { name: 'Mở phiếu của hộ' }).click()
      const form = page.locator('form ol.questions')
      await form.waitFor()
      const groups = form.locator('fieldset')
      const n = await groups.count()
      expect(n).toBeGreaterThan(3)
      for (let i = 0; i < n; i++) await groups.nth(i).locator('label.choice').first().click()
      await noSideways(page)
      await page.screenshot({ path: `/tmp/legal-assisted-${size.width}.png`, fullPage: true })
      await page.getByRole('button', { name: 'Gửi phiếu' }).click()
      await page.getByTestId('assisted-receipt').waitFor()
      expect((await s.tally.coverage(actor, roundId)).byChannel.assisted).toBe(before + 1)
      expect(errors).toEqual([])
      await page.close()
    })
})
