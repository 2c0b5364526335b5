/** Shared helpers for the fake-zalo tests: start the fake on a real socket, call it with undici, run a receiver. */
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { request } from 'undici'
import { onTestFinished } from 'vitest'
import { type StartedFakeZalo, startFakeZalo } from './app.ts'
import type { FakeZaloOptions } from './core.ts'

/** 10:00 in Vietnam (03:00 UTC), inside the sending window. */
export const DAY_VN = '2025-06-01T03:00:00Z'

export async function startFake(opts: FakeZaloOptions = {}): Promise<StartedFakeZalo> {
  const fake = await startFakeZalo({ clock: DAY_VN, ...opts })
  onTestFinished(() => fake.close())
  return fake
}

export interface JsonResponse {
  status: number
  headers: IncomingHttpHeaders
  text: string
  json: any
}

export async function call(
  fake: { url: string },
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  opts: { headers?: Record<string, string>; body?: string; json?: unknown; timeoutMs?: number } = {},
): Promise<JsonResponse> {
  const headers = { ...opts.headers }
  let body = opts.body
  if (opts.json !== undefined) {
    headers['content-type'] ??= 'application/json'
    body = JSON.stringify(opts.json)
  }
  const res = await request(`${fake.url}${path}`, {
    method,
    headers,
    body,
    signal: opts.timeoutMs ? AbortSignal.timeout(opts.timeoutMs) : undefined,
  })
  const text = await res.body.text()
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    json = undefined
  }
  return { status: res.statusCode, headers: res.headers, text, json }
}

export const validSend = () => ({
  phone: '84987654321',
  template_id: '231677',
  template_data: { customer_name: 'Nguyễn Văn A', survey_url: 'https://hailong.example.vn/r/Ab3dE' },
  tracking_id: 'inv01HZX3ABC',
})

/** POST /message/template with the fake's current access token unless `token` is given. */
export function send(fake: StartedFakeZalo, body: unknown = validSend(), token?: string | null, extraHeaders: Record<string, string> = {}) {
  const headers: Record<string, string> = { ...extraHeaders }
  const t = token === undefined ? fake.control.tokens().accessToken : token
  if (t !== null) headers.access_token = t
  return call(fake, 'POST', '/message/template', { json: body, headers })
}

export interface Received {
  headers: IncomingHttpHeaders
  raw: Buffer
  at: number
}

/** A webhook receiver on a real socket; `respond` chooses the status for each request (default 200). */
export async function startReceiver(respond: (r: Received, n: number) => number = () => 200) {
  const received: Received[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const r = { headers: req.headers, raw: Buffer.concat(chunks), at: Date.now() }
      received.push(r)
      res.statusCode = respond(r, received.length)
      res.end('ok')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/zalo`
  onTestFinished(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  )
  return { url, received }
}
