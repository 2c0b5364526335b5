import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchBrowser } from './helpers/browser.js'
import { type RunningServer, startServer } from './helpers/server.js'

/**
 * Staff journeys 3–7 in real Chromium on one round, in order: the launch wizard → open → print
 * slips; the live dashboard picks up a resident's ballot without a reload; a collector keys two paper
 * ballots with the keyboard only; close, seal and the documents; the council reads and decides.
 */
const SHOTS = process.env.SCREENSHOT_DIR ?? '/tmp'
let server: RunningServer
let browser: Browser
let roundId = ''

beforeAll(async () => {
  ;[server, browser] = await Promise.all([startServer({ demo: true }), launchBrowser()])
})
afterAll(async () => {
  await browser?.close()
  await server?.close()
})

async function apiLogin(username: string): Promise<{ token: string; id: string }> {
  const res = await fetch(`${server.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: 'hailong-demo' }),
  })
  const body = (await res.json()) as { token: string; user: { id: string } }
  return { token: body.token, id: body.user.id }
}

async function api<T>(token: string, path: string, body?: unknown, method = body === undefined ? 'GET' : 'POST'): Promise<T> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${await res.text()}`)
  return (await res.json()) as T
}

async function login(page: Page, username: string): Promise<void> {
  await page.goto(`${server.url}/`)
  await page.getByLabel('Tên đăng nhập').fill(username)
  await page.getByLabel('Mật khẩu').fill('hailong-demo')
  await page.getByRole('button', { name: 'Đăng nhập' }).click()
  await page.getByRole('button', { name: 'Đăng xuất' }).waitFor()
}

const villageId = async (token: string, code: string) => {
  const { items } = await api<{ items: { id: string; code: string }[] }>(token, '/api/units?kind=village')
  const v = items.find((u) => u.code === code)
  if (!v) throw new Error(`no village ${code}`)
  return v.id
}

describe('staff app: a round from launch to the council decision', () => {
  it('launches a round with the wizard (defaults from the level), opens it and downloads the print slips', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'vi-VN' })
    await login(page, 'mttq.xa')
    await page.getByRole('navigation').getByRole('link', { name: 'Đợt lấy ý kiến' }).click()
    await page.getByRole('link', { name: 'Tạo đợt lấy ý kiến' }).click()

    await page.waitForURL('**/app/rounds/new')

    // step 1: the only commune is preselected; the template preview lists the questions
    await expect.poll(() => page.getByLabel('Xã', { exact: true }).inputValue()).not.toBe('')
    // a 2026 round: xã NTM (no nâng cao under QĐ 51/2025) and the QĐ 51/2025 form
    expect(await page.getByLabel('Cấp độ công nhận').inputValue()).toBe('xa_ntm')
    expect(await page.getByLabel('Mẫu phiếu').locator('option:checked').textContent()).toContain('QĐ 51/2025')
    await page.getByText('Xem trước phiếu').waitFor()
    expect(await page.locator('ol.preview li').count()).toBeGreaterThanOrEqual(2)
    await page.screenshot({ path: `${SHOTS}/staff-wizard-1.png`, fullPage: true })
    await page.getByRole('button', { name: 'Tiếp tục →' }).click()

    // step 2: the QĐ 51/2025 rule set is proposed; without it, threshold and floor prefilled from the level's
    // configuration, with a visible note
    const rules = page.getByLabel('Bộ quy tắc xét kết quả')
    expect(await rules.locator('option:checked').textContent()).toContain('QĐ 51/2025')
    await rules.selectOption('')
    const threshold = page.getByLabel('Ngưỡng tỷ lệ hài lòng (%)')
    await threshold.waitFor()
    expect(await threshold.inputValue()).toBe('90')
    expect(await page.getByLabel(/Độ bao phủ tối thiểu/).inputValue()).toBe('70')
    expect(await page.getByRole('note').textContent()).toContain('Điền sẵn theo cấp độ')
    await threshold.fill('92')
    await page.getByText('Đã thay đổi so với mặc định').waitFor()
    await page.screenshot({ path: `${SHOTS}/staff-wizard-2.png`, fullPage: true })
    await threshold.fill('90')
    await page.getByRole('button', { name: 'Tiếp tục →' }).click()

    // step 3: summary, open
    await page.getByText('Bước 3: Kiểm tra và tạo đợt').waitFor()
    await page.getByRole('button', { name: 'Mở đợt lấy ý kiến' }).click()
    await page.waitForURL((u) => /\/app\/rounds\/[^/]+$/.test(u.pathname) && !u.pathname.endsWith('/new'))
    roundId = page.url().split('/').pop() ?? ''
    await page.getByText('Đang lấy ý kiến', { exact: true }).first().waitFor()

    // print slips for one village: a real PDF arrives as a download
    const { token } = await apiLogin('mttq.xa')
    // a small ấp (Phú Hiệp, 129 households): one PDF of slips, quickly
    const phuHiep = await villageId(token, 'XBB-05')
    await page.getByLabel('Phạm vi').selectOption(phuHiep)
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: /Tải phiếu mời để in/ }).click()])
    expect(download.suggestedFilename()).toMatch(/\.pdf$/)
    const path = await download.path()
    const { readFileSync } = await import('node:fs')
    expect(readFileSync(path).subarray(0, 5).toString()).toBe('%PDF-')
    await page.close()
  })

  it('shows coverage per village and refreshes by polling when a resident answers (no reload); no result while open', async () => {
    expect(roundId).not.toBe('')
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'vi-VN' })
    const chartRequests: string[] = []
    // the page never asks for a result of the open round, and nothing fails on the way
    const resultRequests: string[] = []
    const failures: string[] = []
    page.on('request', (r) => {
      if (/\/assets\/chart-[^/]+\.js$/.test(r.url())) chartRequests.push(r.url())
      if (/\/api\/rounds\/[^/]+\/(tally|feedback|follow-up-candidates)/.test(r.url())) resultRequests.push(r.url())
    })
    page.on('response', (r) => {
      if (r.status() >= 400 && !r.url().endsWith('/integrity')) failures.push(`${r.status()} ${r.url()}`)
    })
    page.on('requestfailed', (r) => {
      // ERR_ABORTED is the browser dropping a request a navigation made moot (the home page's reads when the test
      // goes straight to the round), not a failure the user sees
      if (r.failure()?.errorText !== 'net::ERR_ABORTED') failures.push(`failed ${r.url()} ${r.failure()?.errorText ?? ''}`)
    })
    // (the integrity panel asks and is told 403: signals are for the province Front; the panel then stays hidden)
    page.on('console', (m) => {
      if (m.type() === 'error' && !m.location().url.endsWith('/integrity')) failures.push(`console: ${m.text()} ${m.location().url}`)
    })
    await login(page, 'mttq.xa')
    await page.goto(`${server.url}/app/rounds/${roundId}`)
    const coverage = page.getByTestId('kpi-coverage').locator('.value')
    await expect.poll(() => coverage.textContent()).toBe('0,00 %')
    await page.locator('.chart-box canvas').first().waitFor()
    expect(chartRequests.length).toBe(1)
    await page.evaluate(() => {
      ;(window as unknown as { __noReload: boolean }).__noReload = true
    })

    // a resident answers through a printed link (resident API)
    const { token } = await apiLogin('mttq.xa')
    const langTram = await villageId(token, 'XBB-03')
    const issued = await api<{ links: { url: string }[] }>(token, `/api/rounds/${roundId}/invitations`, {
      channel: 'print',
      villageIds: [langTram],
    })
    const link = issued.links[0]?.url.split('/').pop() ?? ''
    const form = await (await fetch(`${server.url}/api/ballots/${link}`)).json()
    const answers = Object.fromEntries((form.questions as { key: string }[]).map((q) => [q.key, { satisfied: true }]))
    const sent = await fetch(`${server.url}/api/ballots/${link}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ answers }),
    })
    expect(sent.status).toBe(201)

    // within one poll (≤ 10 s) the commune coverage moves off zero, on the same page
    await expect.poll(() => coverage.textContent(), { timeout: 12_000 }).not.toBe('0,00 %')
    expect(await page.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload)).toBe(true)
    // results are disclosed once, at close (TRUST.md §2.2): no rate, no interval, a line that says so
    expect(await page.getByTestId('kpi-rate').count()).toBe(0)
    expect(await page.getByTestId('results-withheld').textContent()).toContain('Kết quả sẽ hiển thị khi đóng đợt')
    expect(await page.getByRole('columnheader', { name: /Tỷ lệ hài lòng/ }).count()).toBe(0)
    expect(await page.getByTestId('kpi-channels').textContent()).toContain('1')
    const row = page.getByRole('table', { name: 'Số liệu theo thôn/ấp' }).locator('tr', { hasText: 'Ấp Láng Trâm' })
    expect(await row.textContent()).toContain('0,58 %') // 1 of 171
    await page.screenshot({ path: `${SHOTS}/staff-dashboard.png`, fullPage: true })

    // households not yet reached, per village
    await page.getByLabel(/Thôn\/ấp \(danh sách/).selectOption(langTram)
    await expect.poll(() => page.getByText(/170 hộ chưa tham gia/).count()).toBe(1)
    await page.setViewportSize({ width: 768, height: 1000 })
    await page.screenshot({ path: `${SHOTS}/staff-dashboard-768.png`, fullPage: true })
    expect(resultRequests).toEqual([])
    expect(failures).toEqual([])
    await page.close()
  })

  it('lets a collector key two paper ballots with the keyboard only', async () => {
    expect(roundId).not.toBe('')
    const staff = await apiLogin('mttq.xa')
    const collector = await apiLogin('thu.ky')
    const kenhTu = await villageId(staff.token, 'XBB-02')
    await api(staff.token, `/api/rounds/${roundId}/collectors/${collector.id}`, { villageIds: [kenhTu] }, 'PUT')

    const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'vi-VN' })
    await login(page, 'thu.ky')
    await page.waitForURL('**/app/rounds')
    await page.getByRole('link', { name: 'Nhập phiếu' }).click()
    await page.waitForURL('**/paper')
    await page.getByLabel('Thôn/ấp').selectOption(kenhTu)
    const households = page.getByLabel(/^Hộ chưa tham gia/)
    await expect.poll(() => households.locator('option').count()).toBeGreaterThan(2)
    const first = await households.inputValue()
    const total = (await page
      .getByLabel(/^Hộ chưa tham gia/)
      .locator('option')
      .count()) as number
    expect(total).toBeGreaterThan(2)

    // household 1: all satisfied — focus the list, Enter starts keying, 1 × N, Enter saves
    await households.focus()
    await page.keyboard.press('Enter')
    const n = await page.locator('[id^="paper-q-"]').count()
    for (let i = 0; i < n; i++) await page.keyboard.press('1')
    await page.keyboard.press('Enter')
    await expect.poll(() => page.getByTestId('saved-count').textContent()).toBe('1')
    expect(await households.inputValue()).not.toBe(first)
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('paper-q-0')

    // household 2: question 1 not satisfied with a reason, the rest satisfied
    await page.keyboard.press('2')
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('paper-reason-0')
    await page.keyboard.type('Đường vào ấp còn lầy lội')
    await page.keyboard.press('Enter')
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('paper-q-1')
    await page.screenshot({ path: `${SHOTS}/staff-paper-entry.png`, fullPage: true })
    for (let i = 1; i < n; i++) await page.keyboard.press('1')
    await page.keyboard.press('Enter')
    await expect.poll(() => page.getByTestId('saved-count').textContent()).toBe('2')
    expect(await page.getByTestId('paper-last').textContent()).toContain('Đã lưu phiếu hộ')

    const tally = await api<{ byChannel: Record<string, number>; commune: { participated: number } }>(
      staff.token,
      `/api/rounds/${roundId}/coverage`,
    )
    expect(tally.byChannel.paper).toBe(2)
    expect(tally.commune.participated).toBe(3)
    await page.close()
  })

  it('closes and seals the round, offers the documents, and the council records its decision', async () => {
    expect(roundId).not.toBe('')
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'vi-VN' })
    await login(page, 'mttq.xa')
    await page.goto(`${server.url}/app/rounds/${roundId}`)
    // close and seal are confirmed in a dialog that states the facts and asks for a typed phrase
    await page.getByRole('button', { name: 'Kết thúc thu phiếu' }).click()
    const closeDialog = page.getByRole('dialog', { name: /Kết thúc thu phiếu/ })
    await closeDialog.getByLabel(/Gõ ĐÓNG ĐỢT/).fill('ĐÓNG ĐỢT')
    await closeDialog.getByRole('button', { name: 'Kết thúc thu phiếu' }).click()
    await page.getByRole('button', { name: 'Niêm phong kết quả' }).click()
    const sealDialog = page.getByRole('dialog', { name: /Niêm phong kết quả/ })
    await sealDialog.getByLabel(/Gõ NIÊM PHONG/).fill('niem phong')
    await sealDialog.getByRole('button', { name: 'Niêm phong kết quả' }).click()
    await page.getByRole('button', { name: 'Biên bản (PDF)' }).waitFor()
    const [minutes] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Biên bản (PDF)' }).click()])
    expect(minutes.suggestedFilename()).toMatch(/\.pdf$/)
    const [xlsx] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Xuất Excel (XLSX)' }).click()])
    expect(xlsx.suggestedFilename()).toMatch(/\.xlsx$/)
    await page.screenshot({ path: `${SHOTS}/staff-sealed.png`, fullPage: true })
    await page.close()

    const council = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'vi-VN' })
    await login(council, 'hoidong')
    await council.waitForURL('**/app/council')
    await council.getByRole('link', { name: 'Xem kết quả' }).first().click()
    await council.getByRole('heading', { name: 'Kết luận' }).waitFor()
    // 3 of 3,337 households took part: the coverage check fails, said in plain Vietnamese
    expect(await council.locator('.verdict .lead').textContent()).toContain('Chưa đạt: tỷ lệ hộ tham gia chưa đạt mức tối thiểu')
    await council
      .getByText(/Lý do không hài lòng/)
      .first()
      .waitFor()
    await council.getByLabel('Tán thành', { exact: true }).fill('0')
    await council.getByLabel('Không tán thành').fill('20')
    await council.getByLabel('Quyết định', { exact: true }).selectOption('return_for_resurvey')
    await council.getByRole('button', { name: 'Ghi quyết định' }).click()
    await council
      .getByText(/Trả lại, lấy ý kiến lại/)
      .first()
      .waitFor()
    await council.screenshot({ path: `${SHOTS}/staff-council-result.png`, fullPage: true })
    const decisions = await api<{ items: { decision: string; votesAgainst: number }[] }>(
      (await apiLogin('hoidong')).token,
      `/api/rounds/${roundId}/council-decisions`,
    )
    expect(decisions.items.map((d) => [d.decision, d.votesAgainst])).toEqual([['return_for_resurvey', 20]])
    await council.close()
  })
})
