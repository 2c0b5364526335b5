import { parseSlipCode } from '@app/shared'
import { normalizeIP } from '@fastify/rate-limit'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { hashLinkToken } from '../../lib/tokens.js'
import { renderCodePage } from './code-page.js'

const MSG = {
  shape: 'Mã chưa đúng: mã có 26 chữ và số, in ngay dưới mã QR trên phiếu mời. Xin kiểm tra lại từng ký tự.',
  unknown: 'Không tìm thấy mã này. Xin kiểm tra lại từng ký tự trên phiếu mời (chữ và số dễ nhầm như 0 và O được tự sửa).',
  revoked:
    'Mã này đã bị thu hồi vì hộ của ông/bà đã được cấp phiếu mời mới. Xin dùng mã trên phiếu mới nhất, hoặc hỏi Ban công tác Mặt trận ấp.',
  tooMany: (min: number) => `Ông/bà đã nhập sai mã nhiều lần. Để giữ an toàn cho phiếu của các hộ, xin thử lại sau ${min} phút.`,
  busy: 'Quá nhiều yêu cầu, vui lòng thử lại sau ít phút.',
}

/**
 * A fixed window per IP of wrong codes. Checked BEFORE a code is looked up, so past the budget even a
 * right code is not confirmed: guessing stops, it does not merely slow down.
 */
export function wrongCodeCounter(max: number, windowMs: number, now: () => number) {
  const seen = new Map<string, { n: number; start: number }>()
  // the sweep of expired entries runs when the table has doubled since the last one, so its cost is
  // spread over the entries added (sweeping on every new address made each request slower than the last)
  let sweepAt = 50_000
  const live = (key: string, t: number) => {
    const e = seen.get(key)
    return e && t - e.start < windowMs ? e : undefined
  }
  return {
    /** Seconds to wait when the budget is spent, else 0. Asking stores nothing. */
    blockedFor(key: string): number {
      const t = now()
      const e = live(key, t)
      return e && e.n >= max ? Math.max(1, Math.ceil((e.start + windowMs - t) / 1000)) : 0
    },
    wrong(key: string): void {
      const t = now()
      const e = live(key, t)
      if (e) {
        e.n++
        return
      }
      if (seen.size >= sweepAt) {
        for (const [k, v] of seen) if (t - v.start >= windowMs) seen.delete(k)
        sweepAt = Math.max(50_000, seen.size * 2)
      }
      seen.set(key, { n: 1, start: t })
    },
    /** Entries held (tests). */
    size: (): number => seen.size,
  }
}

/**
 * GET/POST /ma: the typeable code on the printed slip is the link token itself (Crockford base32,
 * shared/link-token.ts), so a right code simply continues to /r/<token>, the same page the QR code
 * opens; nothing is recorded here (the link's first opening is recorded by that page). Every attempt
 * draws on the links' per-IP budget; wrong codes also on their own, smaller one.
 */
export const slipCodeRoutes: FastifyPluginAsyncZod = async (app) => {
  const hotline = app.config.links.hotline
  const linkBudget = app.createRateLimit({
    max: app.config.links.rateLimitPerMin,
    timeWindow: 60_000,
    // the same key as the resident API's group (modules/ballots/routes.ts, plugins/respond-page.ts): one budget per IP
    keyGenerator: (req) => `${normalizeIP(req.ip)}resident`,
  })
  const wrong = wrongCodeCounter(app.config.links.wrongCodesPerHour, 3_600_000, () => Date.now())
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 4 * 1024 }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)))
  })

  app.get('/ma', { schema: { hide: true } }, async (_req, reply) =>
    reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(renderCodePage({ hotline })),
  )

  app.post(
    '/ma',
    {
      bodyLimit: 4 * 1024,
      schema: {
        hide: true,
        body: z
          .object({ ma: z.string().max(200).optional() })
          .loose()
          .optional(),
      },
    },
    async (req, reply) => {
      reply.type('text/html; charset=utf-8').header('cache-control', 'no-store')
      const typed = (req.body?.ma ?? '').slice(0, 80)
      const page = (status: number, error: string) => reply.code(status).send(renderCodePage({ value: typed, error, hotline }))
      const rl = await linkBudget(req)
      if (!rl.isAllowed && rl.isExceeded)
        return reply
          .header('retry-after', String(Math.max(1, rl.ttlInSeconds)))
          .code(429)
          .send(renderCodePage({ value: typed, error: MSG.busy, hotline }))
      const key = normalizeIP(req.ip)
      const wait = wrong.blockedFor(key)
      if (wait > 0)
        return reply
          .header('retry-after', String(wait))
          .code(429)
          .send(renderCodePage({ value: typed, error: MSG.tooMany(Math.ceil(wait / 60)), hotline }))
      const token = parseSlipCode(typed)
      // a mistyped shape is not a guess: it says so and costs nothing but the links' budget
      if (!token) return page(400, MSG.shape)
      const inv = await app.services.invitations.findByTokenHash(hashLinkToken(token))
      if (!inv) {
        wrong.wrong(key)
        return page(404, MSG.unknown)
      }
      if (inv.revoked) return page(410, MSG.revoked)
      return reply.redirect(`/r/${token}`, 303)
    },
  )
}
