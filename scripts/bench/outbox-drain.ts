/**
 * Outbox drain benchmark (issue 8): queue N Zalo invitations (default 10 000) and measure how fast the outbox
 * worker drains them against the fake Zalo server's rate limit, over real HTTP on 127.0.0.1, on a real SQLite file
 * (WAL, production pragmas). Reports msgs/s as a fraction of the limit, duplicates (fake's per-tracking_id count),
 * -32 answers (our token bucket should make that 0) and the final row statuses.
 *
 *   pnpm tsx scripts/bench/outbox-drain.ts [--n 10000] [--rate 50] [--concurrency 16]
 *
 * `--rate` is both the fake's limit (token bucket, burst = rate) and our client's ZALO_RATE_PER_SEC, i.e. the
 * realistic set-up where we run at the limit Zalo grants. Receipts are off so the figure is the send path alone.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { closeDb, createDb, households, migrateDb, questionnaireTemplates, units, users } from '@app/db'
import { loadConfig } from '@app/server/config.ts'
import { createMessagingRepo } from '@app/server/modules/messaging/repo.ts'
import { createMessagingRuntime } from '@app/server/modules/messaging/runtime.ts'
import { createServices } from '@app/server/services.ts'
import { FakeClock, startFakeZalo } from '../fake-zalo/app.ts'

const { values: args } = parseArgs({
  options: {
    n: { type: 'string', default: '10000' },
    rate: { type: 'string', default: '50' },
    concurrency: { type: 'string', default: '16' },
  },
})
const N = Number(args.n)
const RATE = Number(args.rate)
const CONCURRENCY = Number(args.concurrency)

const dir = mkdtempSync(join(tmpdir(), 'outbox-drain-'))
const clock = new FakeClock()
clock.set(Date.parse('2025-06-02T01:00:00Z')) // 08:00 VN: inside the sending window all run long
const serverClock = { now: () => new Date(clock.now()) }

const fake = await startFakeZalo({
  clock,
  rateLimit: { perSecond: RATE, burst: RATE },
  dailyQuota: 10_000_000,
  autoReceipts: false,
})
const t = fake.control.tokens()
const config = loadConfig({
  DATABASE_PATH: join(dir, 'drain.db'),
  SEED_DEMO: 'false',
  JWT_SECRET: 'bench-jwt-secret-bench-jwt-secret-0123456789',
  LOG_LEVEL: 'warn',
  ZALO_MODE: 'fake',
  ZALO_ZNS_BASE_URL: fake.url,
  ZALO_REFRESH_TOKEN: t.refreshToken,
  ZALO_ACCESS_TOKEN: t.accessToken,
  ZALO_RATE_PER_SEC: String(RATE),
  ZALO_WORKER_POLL_MS: '50',
  SMS_MODE: 'off',
  PUBLIC_BASE_URL: 'https://hailong.example.vn',
})
const db = createDb(config.db.path)
migrateDb(db)
const services = createServices({ db, config, clock: serverClock })

// ── the world: one commune, 20 villages, N households with phones, an open round ─────────────────────────────
const province = db.insert(units).values({ kind: 'province', name: 'Tỉnh Đo', code: 'TD' }).returning().get()
const commune = db.insert(units).values({ kind: 'commune', name: 'Xã Đo Tốc Độ', code: 'XD', parentId: province.id }).returning().get()
const villages = Array.from({ length: 20 }, (_, i) =>
  db
    .insert(units)
    .values({ kind: 'village', name: `Ấp ${i + 1}`, code: `XD-${i + 1}`, parentId: commune.id })
    .returning()
    .get(),
)
db.transaction((tx) => {
  for (let i = 0; i < N; i += 1000) {
    const rows = Array.from({ length: Math.min(1000, N - i) }, (_, k) => {
      const n = i + k
      return {
        villageId: villages[n % villages.length]!.id,
        code: `H${String(n).padStart(6, '0')}`,
        headName: `Chủ Hộ Đo ${n}`,
        phone: `8490${String(1_000_000 + n).padStart(7, '0')}`,
        asOf: '2025-06-01',
      }
    })
    tx.insert(households).values(rows).run()
  }
})
const template = db
  .insert(questionnaireTemplates)
  .values({ code: 'BENCH', name: 'Phiếu đo', questions: [{ key: 'q9', text: 'Hài lòng chung?', criterionRef: null, isOverall: true }] })
  .returning()
  .get()
const staff = db.insert(users).values({ username: 'bench', passwordHash: 'x', role: 'front_staff', unitId: commune.id }).returning().get()
const actor = { id: staff.id, username: staff.username, role: 'front_staff' as const, unitId: commune.id }
const round = services.rounds.create(actor, {
  communeId: commune.id,
  level: 'xa_ntm',
  templateId: template.id,
  opensAt: '2025-06-01T00:00:00Z',
  closesAt: '2025-06-30T00:00:00Z',
})
services.rounds.open(actor, round.id)
const issued = services.invitations.issue(actor, round.id, { channel: 'zalo' })
console.log(`queued ${issued.created} Zalo invitations; fake limit ${RATE} req/s (burst ${RATE}); worker concurrency ${CONCURRENCY}`)

// ── drain ────────────────────────────────────────────────────────────────────────────────────────────────────
const repo = createMessagingRepo(db)
const counts = () => repo.statusCounts()

const runtime = createMessagingRuntime({
  db,
  clock: serverClock,
  config,
  audit: services.audit,
  log: { info() {}, warn: (o, m) => console.warn(m, o), error: (o, m) => console.error(m, o) },
  concurrency: CONCURRENCY,
})
const started = performance.now()
runtime.worker.start()
let lastSent = 0
const timeline: number[] = []
for (;;) {
  await new Promise((r) => setTimeout(r, 1000))
  const c = counts()
  const sent = c.sent ?? 0
  timeline.push(sent - lastSent)
  lastSent = sent
  const elapsed = (performance.now() - started) / 1000
  process.stdout.write(`\r  ${elapsed.toFixed(0)} s: sent ${sent}/${issued.created}  (${(sent / elapsed).toFixed(1)} msg/s)   `)
  if (sent + (c.failed ?? 0) >= issued.created) break
  if (elapsed > Math.max(120, (3 * N) / RATE)) {
    console.log('\n  giving up: too slow')
    break
  }
}
const elapsed = (performance.now() - started) / 1000
await runtime.close()
const stats = fake.control.stats()
const templateCalls = fake.control.requests({ path: '/message/template' }).length
const final = counts()
await fake.close()
closeDb(db)
rmSync(dir, { recursive: true, force: true })

const rate = (final.sent ?? 0) / elapsed
// steady state: drop the first and last second (start-up burst and the tail)
const steady = timeline.slice(1, -1)
const steadyRate = steady.length ? steady.reduce((a, b) => a + b, 0) / steady.length : rate
console.log('\n')
console.log(`  drained ${final.sent ?? 0} of ${issued.created} in ${elapsed.toFixed(1)} s`)
console.log(`  overall ${rate.toFixed(1)} msg/s = ${((rate / RATE) * 100).toFixed(1)} % of the ${RATE}/s limit`)
console.log(`  steady  ${steadyRate.toFixed(1)} msg/s = ${((steadyRate / RATE) * 100).toFixed(1)} % of the limit`)
console.log(
  `  fake: ${stats.sent} messages, ${stats.duplicateTrackingIds.length} duplicate tracking_ids, ${templateCalls - stats.sent} rejected calls (-32 etc.)`,
)
console.log(`  outbox: ${JSON.stringify(final)}`)
