import { mkdirSync } from 'node:fs'
import { resolve } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchBrowser, signedInPage } from './helpers/browser.js'
import { type RunningServer, startServer } from './helpers/server.js'

/**
 * The admin's pages in real Chromium at 1366 px and on a 360 px phone: accounts (create with the labelled,
 * searchable scope picker; change role and scope, reset the password, lock and unlock, each confirmed with
 * its facts, the server's session ending checked over HTTP), and the questionnaire templates (list, one
 * version's questions, a new version and a new template with Vietnamese validation). Every page visited:
 * no console error, no failed request, nothing wider than the screen. Demo names are read from the API.
 */
const SHOTS = resolve(import.meta.dirname, '../../docs/screenshots')
let server: RunningServer
let browser: Browser

async function login(username: string, password = 'hailong-demo'): Promise<string | null> {
  const res = await fetch(`${server.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  })
  return res.ok ? ((await res.json()) as { token: string }).token : null
}
async function get<T>(path: string, token: string): Promise<{ status: number; body: T }> {
  const res = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${token}` } })
  return { status: res.status, body: (await res.json()) as T }
}

interface UnitRow {
  id: string
  kind: string
  name: string
  validTo: string | null
}
let units: UnitRow[] = []

beforeAll(async () => {
  ;[server, browser] = await Promise.all([startServer({ demo: true }), launchBrowser()])
  const admin = (await login('admin')) as string
  units = (await get<{ items: UnitRow[] }>('/api/units', admin)).body.items
  mkdirSync(SHOTS, { recursive: true })
}, 180_000)

afterAll(async () => {
  await browser?.close()
  await server?.close()
})

const WIDTHS = [
  { name: 'desktop', width: 1366, height: 900 },
  { name: 'phone', width: 360, height: 740 },
] as const

/** The admin signed in, with failed requests and HTTP errors added to the console errors. */
async function adminPage(w: (typeof WIDTHS)[number]): Promise<{ page: Page; problems: string[] }> {
  const { page, errors } = await signedInPage(browser, server.url, 'admin', { width: w.width, height: w.height })
  page.on('requestfailed', (r) => {
    if (r.failure()?.errorText !== 'net::ERR_ABORTED') errors.push(`failed: ${r.url()} ${r.failure()?.errorText}`)
  })
  page.on('response', (r) => {
    if (r.status() >= 400) errors.push(`HTTP ${r.status()}: ${r.url()}`)
  })
  return { page, problems: errors }
}
const noHorizontalScroll = (page: Page, width: number) => page.evaluate((x) => document.documentElement.scrollWidth <= x + 1, width)
const ISO_DAY = /\b\d{4}-\d{2}-\d{2}\b/

describe.each(WIDTHS)('admin pages at $name width ($width px)', (w) => {
  it('accounts: create with the labelled scope picker, then change role and scope, reset the password, lock and unlock, each confirmed', async () => {
    const { page, problems } = await adminPage(w)
    await page.goto(`${server.url}/app/admin`)
    const table = page.getByRole('table', { name: 'Tài khoản' })
    await table.waitFor()
    // the admin's own row offers nothing that could lock him out
    await expect(page.locator('tr[data-username="admin"]').textContent()).resolves.toContain('Tài khoản bạn đang dùng')
    expect(await page.locator('tr[data-username="admin"] button').count()).toBe(0)

    // the scope picker: every unit named by its kind, grouped, the former ones with their end; searchable without diacritics
    const picker = page.locator('#nu-unit')
    const groups = await picker.locator('optgroup').evaluateAll((gs) => gs.map((g) => g.getAttribute('label')))
    expect(groups).toEqual(expect.arrayContaining(['Tỉnh, thành phố', 'Xã, phường', 'Đơn vị cũ (trước khi sắp xếp)']))
    const labels = await picker.locator('option').allTextContents()
    const district = units.find((u) => u.kind === 'district')
    expect(district).toBeDefined()
    expect(labels.some((l) => l.startsWith(`Huyện ${district?.name} (cũ, trước 01/07/2025)`))).toBe(true)
    const province = units.find((u) => u.kind === 'province' && !u.validTo) as UnitRow
    expect(labels).toContain(`Tỉnh ${province.name}`)
    expect(labels.filter((l) => l !== '— Chọn đơn vị —').every((l) => /^(Tỉnh|Huyện|Xã|Phường|Thành phố|Đặc khu) /.test(l))).toBe(true)
    const commune = units.find(
      (u) => u.kind === 'commune' && !u.validTo && u.name.normalize('NFD').replace(/\p{M}/gu, '') !== u.name,
    ) as UnitRow
    const plain = commune.name.normalize('NFD').replace(/\p{M}/gu, '').replace(/đ/g, 'd').replace(/Đ/g, 'D').toLowerCase()
    await page.locator('#nu-unit-search').fill(plain)
    const found = await picker.locator('option').allTextContents()
    expect(found.some((l) => l.startsWith(`Xã ${commune.name} — Tỉnh`))).toBe(true)
    expect(found).not.toContain(`Tỉnh ${province.name}`)

    // create: Vietnamese validation first, then the account
    const username = `kiem.thu.${w.width}`
    await page.getByRole('button', { name: 'Tạo tài khoản' }).click()
    await expect(page.locator('form.create [role="alert"]').textContent()).resolves.toContain('Tên đăng nhập: từ 3 đến 64 ký tự')
    await page.locator('#nu-name').fill(username)
    await page.locator('#nu-pass').fill('mat-khau-ban-dau')
    await page.locator('#nu-role').selectOption('collector')
    await picker.selectOption(commune.id)
    await page.getByRole('button', { name: 'Tạo tài khoản' }).click()
    const row = page.locator(`tr[data-username="${username}"]`)
    await row.waitFor()
    expect(await row.textContent()).toContain(`Xã ${commune.name}`)
    const session = (await login(username, 'mat-khau-ban-dau')) as string
    expect((await get('/api/auth/me', session)).status).toBe(200)

    // role and scope: the dialog states now and after; the user's session ends
    await row.getByRole('button', { name: 'Đổi vai trò, phạm vi' }).click()
    const dialog = page.getByRole('dialog')
    await dialog.waitFor()
    await dialog.locator('#ed-role').selectOption('front_staff')
    await dialog.locator('#ed-unit').selectOption(province.id)
    const facts = (await dialog.getByTestId('confirm-facts').textContent()) ?? ''
    expect(facts).toContain(`Tổ lấy ý kiến — Xã ${commune.name}`)
    expect(facts).toContain(`Cán bộ Mặt trận — Tỉnh ${province.name}`)
    expect(await dialog.textContent()).toContain('phiên đăng nhập')
    await page.screenshot({ path: `${SHOTS}/admin-user-dialog-${w.width}.png` })
    await dialog.getByRole('button', { name: 'Đổi vai trò, phạm vi' }).click()
    await dialog.waitFor({ state: 'hidden' })
    await expect.poll(() => row.textContent()).toContain(`Tỉnh ${province.name}`)
    expect(await row.textContent()).toContain('Cán bộ Mặt trận')
    expect((await get('/api/auth/me', session)).status).toBe(401)

    // password reset: a temporary password shown once, which signs in; the old one does not
    await row.getByRole('button', { name: 'Đặt lại mật khẩu' }).click()
    await dialog.waitFor()
    expect(await dialog.getByTestId('confirm-facts').textContent()).toContain(username)
    await dialog.getByRole('button', { name: 'Đặt lại mật khẩu' }).click()
    const shown = page.getByTestId('temporary-password')
    await shown.waitFor()
    const temporary = ((await shown.textContent()) ?? '').trim()
    expect(temporary).toMatch(/^[a-z2-9]{5}-[a-z2-9]{5}-[a-z2-9]{5}$/)
    expect(await page.getByRole('dialog').textContent()).toContain('chỉ hiện một lần')
    await page.screenshot({ path: `${SHOTS}/admin-password-${w.width}.png` })
    expect(await login(username, 'mat-khau-ban-dau')).toBeNull()
    expect(await login(username, temporary)).not.toBeNull()
    await page.getByRole('button', { name: 'Đã ghi lại, đóng' }).click()
    await shown.waitFor({ state: 'hidden' })

    // the user signs in with it and changes it at once on "Tài khoản của tôi" (reached from his name in the header)
    const own = await browser.newPage({ viewport: { width: w.width, height: w.height }, locale: 'vi-VN' })
    own.on('console', (m) => {
      if (m.type() === 'error') problems.push(`user page: ${m.text()}`)
    })
    own.on('response', (r) => {
      if (r.status() >= 400) problems.push(`user page: HTTP ${r.status()} ${r.url()}`)
    })
    await own.goto(`${server.url}/`)
    await own.getByLabel('Tên đăng nhập').fill(username)
    await own.getByLabel('Mật khẩu').fill(temporary)
    await own.getByRole('button', { name: 'Đăng nhập' }).click()
    await own.getByRole('link', { name: `${username} · Cán bộ Mặt trận` }).click()
    await own.getByRole('heading', { name: 'Tài khoản của tôi' }).waitFor()
    const chosen = `mat-khau-rieng-${w.width}`
    await own.getByLabel('Mật khẩu hiện tại').fill(temporary)
    await own.getByLabel('Mật khẩu mới (ít nhất 10 ký tự)').fill(chosen)
    await own.getByLabel('Nhập lại mật khẩu mới').fill(`${chosen}x`)
    await own.getByRole('button', { name: 'Đổi mật khẩu' }).click()
    expect(await own.locator('form [role="alert"]').first().textContent()).toContain('Hai lần nhập mật khẩu mới chưa giống nhau.')
    await own.getByLabel('Nhập lại mật khẩu mới').fill(chosen)
    await own.getByRole('button', { name: 'Đổi mật khẩu' }).click()
    await own.getByRole('status').filter({ hasText: 'Đã đổi mật khẩu' }).first().waitFor()
    expect(await noHorizontalScroll(own, w.width)).toBe(true)
    await own.getByRole('heading', { name: 'Tài khoản của tôi' }).evaluate((h) => h.scrollIntoView())
    await own.screenshot({ path: `${SHOTS}/account-password-${w.width}.png` })
    // the session goes on with the new token
    await own.reload()
    await own.getByRole('heading', { name: 'Tài khoản của tôi' }).waitFor()
    await own.close()
    expect(await login(username, temporary)).toBeNull()
    expect(await login(username, chosen)).not.toBeNull()

    // lock and unlock
    await row.getByRole('button', { name: 'Khoá', exact: true }).click()
    await dialog.waitFor()
    expect(await dialog.textContent()).toContain('không đăng nhập được nữa')
    await dialog.getByRole('button', { name: 'Khoá tài khoản' }).click()
    await expect.poll(() => row.textContent()).toContain('Đã khoá')
    expect(await login(username, chosen)).toBeNull()
    await row.getByRole('button', { name: 'Mở khoá' }).click()
    await dialog.getByRole('button', { name: 'Mở khoá' }).click()
    await expect.poll(() => row.textContent()).toContain('Hoạt động')
    expect(await login(username, chosen)).not.toBeNull()

    expect(await noHorizontalScroll(page, w.width)).toBe(true)
    expect((await page.locator('main').textContent()) ?? '').not.toMatch(ISO_DAY)
    await page.locator('#nu-unit-search').fill('')
    // the toasts would hide the table on a phone; they go by themselves after 4 s
    for (const close of await page.getByRole('button', { name: 'Đóng thông báo' }).all())
      await close.click({ timeout: 2000 }).catch(() => {})
    await page.getByRole('heading', { name: 'Quản trị', level: 1 }).evaluate((h) => h.scrollIntoView())
    await page.screenshot({ path: `${SHOTS}/admin-users-${w.width}.png` })
    expect(problems).toEqual([])
    await page.close()
  }, 120_000)

  it('templates: list with days dd/MM/yyyy, one version with its questions, a new version and a new template with Vietnamese validation', async () => {
    const { page, problems } = await adminPage(w)
    await page.goto(`${server.url}/app/admin`)
    await page.getByRole('link', { name: 'Quản lý mẫu phiếu' }).click()
    const list = page.getByRole('table', { name: 'Danh sách mẫu phiếu' })
    await list.waitFor()
    const text = (await page.locator('main').textContent()) ?? ''
    expect(text).toContain('QD51_XA_NTM')
    expect(text).toMatch(/Từ 15\/02\/2026/)
    expect(text).toContain('51/2025/QĐ-TTg, ngày 29/12/2025')
    expect(text).not.toMatch(ISO_DAY)
    expect(text).not.toContain('qua API')
    expect(await noHorizontalScroll(page, w.width)).toBe(true)
    await page.screenshot({ path: `${SHOTS}/admin-templates-${w.width}.png`, fullPage: true })

    // one version: its facts and questions
    await list.getByRole('link', { name: /Phiếu 10 tiêu chí xã nông thôn mới/ }).click()
    await page.getByRole('heading', { name: /Câu hỏi \(\d+\)/ }).waitFor()
    const detail = (await page.locator('main').textContent()) ?? ''
    expect(detail).toContain('Câu hỏi chung')
    expect(detail).toMatch(/Tiêu chí 1 – /)
    expect(detail).toContain('không sửa được')
    expect(detail).not.toMatch(ISO_DAY)
    expect(await noHorizontalScroll(page, w.width)).toBe(true)
    await page.screenshot({ path: `${SHOTS}/admin-template-${w.width}.png`, fullPage: true })

    // a new version from it: a question emptied is refused in Vietnamese, then saved as version + 1 after the facts
    await page.getByRole('link', { name: 'Tạo phiên bản mới từ phiên bản này' }).click()
    await page.getByRole('heading', { name: 'Phiên bản mới của mẫu phiếu QD51_XA_NTM' }).waitFor()
    await expect(page.locator('#t-code').inputValue()).resolves.toBe('QD51_XA_NTM')
    await page.locator('#q0-text').fill('')
    await page.locator('#q0-ref').fill('99')
    const save = page.getByRole('button', { name: /^Lưu phiên bản \d+$/ })
    await save.click()
    const alert = page.locator('#tpl-problems')
    await alert.waitFor()
    const said = (await alert.textContent()) ?? ''
    expect(said).toContain('Câu 1: hãy nhập nội dung câu hỏi.')
    expect(said).toContain('Câu 1: bộ tiêu chí đã chọn không có tiêu chí 99.')
    await page.locator('#q0-text').fill(`Ông/bà có hài lòng với quy hoạch của xã không? (bản ${w.width})`)
    await page.locator('#q0-ref').fill('1')
    await save.click()
    const dialog = page.getByRole('dialog')
    await dialog.waitFor()
    const facts = (await dialog.getByTestId('confirm-facts').textContent()) ?? ''
    expect(facts).toContain('Phiên bản sẽ tạo')
    expect(facts).toContain('QD51_XA_NTM')
    await dialog.getByRole('button', { name: 'Lưu', exact: true }).click()
    // the new version's page (the edit form has a "Câu hỏi (n)" heading too: wait for the page, then its heading)
    await page.waitForURL(/\/app\/admin\/templates\/(?!new)[^/?]+$/)
    await page.locator('#q-h').waitFor()
    expect(await page.locator('main').textContent()).toContain(`(bản ${w.width})`)
    expect(await page.locator('main').textContent()).toContain('(mới nhất)')

    // a new template: blank form, the code of an existing one refused, then saved
    await page.goto(`${server.url}/app/admin/templates/new`)
    await page.getByRole('heading', { name: 'Mẫu phiếu mới' }).waitFor()
    await page.locator('#t-code').fill('QD51_XA_NTM')
    await page.getByRole('button', { name: 'Lưu mẫu phiếu' }).click()
    const refused = (await page.locator('#tpl-problems').textContent()) ?? ''
    expect(refused).toContain('Mã QD51_XA_NTM đã có')
    expect(refused).toContain('Hãy nhập tên mẫu phiếu.')
    expect(refused).toContain('Chọn ít nhất một cấp công nhận')
    const code = `RIENG_${w.width}`
    await page.locator('#t-code').fill(code)
    await page.locator('#t-name').fill('Phiếu riêng của tỉnh')
    await page.getByLabel('Xã nông thôn mới', { exact: true }).check()
    await page.locator('#t-from').fill('01/03/2026')
    await page.locator('#q0-key').fill('duong')
    await page.locator('#q0-text').fill('Ông/bà có hài lòng với đường giao thông của ấp không?')
    await page.locator('#q1-text').fill('Ông/bà có hài lòng với kết quả xây dựng nông thôn mới của xã không?')
    expect(await noHorizontalScroll(page, w.width)).toBe(true)
    await page.screenshot({ path: `${SHOTS}/admin-template-form-${w.width}.png`, fullPage: true })
    await page.getByRole('button', { name: 'Lưu mẫu phiếu' }).click()
    await dialog.waitFor()
    expect(await dialog.getByTestId('confirm-facts').textContent()).toContain('01/03/2026')
    await dialog.getByRole('button', { name: 'Lưu', exact: true }).click()
    await page.getByRole('heading', { name: 'Phiếu riêng của tỉnh' }).waitFor()
    expect(await page.locator('main').textContent()).toContain('Từ 01/03/2026')

    const admin = (await login('admin')) as string
    const made = (await get<{ items: { code: string; version: number }[] }>('/api/questionnaire-templates', admin)).body.items
    expect(made.filter((t) => t.code === code)).toHaveLength(1)
    expect(problems).toEqual([])
    await page.close()
  }, 120_000)
})
