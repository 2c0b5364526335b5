import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchBrowser } from './helpers/browser.js'
import { type RunningServer, startServer } from './helpers/server.js'

/**
 * The fake Zalo inbox in real Chromium: an admin opens it from the admin page (one-time link → HttpOnly SameSite=Strict
 * cookie → the bare page, which reloads); a browser without that session gets 401; the used link opens nothing.
 */
let server: RunningServer
let browser: Browser

beforeAll(async () => {
  ;[server, browser] = await Promise.all([startServer({ demo: true }), launchBrowser()])
})
afterAll(async () => {
  await browser?.close()
  await server?.close()
})

describe('fake Zalo inbox from the admin page', () => {
  it('opens for the admin with a one-time link, reloads on its cookie, and refuses other browsers', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'vi-VN' })
    const page = await ctx.newPage()
    await page.goto(`${server.url}/`)
    await page.getByLabel('Tên đăng nhập').fill('admin')
    await page.getByLabel('Mật khẩu').fill('hailong-demo')
    await page.getByRole('button', { name: 'Đăng nhập' }).click()
    await page.getByRole('button', { name: 'Đăng xuất' }).waitFor()
    await page.goto(`${server.url}/app/admin`)

    // keep a copy of the one-time link (the page navigates away at once) to try it again from another browser
    let url = ''
    await page.route('**/api/zalo/demo-inbox-link', async (route) => {
      const res = await route.fetch()
      url = ((await res.json()) as { url: string }).url
      await route.fulfill({ response: res })
    })
    await page.getByRole('button', { name: 'Mở hộp thư Zalo giả lập' }).click()
    await page.getByRole('heading', { name: 'Hộp thư Zalo / SMS giả lập' }).waitFor()
    // the link left the address bar; the cookie is invisible to scripts
    expect(new URL(page.url()).pathname + new URL(page.url()).search).toBe('/demo/zalo')
    expect(await page.evaluate(() => document.cookie)).toBe('')
    const cookies = await ctx.cookies()
    expect(cookies.find((c) => c.name === 'hl_demo_inbox')).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/demo/zalo' })
    await page.getByRole('link', { name: 'Tải lại' }).click()
    await page.getByRole('heading', { name: 'Hộp thư Zalo / SMS giả lập' }).waitFor()

    // another browser: neither the bare page nor the used link shows anything
    const other = await browser.newContext()
    const p2 = await other.newPage()
    const bare = await p2.goto(`${server.url}/demo/zalo`)
    expect(bare?.status()).toBe(401)
    expect(await p2.content()).toContain('quản trị')
    expect(url).toMatch(/^\/demo\/zalo\?t=/)
    const reused = await p2.goto(`${server.url}${url}`)
    expect(reused?.status()).toBe(401)
    await other.close()
    await ctx.close()
  }, 60_000)
})
