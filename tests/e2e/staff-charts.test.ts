import { resolve } from 'node:path'
import { createHouseholdRepo } from '@app/server/modules/households/repo.ts'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchBrowser } from './helpers/browser.js'
import { type RunningServer, startServer } from './helpers/server.js'

/**
 * The result charts and the commune trend in real Chromium at 1366 and 360 px, on the demo commune with two
 * rounds closed the same day (a recognition round, then a follow-up in one village), both disclosed: the
 * threshold's label sits above the plot (never on a bar), questions below the threshold are marked by colour,
 * stripes and the words "dưới ngưỡng"; the trend heads each round's column with its title and close day and
 * names every criterion from the criteria set. Every page visited: no console error, no failed request.
 */
const SHOTS = resolve(import.meta.dirname, '../../docs/screenshots')
let server: RunningServer
let browser: Browser
let communeId = ''
let firstRound = ''
let followRound = ''
let token = ''

async function api<T>(path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${server.url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  if (!res.ok) throw new Error(`${path} → ${res.status} ${await res.text()}`)
  return (await res.json()) as T
}

interface Question {
  key: string
  isOverall: boolean
}

/** `n` households of the village answer on paper; the first question is satisfied by `firstShare` of them. */
async function answer(roundId: string, villageId: string, n: number, firstShare: number): Promise<void> {
  const { services } = server.app
  const round = await services.rounds.findById(roundId)
  if (!round) throw new Error('no round')
  const questions = (await services.rounds.questionsOf(round)) as Question[]
  const hhs = (await createHouseholdRepo(server.app.db).listByVillage(villageId)).filter((h) => h.active).slice(0, n)
  await server.app.db.transaction(async (tx) => {
    hhs.forEach((h, i) => {
      const answers = Object.fromEntries(
        questions.map((q, qi) => {
          const yes = qi === 0 ? i < Math.round(n * firstShare) : true
          return [q.key, yes ? { satisfied: true } : { satisfied: false, reason: 'Đường còn lầy lội' }]
        }),
      )
      services.ballots.recordBallot(tx, {
        round,
        householdId: h.id,
        villageId,
        channel: 'paper',
        answers,
        comment: null,
        clientKey: null,
        contentHash: `chart-${roundId}-${h.id}`,
        secondsToComplete: null,
        fingerprint: null,
        enteredBy: null,
      })
    })
  })
}

beforeAll(async () => {
  ;[server, browser] = await Promise.all([startServer({ demo: true }), launchBrowser()])
  const login = await fetch(`${server.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'mttq.xa', password: 'hailong-demo' }),
  })
  token = ((await login.json()) as { token: string }).token
  communeId = (await api<{ items: { id: string }[] }>('/api/units?kind=commune')).items[0]?.id ?? ''
  const villages = (await api<{ items: { id: string }[] }>(`/api/units?parentId=${communeId}&kind=village`)).items
  const templates = await api<{ items: { id: string; code: string }[] }>('/api/questionnaire-templates')
  const templateId = templates.items.find((t) => t.code === 'QD51_XA_NTM')?.id ?? ''
  const now = Date.now()
  const day = 86_400_000
  const window = { opensAt: new Date(now - day).toISOString(), closesAt: new Date(now + 10 * day).toISOString() }
  const v0 = villages[0]?.id ?? ''
  const v1 = villages[1]?.id ?? ''
  // the recognition round: the first question well under the threshold
  const first = await api<{ id: string }>('/api/rounds', { communeId, level: 'xa_ntm', templateId, ...window })
  firstRound = first.id
  await api(`/api/rounds/${firstRound}/open`, {})
  await answer(firstRound, v0, 30, 0.5)
  await answer(firstRound, v1, 30, 0.6)
  await api(`/api/rounds/${firstRound}/close`, { reason: 'kết thúc để kiểm thử biểu đồ' })
  await api(`/api/rounds/${firstRound}/tally`) // the disclosure
  // the follow-up in the first village after the remedy, closed the same day
  const follow = await api<{ id: string }>('/api/rounds', {
    communeId,
    level: 'xa_ntm',
    templateId,
    purpose: 'follow_up',
    villageIds: [v0],
    previousRoundId: firstRound,
    ...window,
  })
  followRound = follow.id
  await api(`/api/rounds/${followRound}/open`, {})
  await answer(followRound, v0, 30, 0.97)
  await api(`/api/rounds/${followRound}/close`, { reason: 'kết thúc để kiểm thử biểu đồ' })
  await api(`/api/rounds/${followRound}/tally`)
}, 240_000)

afterAll(async () => {
  await browser?.close()
  await server?.close()
})

async function staffPage(width: number): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage({ viewport: { width, height: width < 500 ? 780 : 900 }, locale: 'vi-VN' })
  const problems: string[] = []
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`)
  })
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`))
  page.on('requestfailed', (r) => {
    if (r.failure()?.errorText !== 'net::ERR_ABORTED') problems.push(`failed: ${r.url()} ${r.failure()?.errorText ?? ''}`)
  })
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`${r.status()}: ${r.request().method()} ${r.url()}`)
  })
  await page.goto(`${server.url}/`)
  await page.getByLabel('Tên đăng nhập').fill('mttq.xa')
  await page.getByLabel('Mật khẩu').fill('hailong-demo')
  await page.getByRole('button', { name: 'Đăng nhập' }).click()
  await page.getByRole('button', { name: 'Đăng xuất' }).waitFor()
  return { page, problems }
}

/**
 * Where the chart's red ink is, row by row: the threshold label is red text, the line a dashed stroke a few
 * pixels wide. Returns the first row with bar ink (blue or amber) and the widest red run in a row at or below it.
 */
async function inkOf(page: Page, selector: string): Promise<{ barTop: number; redWidthInPlot: number; redRowsAbove: number }> {
  return page.locator(selector).evaluate((canvas: HTMLCanvasElement) => {
    const ctx = canvas.getContext('2d')
    if (!ctx) throw new Error('no context')
    const { width, height } = canvas
    const px = ctx.getImageData(0, 0, width, height).data
    const at = (x: number, y: number) => {
      const i = (y * width + x) * 4
      return [px[i] ?? 0, px[i + 1] ?? 0, px[i + 2] ?? 0, px[i + 3] ?? 0] as const
    }
    const isRed = ([r, g, b, a]: readonly number[]) => (a ?? 0) > 128 && (r ?? 0) > 140 && (g ?? 0) < 60 && (b ?? 0) < 60
    const isBar = ([r, g, b, a]: readonly number[]) =>
      (a ?? 0) > 200 &&
      ((Math.abs((r ?? 0) - 0x1d) < 24 && Math.abs((g ?? 0) - 0x4e) < 24 && (b ?? 0) > 180) ||
        (Math.abs((r ?? 0) - 0xb4) < 24 && Math.abs((g ?? 0) - 0x53) < 24 && (b ?? 0) < 40))
    let barTop = -1
    for (let y = 0; y < height && barTop < 0; y++)
      for (let x = 0; x < width; x++)
        if (isBar(at(x, y))) {
          barTop = y
          break
        }
    let redWidthInPlot = 0
    let redRowsAbove = 0
    for (let y = 0; y < height; y++) {
      let minX = width
      let maxX = -1
      for (let x = 0; x < width; x++)
        if (isRed(at(x, y))) {
          minX = Math.min(minX, x)
          maxX = Math.max(maxX, x)
        }
      if (maxX < 0) continue
      if (y < barTop) redRowsAbove++
      else redWidthInPlot = Math.max(redWidthInPlot, maxX - minX + 1)
    }
    return { barTop, redWidthInPlot, redRowsAbove }
  })
}

describe('result charts and the commune trend', () => {
  for (const width of [1366, 360]) {
    it(`the question chart: threshold label off the bars, questions below it marked without colour alone (${width} px)`, async () => {
      const { page, problems } = await staffPage(width)
      await page.goto(`${server.url}/app/rounds/${firstRound}/result`)
      const legend = page.getByTestId('question-chart-legend')
      await legend.waitFor()
      expect(await legend.textContent()).toMatch(/Dưới ngưỡng .*: 1 câu/)
      expect(await legend.textContent()).toMatch(/Ngưỡng \d+,\d{2} %/)
      const figure = page.locator('figure.chart', { has: legend })
      expect(await figure.locator('[role=img]').getAttribute('aria-label')).toContain('1 câu dưới ngưỡng')
      await page.waitForFunction(() => {
        const c = document.querySelector('figure.chart canvas') as HTMLCanvasElement | null
        return !!c && c.width > 0
      })
      await page.waitForTimeout(300)
      const ink = await inkOf(page, 'figure.chart canvas')
      expect(ink.barTop).toBeGreaterThan(0)
      // the label's text is above the first bar; below it only the line's own stroke is red
      expect(ink.redRowsAbove).toBeGreaterThan(6)
      expect(ink.redWidthInPlot).toBeLessThanOrEqual(6)
      await figure.scrollIntoViewIfNeeded()
      await page.screenshot({ path: `${SHOTS}/result-chart-${width}.png`, fullPage: false })
      expect(problems).toEqual([])
      await page.close()
    })

    it(`the trend heads each round with its title and close day and names each criterion (${width} px)`, async () => {
      const { page, problems } = await staffPage(width)
      await page.goto(`${server.url}/app/overview/communes/${communeId}`)
      const table = page.getByRole('table', { name: 'Tỷ lệ hài lòng theo tiêu chí' })
      await table.waitFor()
      const heads = await table.locator('thead th.round-col').allTextContents()
      expect(heads).toHaveLength(2)
      const rounds = await Promise.all([firstRound, followRound].map((id) => api<{ title: string }>(`/api/rounds/${id}`)))
      const today = new Intl.DateTimeFormat('vi-VN', {
        day: '2-digit',
        month: '2-digit',
        year: 'numeric',
        timeZone: 'Asia/Ho_Chi_Minh',
      }).format(new Date())
      expect(heads[0]).toContain('Đợt 1')
      expect(heads[0]).toContain(rounds[0]?.title)
      expect(heads[0]).toContain(`đóng ${today}`)
      expect(heads[1]).toContain('Đợt 2 · khảo sát lại')
      expect(heads[1]).toContain(rounds[1]?.title)
      // every criterion by number and name, as the criteria set names it
      const rows = await table.locator('tbody th[scope=row]').allTextContents()
      expect(rows.length).toBeGreaterThan(0)
      for (const r of rows) expect(r.trim()).toMatch(/^Tiêu chí \d+ – \S/)
      expect(await page.locator('main').textContent()).not.toMatch(/\b\d{4}-\d{2}-\d{2}\b/)
      await page.screenshot({ path: `${SHOTS}/commune-trend-${width}.png`, fullPage: true })
      expect(problems).toEqual([])
      await page.close()
    })
  }

  it('the coverage chart of an open round: the floor as a legend, villages under it marked "chưa đủ" (360 px)', async () => {
    const templates = await api<{ items: { id: string; code: string }[] }>('/api/questionnaire-templates')
    const now = Date.now()
    const open = await api<{ id: string }>('/api/rounds', {
      communeId,
      level: 'xa_ntm',
      templateId: templates.items.find((t) => t.code === 'QD51_XA_NTM')?.id ?? '',
      opensAt: new Date(now - 86_400_000).toISOString(),
      closesAt: new Date(now + 10 * 86_400_000).toISOString(),
    })
    await api(`/api/rounds/${open.id}/open`, {})
    const villages = (await api<{ items: { id: string }[] }>(`/api/units?parentId=${communeId}&kind=village`)).items
    await answer(open.id, villages[0]?.id ?? '', 30, 1)
    const { page, problems } = await staffPage(360)
    await page.goto(`${server.url}/app/rounds/${open.id}`)
    const legend = page.getByTestId('coverage-chart-legend')
    await legend.waitFor()
    expect(await legend.textContent()).toMatch(/Mức tối thiểu \d+,\d{2} %/)
    expect(await legend.textContent()).toMatch(/Chưa đủ .*: \d+ thôn\/ấp/)
    await page.waitForTimeout(300)
    await page.getByRole('heading', { name: 'Độ bao phủ theo thôn/ấp' }).scrollIntoViewIfNeeded()
    await page.screenshot({ path: '/tmp/coverage-chart-360.png' })
    expect(problems).toEqual([])
    await page.close()
  })
})
