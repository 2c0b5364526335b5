/**
 * Build benchmark worlds through the services the API uses: units, households, a staff user, rounds
 * opened with the 9-question template, print links, and ballots counted by ballots.recordBallot in
 * batched transactions (the same repository code as POST /api/ballots/:token, without HTTP).
 */
import { seedData } from '@app/db'
import { hashPassword } from '@app/server/lib/passwords.ts'
import { createHouseholdRepo } from '@app/server/modules/households/repo.ts'
import type { Actor } from '@app/server/modules/policy.ts'
import type { RoundRow } from '@app/server/modules/rounds/repo.ts'
import { createUnitRepo } from '@app/server/modules/units/repo.ts'
import { createUserRepo } from '@app/server/modules/users/repo.ts'
import { seedReferenceData } from '@app/server/seed.ts'
import type { BenchContext } from './lib.js'

export const STAFF_PASSWORD = 'bench-password-123'

export interface Frame {
  actor: Actor
  username: string
  provinceId: string
  templateId: string
}

/** A province, its front_staff officer (password STAFF_PASSWORD) and the reference questionnaires. */
export async function makeFrame(ctx: BenchContext, code = 'BP'): Promise<Frame> {
  const { services, adb } = ctx
  await seedReferenceData(services)
  const template = (await services.questionnaires.templates())
    .filter((t) => t.code === seedData.TEMPLATE_HD90_9.code)
    .sort((a, b) => b.version - a.version)[0]
  if (!template) throw new Error('the 9-question template is missing after seeding the reference data')
  const province = await createUnitRepo(adb).insert({ kind: 'province', name: `Tỉnh Đo ${code}`, code, parentId: null })
  const username = `bench.${code.toLowerCase()}`
  const user = await createUserRepo(adb).insert({
    username,
    passwordHash: await hashPassword(STAFF_PASSWORD),
    role: 'front_staff',
    unitId: province.id,
  })
  const actor: Actor = { id: user.id, username, role: 'front_staff', unitId: province.id }
  // the benches send links: the province allows the channel first, as a real one must
  await services.units.setLinkChannel(actor, province.id, { enabled: true, legalBasis: 'Kế hoạch đo hiệu năng của tỉnh' })
  return {
    actor,
    username,
    provinceId: province.id,
    templateId: template.id,
  }
}

export interface Commune {
  communeId: string
  villageIds: string[]
}

/** A commune with `villages` villages of `perVillage` households each (fake names and phones). */
export async function makeCommune(
  ctx: BenchContext,
  frame: Frame,
  opts: { code: string; villages: number; perVillage: number; onProgress?: (done: number) => void },
): Promise<Commune> {
  const { adb } = ctx
  const units = createUnitRepo(adb)
  const households = createHouseholdRepo(adb)
  const commune = await units.insert({ kind: 'commune', name: `Xã Đo ${opts.code}`, code: opts.code, parentId: frame.provinceId })
  const villageIds: string[] = []
  let done = 0
  for (let v = 1; v <= opts.villages; v++) {
    const vcode = `${opts.code}-${String(v).padStart(3, '0')}`
    const village = await units.insert({ kind: 'village', name: `Ấp ${v}`, code: vcode, parentId: commune.id })
    villageIds.push(village.id)
    for (let from = 0; from < opts.perVillage; from += 10_000) {
      const n = Math.min(10_000, opts.perVillage - from)
      await adb.transaction(async (tx) => {
        await households.insertMany(
          Array.from({ length: n }, (_, i) => {
            const k = from + i + 1
            return {
              villageId: village.id,
              code: `H${String(k).padStart(6, '0')}`,
              headName: `Chủ Hộ Đo ${v}-${k}`,
              phone: `8499${String(v).padStart(3, '0')}${String(k).padStart(5, '0')}`,
              address: `Số ${k}, ấp ${v}`,
              source: 'bench',
              asOf: '2025-06-01',
            }
          }),
          tx,
        )
      })
      done += n
      opts.onProgress?.(done)
    }
  }
  return { communeId: commune.id, villageIds }
}

/** Create and open a round (window: yesterday → in two weeks) with the 9-question template. */
export async function openRound(ctx: BenchContext, frame: Frame, communeId: string): Promise<RoundRow> {
  const { services } = ctx
  const now = Date.now()
  const round = await services.rounds.create(frame.actor, {
    communeId,
    level: 'xa_ntm',
    templateId: frame.templateId,
    // The 9-question form of the 2021–2025 period keeps every figure comparable with earlier runs;
    // `historical` lets a round of today's dates use it (the per-ballot work grows with questions only).
    historical: true,
    opensAt: new Date(now - 86_400_000).toISOString(),
    closesAt: new Date(now + 14 * 86_400_000).toISOString(),
  })
  await services.rounds.open(frame.actor, round.id)
  const row = await services.rounds.findById(round.id)
  if (!row) throw new Error('round vanished')
  return row
}

/** Issue print links for every household of the round; returns the one-time tokens (the URL ends in the token). */
export async function printTokens(ctx: BenchContext, frame: Frame, roundId: string): Promise<string[]> {
  const res = await ctx.services.invitations.issue(frame.actor, roundId, { channel: 'print' })
  return (res.links ?? []).map((l) => l.url.slice(l.url.lastIndexOf('/') + 1))
}

/** Deterministic PRNG (the demo seed's mulberry32) so every run counts the same ballots. */
export const rng = seedData.prng

const REASONS = ['Đường sá còn lầy lội', 'Chưa có nước sạch', 'Rác chưa được thu gom thường xuyên', 'Chợ xuống cấp']

/** A realistic ballot: ~95 % satisfied on everything, the rest unsatisfied on one or two questions with a reason. */
export function answersFor(keys: readonly string[], rand: () => number): Record<string, { satisfied: boolean; reason?: string }> {
  const out: Record<string, { satisfied: boolean; reason?: string }> = {}
  const unhappy = rand() < 0.05
  for (const k of keys) {
    if (unhappy && rand() < 0.3) out[k] = { satisfied: false, reason: REASONS[Math.floor(rand() * REASONS.length)] as string }
    else out[k] = { satisfied: true }
  }
  return out
}

/** Households of a commune in a stable order (village by village), for bulk counting. */
export async function communeHouseholds(ctx: BenchContext, commune: Commune): Promise<{ id: string; villageId: string }[]> {
  const out: { id: string; villageId: string }[] = []
  const repo = createHouseholdRepo(ctx.adb)
  for (const v of commune.villageIds) for (const h of await repo.listByVillage(v)) out.push({ id: h.id, villageId: h.villageId })
  return out
}

/**
 * Count ballots for households[from, to) through ballots.recordBallot, `batch` per transaction.
 * Households are interleaved across villages so every village fills up at the same pace.
 */
export async function bulkRecord(
  ctx: BenchContext,
  round: RoundRow,
  households: { id: string; villageId: string }[],
  opts: { from: number; to: number; batch?: number; seed?: number; onProgress?: (done: number) => void },
): Promise<void> {
  const { services, adb } = ctx
  const keys = (await services.rounds.questionsOf(round)).map((q) => q.key)
  const rand = rng(opts.seed ?? 42)
  const batch = opts.batch ?? 10_000
  for (let start = opts.from; start < opts.to; start += batch) {
    const end = Math.min(opts.to, start + batch)
    // recordBallot is synchronous: the whole batch runs inside the one transaction, with no await between ballots
    await adb.transaction(async (tx) => {
      for (let i = start; i < end; i++) {
        const h = households[i]
        if (!h) throw new Error(`not enough households (${households.length}) for ballot ${i + 1}`)
        const answers = answersFor(keys, rand)
        services.ballots.recordBallot(tx, {
          round,
          householdId: h.id,
          villageId: h.villageId,
          channel: i % 5 === 0 ? 'paper' : 'link',
          answers,
          comment: rand() < 0.02 ? 'Đề nghị làm thêm đèn đường' : null,
          clientKey: null,
          contentHash: 'bench',
          secondsToComplete: null,
          fingerprint: null,
          enteredBy: null,
        })
      }
    })
    opts.onProgress?.(end)
  }
}

/** Order households so consecutive ballots rotate through the villages (as a real collection does). */
export function interleave<T extends { villageId: string }>(rows: T[]): T[] {
  const byVillage = new Map<string, T[]>()
  for (const r of rows) {
    const list = byVillage.get(r.villageId)
    if (list) list.push(r)
    else byVillage.set(r.villageId, [r])
  }
  const lists = [...byVillage.values()]
  const out: T[] = []
  const longest = Math.max(0, ...lists.map((l) => l.length))
  for (let i = 0; i < longest; i++) for (const l of lists) if (i < l.length) out.push(l[i] as T)
  return out
}
