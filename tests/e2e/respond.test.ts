/// <reference lib="dom" />
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { resolve } from 'node:path'
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchBrowser } from './helpers/browser.js'
import { type RunningServer, startServer } from './helpers/server.js'

/**
 * The resident page (/r/:token) in real Chromium against the real server over a temp SQLite file:
 * every link state, the form, validation focus, reload, the offline queue, 320 px, axe-core, and the
 * load time on Slow 3G with a 4× slower CPU. Screenshots go to /tmp/respond-*.png.
 */
const serverReady = existsSync(resolve(import.meta.dirname, '../../server/src/modules/ballots'))
const RECEIPT = /^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')

describe.skipIf(!serverReady)('resident page /r/:token', () => {
  let server: RunningServer
  let browser: Browser
  let auth: Record<string, string>
  let roundId = ''
  let tokens: string[] = []
  const contexts: BrowserContext[] = []

  async function api<T = any>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: { ...auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const json = await res.json()
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`)
    return json as T
  }

  const ballotsCounted = async () =>
    (await api<{ commune: { participated: number } }>('GET', `/api/rounds/${roundId}/coverage`)).commune.participated

  /** A fresh phone: its own storage; records requests leaving our origin and console errors (CSP). */
  async function open(token: string, opts: BrowserContextOptions = {}) {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'vi-VN', ...opts })
    contexts.push(context)
    const page = await context.newPage()
    const foreign: string[] = []
    const errors: string[] = []
    page.on('request', (r) => {
      if (!r.url().startsWith(server.url)) foreign.push(r.url())
    })
    page.on('console', (m) => {
      if (m.type() === 'error' && !/Failed to load resource|ERR_INTERNET_DISCONNECTED/.test(m.text())) errors.push(m.text())
    })
    await page.goto(`${server.url}/r/${token}`)
    return { page, context, foreign, errors }
  }

  const heading = (page: Page) => page.locator('main h1')
  const questions = (page: Page) => page.locator('fieldset')
  async function answer(page: Page, choice: (i: number) => 'yes' | 'no' | null) {
    const n = await questions(page).count()
    for (let i = 0; i < n; i++) {
      const c = choice(i)
      if (c)
        await questions(page)
          .nth(i)
          .getByLabel(c === 'yes' ? 'Hài lòng' : 'Không hài lòng', { exact: true })
          .check()
    }
    return n
  }
  const focusedId = (page: Page) => page.evaluate(() => document.activeElement?.id ?? '')
  /** The page's saved draft for its link (one per phone here). */
  const draftOf = (page: Page) =>
    page.evaluate(() => {
      const key = Object.keys(localStorage).find((k) => k.startsWith('hailong:r:'))
      return key ? JSON.parse(localStorage.getItem(key) ?? 'null') : null
    })

  beforeAll(async () => {
    server = await startServer({ demo: true })
    browser = await launchBrowser()
    const login = await fetch(`${server.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'mttq.xa', password: 'hailong-demo' }),
    }).then((r) => r.json() as Promise<{ token: string }>)
    auth = { authorization: `Bearer ${login.token}` }
    const communes = await api<{ items: { id: string; name: string }[] }>('GET', '/api/units?kind=commune')
    const commune = communes.items.find((u) => u.name.includes('Biển Bạch')) ?? communes.items[0]
    if (!commune) throw new Error('no commune in the demo data')
    const villages = await api<{ items: { id: string }[] }>('GET', `/api/units?parentId=${commune.id}&kind=village`)
    const templates = await api<{ items: { id: string; code: string }[] }>('GET', '/api/questionnaire-templates')
    // the 2026 form (QĐ 51/2025, xã NTM): satisfaction questions only (the HD 90 form has a yes/no question)
    const template = templates.items.find((t) => t.code === 'QD51_XA_NTM') ?? templates.items[0]
    const day = 86400_000
    const round = await api<{ id: string }>('POST', '/api/rounds', {
      communeId: commune.id,
      level: 'xa_ntm',
      templateId: template?.id,
      title: 'Lấy ý kiến về xã nông thôn mới năm 2026',
      opensAt: new Date(Date.now() - day).toISOString(),
      closesAt: new Date(Date.now() + 7 * day).toISOString(),
    })
    roundId = round.id
    await api('POST', `/api/rounds/${roundId}/open`)
    const inv = await api<{ links: { url: string }[] }>('POST', `/api/rounds/${roundId}/invitations`, {
      channel: 'print',
      villageIds: [villages.items[0]?.id],
    })
    tokens = inv.links.map((l) => l.url.split('/r/')[1] ?? '')
    expect(tokens.length).toBeGreaterThan(10)
  })

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {})
    await browser?.close()
    await server?.close()
  })

  it('answer all, a "Không hài lòng" needs a reason, submit once → receipt, checkable, answers forgotten', async () => {
    const token = tokens[0] ?? ''
    const { page, foreign, errors } = await open(token)
    await expect.poll(() => heading(page).textContent()).toBe('Lấy ý kiến về xã nông thôn mới năm 2026')
    expect(await page.locator('.commune').textContent()).toBe('Xã Biển Bạch')
    expect(await page.getByText('Không ghi tên.').count()).toBe(1)
    const n = await answer(page, (i) => (i === 1 ? 'no' : 'yes'))
    expect(await page.locator('label[for=progress]').textContent()).toBe(`Đã trả lời ${n - 1}/${n} câu`)
    // The overall question is last.
    expect(await page.locator('h2 + fieldset legend').textContent()).toMatch(new RegExp(`^Câu ${n}/${n}`))
    await page.screenshot({ path: '/tmp/respond-form.png', fullPage: true })

    let posts = 0
    page.on('request', (r) => {
      if (r.method() === 'POST' && r.url().includes('/api/ballots/')) posts++
    })
    await page.locator('#submit').click()
    const reason = questions(page).nth(1).getByLabel('Vì sao ông/bà chưa hài lòng?')
    await expect.poll(() => focusedId(page)).toBe(await reason.getAttribute('id'))
    const errId = await reason.getAttribute('aria-describedby')
    expect(await page.locator(`#${errId}`).textContent()).toBe('Vui lòng ghi lý do chưa hài lòng.')
    expect(posts).toBe(0)

    await reason.fill('Đường vào ấp còn lầy lội mùa mưa')
    await page.locator('#comment').fill('Cảm ơn cán bộ ấp.')
    const before = await ballotsCounted()
    await page.locator('#submit').dblclick()
    await expect.poll(() => heading(page).textContent()).toBe('Cảm ơn ông/bà đã tham gia!')
    expect(await focusedId(page)).toBe('')
    expect(await page.evaluate(() => document.activeElement?.tagName)).toBe('H1')
    const receipt = (await page.locator('.code').textContent()) ?? ''
    expect(receipt).toMatch(RECEIPT)
    expect(posts).toBe(1)
    expect(await ballotsCounted()).toBe(before + 1)
    await page.screenshot({ path: '/tmp/respond-thank-you.png', fullPage: true })

    await page.getByRole('button', { name: 'Kiểm tra ngay' }).click()
    // one ballot waits in the pending store until its village has a batch: accepted, not yet counted
    await expect.poll(() => page.getByRole('status').textContent()).toMatch(/đã nhận, sẽ được kiểm khi đủ phiếu/)
    expect(await api('GET', `/api/receipts/${receipt}`)).toMatchObject({ included: true, status: 'pending', roundId })

    const saved = await draftOf(page)
    expect(saved).toMatchObject({ receipt, answers: {}, comment: '', queued: null })
    expect(JSON.stringify(saved)).not.toContain('lầy lội')
    // Reopening the link on the same phone shows the receipt again, not "already answered".
    await page.reload()
    await expect.poll(() => heading(page).textContent()).toBe('Cảm ơn ông/bà đã tham gia!')
    expect(await page.locator('.code').textContent()).toBe(receipt)
    expect(foreign).toEqual([])
    expect(errors).toEqual([])
  })

  it('submitting an empty form moves focus to the first question and marks every question', async () => {
    const { page } = await open(tokens[1] ?? '')
    await expect.poll(() => questions(page).count()).toBeGreaterThan(2)
    const n = await questions(page).count()
    await page.locator('#submit').click()
    const first = questions(page).first().getByLabel('Hài lòng', { exact: true })
    await expect.poll(() => focusedId(page)).toBe(await first.getAttribute('id'))
    expect(await page.locator('fieldset .err').count()).toBe(n)
    const describedBy = (await first.getAttribute('aria-describedby')) ?? ''
    expect(await page.locator(`#${describedBy}`).textContent()).toBe('Vui lòng chọn Hài lòng hoặc Không hài lòng.')
    expect(await page.getByRole('alert').textContent()).toContain(`Còn ${n} chỗ cần bổ sung`)
    // Keyboard only: Space picks the focused choice, and its error goes away.
    await page.keyboard.press('Space')
    expect(await page.locator('fieldset .err').count()).toBe(n - 1)
    await page.screenshot({ path: '/tmp/respond-errors.png', fullPage: false })
  })

  it('reload restores the answers, the reason and the comment', async () => {
    const { page } = await open(tokens[2] ?? '')
    await expect.poll(() => questions(page).count()).toBeGreaterThan(2)
    await answer(page, (i) => (i === 0 ? 'no' : i === 1 ? 'yes' : null))
    await questions(page).nth(0).locator('textarea').fill('Chưa có đèn đường')
    await page.locator('#comment').fill('Mong xã sửa cầu')
    await page.reload()
    await expect.poll(() => questions(page).count()).toBeGreaterThan(2)
    expect(await questions(page).nth(0).getByLabel('Không hài lòng', { exact: true }).isChecked()).toBe(true)
    expect(await questions(page).nth(0).locator('textarea').inputValue()).toBe('Chưa có đèn đường')
    expect(await questions(page).nth(1).getByLabel('Hài lòng', { exact: true }).isChecked()).toBe(true)
    expect(await questions(page).nth(2).getByLabel('Hài lòng', { exact: true }).isChecked()).toBe(false)
    expect(await page.locator('#comment').inputValue()).toBe('Mong xã sửa cầu')
  })

  it('offline on submit: queued with a clear message, sent by itself when back online, exactly one ballot', async () => {
    const { page, context } = await open(tokens[3] ?? '')
    await expect.poll(() => questions(page).count()).toBeGreaterThan(2)
    await answer(page, () => 'yes')
    const before = await ballotsCounted()
    await context.setOffline(true)
    await page.locator('#submit').click()
    await expect.poll(() => heading(page).textContent()).toBe('Đã lưu, sẽ gửi khi có mạng')
    await page.screenshot({ path: '/tmp/respond-queued.png', fullPage: true })
    expect((await draftOf(page)).queued).toMatchObject({
      clientId: expect.any(String),
      paradata: { secondsToComplete: expect.any(Number) },
    })
    await context.setOffline(false)
    await expect.poll(() => heading(page).textContent(), { timeout: 20_000 }).toBe('Cảm ơn ông/bà đã tham gia!')
    expect(await ballotsCounted()).toBe(before + 1)
  })

  it('a ballot queued when the page was closed is sent on the next open', async () => {
    const { page, context } = await open(tokens[4] ?? '')
    await expect.poll(() => questions(page).count()).toBeGreaterThan(2)
    await answer(page, () => 'yes')
    await context.setOffline(true)
    await page.locator('#submit').click()
    await expect.poll(() => heading(page).textContent()).toBe('Đã lưu, sẽ gửi khi có mạng')
    const before = await ballotsCounted()
    await page.close()
    await context.setOffline(false)
    const again = await context.newPage()
    await again.goto(`${server.url}/r/${tokens[4]}`)
    await expect.poll(() => again.locator('main h1').textContent()).toBe('Cảm ơn ông/bà đã tham gia!')
    expect(await ballotsCounted()).toBe(before + 1)
  })

  it('unknown link → not found; used link on another phone → already answered', async () => {
    const unknown = await open('khong-co-link-nay-0000000000')
    await expect.poll(() => heading(unknown.page).textContent()).toBe('Không tìm thấy phiếu')
    const used = await open(tokens[0] ?? '')
    await expect.poll(() => heading(used.page).textContent()).toBe('Hộ gia đình đã gửi ý kiến')
    await used.page.screenshot({ path: '/tmp/respond-answered.png' })
  })

  it('fits 320 px without sideways scrolling, and 200 % zoom', async () => {
    for (const [name, viewport, scale] of [
      ['320', { width: 320, height: 700 }, 1],
      ['zoom200', { width: 195, height: 422 }, 2],
    ] as const) {
      const { page } = await open(tokens[5] ?? '', { viewport, deviceScaleFactor: scale })
      await expect.poll(() => questions(page).count()).toBeGreaterThan(2)
      await answer(page, (i) => (i === 0 ? 'no' : null))
      await page.locator('#submit').click()
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
      expect(overflow, name).toBeLessThanOrEqual(0)
      await page.screenshot({ path: `/tmp/respond-${name}.png`, fullPage: name === '320' })
      if (name === '320') {
        await page.evaluate(() => window.scrollTo(0, 0))
        await page.screenshot({ path: '/tmp/respond-320-top.png' })
      }
      // Every choice is a big tap target.
      const box = await questions(page).first().locator('label.choice').first().boundingBox()
      expect(box?.height ?? 0).toBeGreaterThanOrEqual(48)
    }
  })

  it('axe-core finds no violations on the form (with errors shown) and the thank-you page', async () => {
    const { page } = await open(tokens[6] ?? '', { bypassCSP: true })
    await expect.poll(() => questions(page).count()).toBeGreaterThan(2)
    await answer(page, (i) => (i === 0 ? 'no' : null))
    await page.locator('#submit').click()
    const run = async () => {
      await page.addScriptTag({ content: axeSource })
      return page.evaluate(async () => {
        const r = await (window as any).axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] })
        return r.violations.map((v: any) => `${v.id}: ${v.nodes.map((n: any) => n.target.join(' ')).join(', ')}`)
      })
    }
    expect(await run()).toEqual([])
    await answer(page, (i) => (i === 0 ? null : 'yes'))
    await questions(page).first().locator('textarea').fill('Thiếu nước sạch')
    await page.locator('#submit').click()
    await expect.poll(() => heading(page).textContent()).toBe('Cảm ơn ông/bà đã tham gia!')
    expect(await run()).toEqual([])
  })

  it('loads on Slow 3G with a 4× slower CPU in a reasonable time', async () => {
    const context = await browser.newContext({ viewport: { width: 360, height: 740 } })
    contexts.push(context)
    const page = await context.newPage()
    const cdp = await context.newCDPSession(page)
    await cdp.send('Network.enable')
    // DevTools' "Slow 3G": 2 s RTT, 50 KB/s each way (500 kbit/s × 0.8).
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 2000,
      downloadThroughput: 50_000,
      uploadThroughput: 50_000,
    })
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 })
    const t0 = Date.now()
    await page.goto(`${server.url}/r/${tokens[7]}`, { timeout: 60_000 })
    await page.locator('fieldset').first().waitFor({ timeout: 60_000 })
    const ms = Date.now() - t0
    const nav = await page.evaluate(() => {
      const n = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming
      return {
        domContentLoaded: Math.round(n.domContentLoadedEventEnd),
        bytes: performance.getEntriesByType('resource').reduce((s, r) => s + (r as PerformanceResourceTiming).transferSize, n.transferSize),
      }
    })
    console.log(
      `respond load on Slow 3G + 4× CPU: form usable after ${(ms / 1000).toFixed(1)} s (DOMContentLoaded ${(nav.domContentLoaded / 1000).toFixed(1)} s, ${(nav.bytes / 1024).toFixed(1)} KB transferred)`,
    )
    expect(ms).toBeLessThan(20_000)
  })

  it('/verify checks a typed receipt (the page the thank-you screen points to)', async () => {
    const { page, foreign } = await open(tokens[9] ?? '')
    await expect.poll(() => questions(page).count()).toBeGreaterThan(2)
    await answer(page, () => 'yes')
    await page.locator('#submit').click()
    await expect.poll(() => heading(page).textContent()).toBe('Cảm ơn ông/bà đã tham gia!')
    const receipt = (await page.locator('.code').textContent()) ?? ''
    // The server serves /verify with the same page; serve it here from the build if it does not yet.
    const html = readFileSync(resolve(import.meta.dirname, '../../web/dist/respond.html'), 'utf8')
    await page.route(/\/verify(\?|$)/, async (route) => {
      const res = await route.fetch()
      await (res.ok() ? route.fulfill({ response: res }) : route.fulfill({ status: 200, contentType: 'text/html', body: html }))
    })
    await page.getByRole('link', { name: 'kiểm tra biên nhận' }).click()
    await expect.poll(() => heading(page).textContent()).toBe('Kiểm tra biên nhận')
    const input = page.getByLabel('Mã biên nhận')
    expect(await input.inputValue()).toBe(receipt)
    await input.fill(receipt.toLowerCase().replace(/-/g, ' '))
    await page.getByRole('button', { name: 'Kiểm tra' }).click()
    await expect.poll(() => page.locator('#receipt-result').textContent()).toMatch(/đã nhận, sẽ được kiểm khi đủ phiếu/)
    await input.fill('AAAA-BBBB-CCCC')
    await input.press('Enter')
    await expect.poll(() => page.locator('#receipt-result').textContent()).toMatch(/Không tìm thấy/)
    await page.screenshot({ path: '/tmp/respond-verify.png' })
    expect(foreign).toEqual([])
  })

  it('a closed round shows the closed page', async () => {
    await api('POST', `/api/rounds/${roundId}/close`, {})
    const { page } = await open(tokens[8] ?? '')
    await expect.poll(() => heading(page).textContent()).toBe('Đợt lấy ý kiến đã kết thúc')
    await page.screenshot({ path: '/tmp/respond-closed.png' })
  })
})
